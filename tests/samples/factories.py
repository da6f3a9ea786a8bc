"""Helpers for the samples tests: samples made through the services, in any state."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from samples import services
from samples.models import SampleRequest
from tests.orders.factories import make_product

Status = SampleRequest.Status


def request_sample(actor, salesperson, customer, *, quantity="2", product=None, **kw) -> SampleRequest:
    product = product or make_product(list_price=Decimal("10.00"))
    return services.sample_request(
        actor=actor,
        salesperson=salesperson,
        customer=customer,
        lines=[{"product": product, "quantity": Decimal(quantity)}],
        purpose=kw.pop("purpose", "Quality approval"),
        **kw,
    )


def make_sample(
    cast,
    status: str = Status.APPROVED,
    *,
    customer=None,
    preparer=None,
    checker=None,
    requester=None,
    sent_on=None,
    **kw,
) -> SampleRequest:
    """A sample (of customer_of_assistant1 by default) walked to ``status`` through the services."""
    customer = customer or cast.customer_of_assistant1
    if status in (Status.DECISION, Status.REFUSED):
        kw.setdefault("exception_reason", "Key prospect")
    sample = request_sample(requester or customer.owner, customer.owner, customer, **kw)
    if status in (Status.DECISION, Status.APPROVED):
        return sample
    if status == Status.REFUSED:
        return services.sample_decide(sample=sample, actor=cast.gm, decision="refuse", comment="No")
    if status == Status.CANCELLED:
        return services.sample_cancel(sample=sample, actor=customer.owner)
    sample = services.dispatch_prepare(
        sample=sample, actor=preparer or customer.owner, courier="SF Express", tracking_number="SF100200300",
        sent_on=sent_on or timezone.localdate(), cost="23.00", expected_arrival=None,
    )  # fmt: skip
    if status == Status.PREPARED:
        return sample
    sample = services.dispatch_check(sample=sample, actor=checker or cast.gm)
    if status == Status.DISPATCHED:
        return sample
    return services.feedback_record(sample=sample, actor=customer.owner, opinion="Good", likelihood="high")
