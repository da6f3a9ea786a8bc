"""What the assistant records while chasing: promises to pay and per-customer pauses (disputes)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from customers.models import Company
from receivables.models import DunningPause, Invoice, PromiseToPay

from .invoices import _event, can_invoice


@transaction.atomic
def promise_record(
    *, invoice: Invoice, actor: User, promised_on: date, amount: Decimal, note: str = ""
) -> PromiseToPay:
    if not can_invoice(actor) or not Invoice.objects.visible_to(actor).filter(pk=invoice.pk).exists():
        raise ValidationError(_("You cannot record a promise on this invoice."), code="scope")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.ISSUED:
        raise ValidationError(_("Only an issued invoice can be chased."), code="status")
    if promised_on < timezone.localdate():
        raise ValidationError({"promised_on": _("A promised date cannot be in the past.")}, code="date")
    if Decimal(amount) <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")}, code="amount")
    promise = PromiseToPay.objects.create(
        invoice=invoice, promised_on=promised_on, amount=amount, note=(note or "").strip()[:300], recorded_by=actor
    )
    comment = f"{promised_on.isoformat()} {Decimal(amount):,.2f} {invoice.currency} {promise.note}"
    _event(invoice=invoice, action="promise", actor=actor, comment=comment.strip())
    return promise


def _refuse_unless_customer_visible(actor: User, customer: Company) -> None:
    if not can_invoice(actor) or not Company.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise ValidationError(_("You cannot pause chasing of this customer."), code="scope")


def pause_customer(*, customer: Company, actor: User, reason: str) -> DunningPause:
    _refuse_unless_customer_visible(actor, customer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why chasing is paused (e.g. the dispute).")}, code="required")
    try:
        with transaction.atomic():
            return DunningPause.objects.create(customer=customer, reason=reason[:300], paused_by=actor)
    except IntegrityError:  # the partial unique index: one open pause per customer
        raise ValidationError(_("Chasing of this customer is already paused."), code="paused") from None


@transaction.atomic
def resume_customer(*, customer: Company, actor: User) -> int:
    _refuse_unless_customer_visible(actor, customer)
    return DunningPause.objects.filter(customer=customer, resumed_at__isnull=True).update(
        resumed_at=timezone.now(), resumed_by=actor
    )
