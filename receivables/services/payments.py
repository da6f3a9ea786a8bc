"""Payments received (回款): recorded, allocated to invoices, confirmed by finance, reversed with a reason.

Allocations never exceed what the invoice still has open nor what the payment has unallocated:
the payment row and then the invoice rows (in id order, so two allocations never deadlock) are
locked before the open amounts are read, and the database refuses a non-positive allocation.
What a payment does not allocate stays on it as the customer's credit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.sequences import next_number
from customers.models import Company
from receivables.models import Allocation, Instalment, Invoice, Payment

from .invoices import _event, can_invoice

ZERO = Decimal("0.00")


def can_record_payment(user) -> bool:
    return can_invoice(user) or bool(user.is_authenticated and user.is_finance)


def can_confirm(user) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_finance or user.is_superuser))


@transaction.atomic
def payment_record(
    *,
    actor: User,
    customer: Company,
    amount: Decimal,
    currency: str,
    received_on: date,
    method: str = Payment.Method.TT,
    bank_reference: str = "",
    note: str = "",
) -> Payment:
    if not can_record_payment(actor):
        raise ValidationError(_("You cannot record payments."), code="scope")
    if not actor.is_finance and not Company.objects.visible_to(actor).filter(pk=customer.pk).exists():
        raise ValidationError(_("You cannot record payments."), code="scope")
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")}, code="amount")
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("A payment cannot be received in the future.")}, code="date")
    payment = Payment.objects.create(
        number=next_number("RC"),
        customer=customer,
        salesperson_id=customer.owner_id,
        currency=currency,
        amount=amount,
        received_on=received_on,
        method=method,
        bank_reference=(bank_reference or "").strip()[:100],
        note=(note or "").strip()[:300],
        recorded_by=actor,
    )
    _event(payment=payment, action="recorded", actor=actor, comment=payment.bank_reference)
    return payment


def _visible_payment(actor: User, payment: Payment) -> None:
    if not Payment.objects.visible_to(actor).filter(pk=payment.pk).exists():
        raise ValidationError(_("You cannot change this payment."), code="scope")


@transaction.atomic
def payment_allocate(*, payment: Payment, actor: User, amounts: Mapping[int, Decimal]) -> list[Allocation]:
    """Allocate ``amounts`` ({invoice id: amount}) of the payment, each invoice's share going to its
    instalments in due-date order. Errors are keyed ``alloc_<invoice id>``."""
    if not can_record_payment(actor):
        raise ValidationError(_("You cannot change this payment."), code="scope")
    _visible_payment(actor, payment)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == Payment.Status.REVERSED:
        raise ValidationError(_("A reversed payment cannot be allocated."), code="status")
    wanted = {int(k): Decimal(v or 0) for k, v in amounts.items() if Decimal(v or 0) != 0}
    if not wanted:
        raise ValidationError(_("Enter an amount for at least one invoice."), code="empty")
    errors: dict[str, list[str]] = {}
    for invoice_id, value in wanted.items():
        if value < 0:
            errors[f"alloc_{invoice_id}"] = [_("Enter an amount above zero.")]
    if errors:
        raise ValidationError(errors, code="amount")
    unallocated = Payment.objects.with_allocated().get(pk=payment.pk).unallocated
    total = sum(wanted.values(), ZERO)
    if total > unallocated:
        raise ValidationError(
            _("Only %(open)s of this payment is left to allocate.") % {"open": f"{unallocated:,.2f}"},
            code="payment_exceeded",
        )
    visible = Invoice.objects.visible_to(actor)
    invoices = {inv.pk: inv for inv in Invoice.objects.select_for_update().filter(pk__in=sorted(wanted)).order_by("pk")}
    open_by_invoice = {i.pk: i.open_amount for i in visible.with_open().filter(pk__in=wanted)}
    made: list[Allocation] = []
    for invoice_id in sorted(wanted):
        invoice = invoices.get(invoice_id)
        if invoice is None or invoice_id not in open_by_invoice:
            raise ValidationError(_("An invoice is not one you can allocate to."), code="invoice")
        key = f"alloc_{invoice_id}"
        if invoice.status != Invoice.Status.ISSUED:
            errors[key] = [_("Only an issued invoice can be paid.")]
        elif invoice.customer_id != payment.customer_id:
            errors[key] = [_("This invoice is of another customer.")]
        elif invoice.currency != payment.currency:
            errors[key] = [_("This invoice is in %(currency)s.") % {"currency": invoice.currency}]
        elif wanted[invoice_id] > open_by_invoice[invoice_id]:
            errors[key] = [
                _("Only %(open)s is open on this invoice.") % {"open": f"{open_by_invoice[invoice_id]:,.2f}"}
            ]
    if errors:
        raise ValidationError(errors, code="invoice_exceeded")
    for invoice_id in sorted(wanted):
        left = wanted[invoice_id]
        instalments = (
            Instalment.objects.filter(invoice_id=invoice_id)
            .with_open()
            .filter(open_amount__gt=0)
            .order_by(F("due_on").asc(nulls_last=True), "sequence")
        )
        for instalment in instalments:
            share = min(left, instalment.open_amount)
            if share <= 0:
                break
            made.append(Allocation(payment=payment, instalment=instalment, amount=share, created_by=actor))
            left -= share
        invoice = invoices[invoice_id]
        _event(invoice=invoice, action="payment_allocated", actor=actor,
               comment=f"{payment.number}: {wanted[invoice_id]:,.2f} {payment.currency}")  # fmt: skip
    Allocation.objects.bulk_create(made)
    Instalment.objects.filter(pk__in={a.instalment_id for a in made}).refresh_open_amounts()
    _event(payment=payment, action="allocated", actor=actor,
           comment=", ".join(f"{invoices[i].number} {wanted[i]:,.2f}" for i in sorted(wanted)))  # fmt: skip
    return made


@transaction.atomic
def payment_confirm(*, payment: Payment, actor: User, comment: str = "") -> Payment:
    if not can_confirm(actor):
        raise ValidationError(_("Only finance can confirm a payment."), code="role")
    _visible_payment(actor, payment)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != Payment.Status.RECORDED:
        raise ValidationError(
            _("Payment %(number)s is not awaiting confirmation.") % {"number": payment.number}, code="status"
        )
    payment.status = Payment.Status.CONFIRMED
    payment.confirmed_by = actor
    payment.confirmed_at = timezone.now()
    payment.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    _event(payment=payment, action="confirmed", actor=actor, comment=comment)
    return payment


@transaction.atomic
def payment_reverse(*, payment: Payment, actor: User, reason: str) -> Payment:
    """A bounced or mistaken payment: its allocations stay for the history but stop counting."""
    if not can_confirm(actor):
        raise ValidationError(_("Only finance can reverse a payment."), code="role")
    _visible_payment(actor, payment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the payment is reversed.")}, code="required")
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status == Payment.Status.REVERSED:
        raise ValidationError(_("Payment %(number)s is already reversed.") % {"number": payment.number}, code="status")
    payment.status = Payment.Status.REVERSED
    payment.reversed_by = actor
    payment.reversed_at = timezone.now()
    payment.reversal_reason = reason[:300]
    payment.save(update_fields=["status", "reversed_by", "reversed_at", "reversal_reason"])
    _event(payment=payment, action="reversed", actor=actor, comment=reason)
    # Its allocations stop counting: what they paid is open again.
    Instalment.objects.filter(
        pk__in=Allocation.objects.filter(payment=payment).values("instalment_id")
    ).refresh_open_amounts()
    for invoice_id in set(Allocation.objects.filter(payment=payment).values_list("instalment__invoice_id", flat=True)):
        _event(
            invoice=Invoice(pk=invoice_id),
            action="payment_reversed",
            actor=actor,
            comment=f"{payment.number}: {reason}",
        )
    return payment
