"""The charge rule, the manager's decision, double review, feedback and conversion (services)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import Order
from samples import services
from samples.models import SampleEvent, SamplePolicy, SampleRequest
from tests.orders.factories import make_order, make_product
from tests.samples.factories import make_sample, request_sample

Status = SampleRequest.Status
D = Decimal


@pytest.fixture
def policy(db):
    policy = SamplePolicy.current()
    policy.new_free_max_pieces = 5
    policy.new_free_max_value = D("100.00")
    policy.save()
    return policy


# The company rule --------------------------------------------------------------------------


def test_new_customer_within_limit_is_free_courier_collect(cast, policy):
    sample = request_sample(cast.assistant1, cast.sales1, cast.customer_of_assistant1, quantity="5")
    assert sample.new_customer
    assert (sample.status, sample.charge, sample.amount, sample.courier_fee) == (
        Status.APPROVED, "free", D("0.00"), "collect",
    )  # fmt: skip


def test_new_customer_over_pieces_is_charged_at_list_value(cast, policy):
    product = make_product(list_price=D("12.50"))
    sample = request_sample(cast.assistant1, cast.sales1, cast.customer_of_assistant1, quantity="6", product=product)
    assert (sample.status, sample.charge, sample.amount, sample.currency) == (
        Status.APPROVED,
        "charged",
        D("75.00"),
        "CNY",
    )


def test_new_customer_over_value_is_charged(cast, policy):
    product = make_product(list_price=D("60.00"))
    sample = request_sample(cast.assistant1, cast.sales1, cast.customer_of_assistant1, quantity="2", product=product)
    assert (sample.charge, sample.amount) == ("charged", D("120.00"))


def test_customer_with_an_order_gets_free_prepaid(cast, policy):
    make_order(cast.sales1, cast.customer_of_assistant1)
    sample = request_sample(cast.assistant1, cast.sales1, cast.customer_of_assistant1, quantity="50")
    assert not sample.new_customer
    assert (sample.status, sample.charge, sample.courier_fee) == (Status.APPROVED, "free", "prepaid")


def test_a_cancelled_order_does_not_make_a_customer_old(cast, policy):
    make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.CANCELLED)
    assert services.is_new_customer(cast.customer_of_assistant1)


def test_free_when_the_rule_charges_goes_to_the_manager_who_is_emailed(
    cast, policy, django_capture_on_commit_callbacks
):
    cast.manager1.language = "zh-hans"
    cast.manager1.save()
    with django_capture_on_commit_callbacks(execute=True):
        sample = request_sample(cast.assistant1, cast.sales1, cast.customer_of_assistant1, quantity="10", charge="free")
    assert sample.status == Status.DECISION
    assert [m.to for m in mail.outbox] == [[cast.manager1.email]]
    assert sample.number in mail.outbox[0].subject
    kinds = list(sample.events.values_list("kind", flat=True))
    assert kinds == [SampleEvent.Kind.REQUESTED, SampleEvent.Kind.SENT_TO_MANAGER]


def test_charging_less_than_the_rule_or_prepaying_goes_to_the_manager(cast, policy):
    product = make_product(list_price=D("50.00"))
    less = request_sample(cast.sales1, cast.sales1, cast.customer_of_assistant1, quantity="3", product=product,
                          charge="charged", amount="100.00", courier_fee="collect")  # fmt: skip
    assert less.status == Status.DECISION
    prepaid = request_sample(cast.sales1, cast.sales1, cast.customer_of_assistant1, quantity="1", courier_fee="prepaid",
                             charge="free")  # fmt: skip
    assert prepaid.status == Status.DECISION
    more = request_sample(cast.sales1, cast.sales1, cast.customer_of_assistant1, quantity="3", product=product,
                          charge="charged", amount="150.00", courier_fee="collect")  # fmt: skip
    assert more.status == Status.APPROVED


def test_exception_reason_goes_to_the_manager_even_within_the_rule(cast, policy):
    sample = request_sample(cast.sales1, cast.sales1, cast.customer_of_assistant1, exception_reason="Trade fair")
    assert sample.status == Status.DECISION


def test_list_prices_in_another_currency_go_to_the_manager(cast, policy):
    product = make_product(list_price=D("3.00"), currency="USD")
    sample = request_sample(cast.sales1, cast.sales1, cast.customer_of_assistant1, product=product)
    assert sample.status == Status.DECISION


# Who may request for whom ------------------------------------------------------------------


def test_assistant_cannot_request_for_a_customer_not_assigned_to_them(cast):
    with pytest.raises(ValidationError) as error:
        request_sample(cast.assistant1, cast.sales1, cast.customer_of_assistant2)
    assert "customer" in error.value.error_dict
    assert not SampleRequest.objects.exists()


def test_assistant_cannot_request_for_a_salesperson_they_do_not_serve(cast):
    with pytest.raises(ValidationError) as error:
        request_sample(cast.assistant1, cast.sales2, cast.customer_of_sales2)
    assert "salesperson" in error.value.error_dict
    assert not SampleRequest.objects.exists()


def test_finance_cannot_request(cast):
    with pytest.raises(ValidationError):
        request_sample(cast.finance1, cast.sales1, cast.customer_of_assistant1)


# The manager's decision --------------------------------------------------------------------


@pytest.fixture
def pending(cast, policy):
    return request_sample(cast.assistant1, cast.sales1, cast.customer_of_assistant1, quantity="10", charge="free")


def test_manager_approves_as_requested(cast, pending, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sample = services.sample_decide(sample=pending, actor=cast.manager1, decision="approve", comment="Key account")
    assert (sample.status, sample.charge, sample.decided_by) == (Status.APPROVED, "free", cast.manager1)
    event = sample.events.last()
    assert (event.kind, event.actor, event.comment) == ("approved", cast.manager1, "Key account")
    assert [m.to for m in mail.outbox] == [[cast.assistant1.email]]


def test_manager_changes_the_terms(cast, pending):
    sample = services.sample_decide(sample=pending, actor=cast.manager1, decision="change", charge="charged",
                                    amount="40", currency="CNY", courier_fee="collect", comment="Half price")  # fmt: skip
    assert (sample.status, sample.charge, sample.amount, sample.courier_fee) == (
        Status.APPROVED, "charged", D("40.00"), "collect",
    )  # fmt: skip
    assert "Half price" in sample.events.last().comment


def test_manager_refuses_with_a_comment(cast, pending):
    with pytest.raises(ValidationError):
        services.sample_decide(sample=pending, actor=cast.manager1, decision="refuse", comment="")
    sample = services.sample_decide(sample=pending, actor=cast.manager1, decision="refuse", comment="Not a real buyer")
    assert sample.status == Status.REFUSED
    with pytest.raises(ValidationError):
        services.dispatch_prepare(sample=sample, actor=cast.assistant1, courier="SF", tracking_number="1",
                                  sent_on=timezone.localdate(), cost="1")  # fmt: skip


@pytest.mark.parametrize("who", ["sales1", "assistant1", "manager2"])
def test_only_the_team_manager_or_gm_decides(cast, pending, who):
    with pytest.raises(ValidationError):
        services.sample_decide(sample=pending, actor=getattr(cast, who), decision="approve")
    pending.refresh_from_db()
    assert pending.status == Status.DECISION


def test_gm_may_decide(cast, pending):
    assert services.sample_decide(sample=pending, actor=cast.gm, decision="approve").status == Status.APPROVED


# Dispatch with double review ---------------------------------------------------------------


def test_preparer_cannot_check_their_own_dispatch(cast):
    sample = make_sample(cast, Status.PREPARED, preparer=cast.assistant1)
    with pytest.raises(ValidationError) as error:
        services.dispatch_check(sample=sample, actor=cast.assistant1)
    assert error.value.code == "same_person"
    sample.refresh_from_db()
    assert sample.status == Status.PREPARED


def test_database_refuses_checker_equal_to_preparer(cast):
    sample = make_sample(cast, Status.PREPARED, preparer=cast.assistant1)
    with pytest.raises(IntegrityError), transaction.atomic():
        SampleRequest.objects.filter(pk=sample.pk).update(checked_by=cast.assistant1)


def test_check_sends_the_salesperson_courier_and_tracking(cast, django_capture_on_commit_callbacks):
    cast.sales1.language = "zh-hans"
    cast.sales1.save()
    sample = make_sample(cast, Status.PREPARED, preparer=cast.assistant1)
    SampleRequest.objects.filter(pk=sample.pk).update(expected_arrival=timezone.localdate() + timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        sample = services.dispatch_check(sample=sample, actor=cast.sales1, comment="Parcel checked")
    assert sample.status == Status.DISPATCHED and sample.checked_by == cast.sales1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.sales1.email]
    assert "SF Express" in message.body and "SF100200300" in message.body
    # Rendered in the recipient's language: dates in Chinese format (the strings once the .po is filled).
    assert "年" in message.body
    # At most once, however often the notification runs.
    assert services.notify_dispatched(sample.pk) is False


def test_preparer_withdraws_before_check(cast):
    sample = make_sample(cast, Status.PREPARED, preparer=cast.assistant1)
    with pytest.raises(ValidationError):
        services.dispatch_withdraw(sample=sample, actor=cast.sales1)
    sample = services.dispatch_withdraw(sample=sample, actor=cast.assistant1)
    assert sample.status == Status.APPROVED and sample.prepared_by is None


def test_assistant_cannot_touch_a_sample_outside_scope(cast):
    sample = make_sample(cast, Status.PREPARED, customer=cast.customer_of_assistant2, preparer=cast.assistant2)
    with pytest.raises(ValidationError):
        services.dispatch_check(sample=sample, actor=cast.assistant1)


# Follow-up date on a fixed calendar -----------------------------------------------------------


@time_machine.travel(date(2026, 3, 2), tick=False)
def test_follow_up_date_is_n_days_after_sending(cast, policy):
    sample = make_sample(cast, Status.DISPATCHED, sent_on=date(2026, 2, 27))
    assert sample.follow_up_on == date(2026, 3, 6)  # 27 Feb + 7 days, across the month end
    policy.feedback_after_days = 3
    policy.save()
    other = make_sample(cast, Status.DISPATCHED, sent_on=date(2026, 3, 2))
    assert other.follow_up_on == date(2026, 3, 5)
    assert list(SampleRequest.objects.feedback_due(date(2026, 3, 5))) == [other]
    assert set(SampleRequest.objects.feedback_due(date(2026, 3, 6))) == {sample, other}


# Feedback and conversion --------------------------------------------------------------------


def test_feedback_with_an_existing_order_converts(cast):
    sample = make_sample(cast, Status.DISPATCHED)
    order = make_order(cast.sales1, cast.customer_of_assistant1)
    sample = services.feedback_record(sample=sample, actor=cast.assistant1, opinion="Likes the colour",
                                      likelihood="high", order=order)  # fmt: skip
    assert (sample.status, sample.order) == (Status.CONVERTED, order)


def test_feedback_refuses_another_customers_order(cast):
    sample = make_sample(cast, Status.DISPATCHED)
    other = make_order(cast.sales1, cast.customer_shared)
    with pytest.raises(ValidationError):
        services.feedback_record(sample=sample, actor=cast.assistant1, opinion="x", likelihood="low", order=other)


def test_convert_creates_an_order_from_the_sample_lines(cast):
    sample = make_sample(cast, Status.FEEDBACK)
    line = sample.lines.get()
    order = services.sample_convert(
        sample=sample, actor=cast.assistant1, customer_po="PO-S1", currency="CNY",
        lines=[{"product": line.product, "quantity": D("500"), "unit_price": D("9.50")}],
    )  # fmt: skip
    sample.refresh_from_db()
    assert (sample.status, sample.order) == (Status.CONVERTED, order)
    assert (order.salesperson, order.customer, order.maker, order.total) == (
        cast.sales1, cast.customer_of_assistant1, cast.assistant1, D("4750.00"),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.sample_convert(sample=sample, actor=cast.assistant1, customer_po="PO-S2", currency="CNY",
                                lines=[{"product": line.product, "quantity": 1, "unit_price": 1}])  # fmt: skip


def test_convert_with_a_duplicate_po_changes_nothing(cast):
    make_order(cast.sales1, cast.customer_of_assistant1, customer_po="PO-DUP")
    sample = make_sample(cast, Status.DISPATCHED)
    line = sample.lines.get()
    with pytest.raises(ValidationError):
        services.sample_convert(sample=sample, actor=cast.assistant1, customer_po="PO-DUP", currency="CNY",
                                lines=[{"product": line.product, "quantity": 1, "unit_price": 1}])  # fmt: skip
    sample.refresh_from_db()
    assert sample.status == Status.DISPATCHED and sample.order is None


# Conversion rate arithmetic -----------------------------------------------------------------


def test_conversion_rates_per_salesperson_customer_and_product(cast):
    p1, p2 = make_product(), make_product()
    samples = []
    for _i in range(4):
        s = make_sample(cast, Status.DISPATCHED, product=p1)
        samples.append(s)
    # 1 of the 4 p1 samples for customer_of_assistant1 converts.
    order = make_order(cast.sales1, cast.customer_of_assistant1)
    services.sample_link_order(sample=samples[0], actor=cast.sales1, order=order)
    # customer_shared: 2 samples with p2, both converted.
    for _ in range(2):
        s = make_sample(cast, Status.DISPATCHED, customer=cast.customer_shared, product=p2)
        services.sample_link_order(sample=s, actor=cast.sales1, order=make_order(cast.sales1, cast.customer_shared))
    make_sample(cast, Status.APPROVED, product=p1)  # not sent: not counted
    qs = SampleRequest.objects.visible_to(cast.gm)
    by_customer = {r["customer__code"]: (r["sent"], r["converted"], round(r["rate"], 2))
                   for r in services.conversion_rates(qs, "customer")}  # fmt: skip
    assert by_customer == {"T-A1": (4, 1, 25.0), "T-SH": (2, 2, 100.0)}
    by_product = {r["product_id"]: (r["sent"], r["converted"]) for r in services.conversion_rates(qs, "product")}
    assert by_product == {p1.pk: (4, 1), p2.pk: (2, 2)}
    by_person = list(services.conversion_rates(qs, "salesperson"))
    assert [(r["sent"], r["converted"], round(r["rate"], 2)) for r in by_person] == [(6, 3, 50.0)]
    assert services.conversion_totals(qs) == {"sent": 6, "converted": 3, "rate": 50.0}
    # An assistant's rate counts only what they see.
    mine = services.conversion_totals(SampleRequest.objects.visible_to(cast.assistant2))
    assert mine == {"sent": 2, "converted": 2, "rate": 100.0}
