"""Invoices (开票) with double review (双人复核), as shipments in orders/services/shipments.py.

One person prepares an invoice against an order (optionally one of its shipments); its lines take
product and unit price from the order lines and may not exceed the quantity not yet invoiced
(开票前核对). A colleague checks it; only then does it count (aging, dunning, billing). The order
row lock serialises invoices of one order, so two people cannot both invoice the last quantity.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.sequences import next_number
from orders.models import Order, OrderLine, Shipment
from receivables.models import Allocation, Instalment, Invoice, InvoiceEvent, InvoiceLine

ZERO = Decimal("0")
CENT = Decimal("0.01")
INVOICING_ROLES = (User.Role.ASSISTANT, User.Role.SALESPERSON, User.Role.MANAGER)
# Orders that can be invoiced: anything accepted and not cancelled.
INVOICEABLE_STATUSES = tuple(s for s in Order.Status.values if s not in ("received", "cancelled"))


def can_invoice(user) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in INVOICING_ROLES))


def can_review(user, invoice: Invoice) -> bool:
    """Checker: anyone operational or finance, but never the person who prepared it."""
    return bool(
        invoice.status == Invoice.Status.DRAFT
        and invoice.maker_id != user.pk
        and (can_invoice(user) or user.is_finance)
    )


def quantity_field(line_id: int) -> str:
    return f"qty_{line_id}"


def invoiced_quantities(order: Order, *, exclude: Invoice | None = None) -> dict[int, Decimal]:
    """Per order line: quantity on invoices that are not cancelled (awaiting review included)."""
    rows = InvoiceLine.objects.filter(invoice__order=order).exclude(invoice__status=Invoice.Status.CANCELLED)
    if exclude is not None:
        rows = rows.exclude(invoice=exclude)
    return {r["order_line_id"]: r["total"] for r in rows.values("order_line_id").annotate(total=Sum("quantity"))}


def open_to_invoice(order: Order) -> dict[int, Decimal]:
    done = invoiced_quantities(order)
    return {line.pk: max(line.quantity - done.get(line.pk, ZERO), ZERO) for line in order.lines.all()}


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _event(*, invoice=None, payment=None, action: str, actor, comment: str = "") -> None:
    InvoiceEvent.objects.create(invoice=invoice, payment=payment, action=action, actor=actor, comment=comment[:500])


def _refuse_unless_visible(actor: User, order: Order) -> None:
    if not can_invoice(actor) or not Order.objects.visible_to(actor).filter(pk=order.pk).exists():
        raise ValidationError(_("You cannot invoice this order."), code="scope")


def _first_checked_shipment(order: Order, shipment: Shipment | None) -> Shipment | None:
    if shipment is not None:
        return shipment if shipment.status == Shipment.Status.CHECKED else None
    return order.shipments.filter(status=Shipment.Status.CHECKED).order_by("shipped_on", "pk").first()


def build_instalments(
    invoice: Invoice,
    *,
    terms: str,
    net_days: int,
    deposit_percent: Decimal,
    balance_days: int,
    shipment: Shipment | None,
) -> list[Instalment]:
    total = invoice.total
    if terms == Invoice.Terms.NET:
        due = invoice.invoice_date + timedelta(days=net_days)
        return [Instalment(invoice=invoice, sequence=1, label=_("Net %(days)d days") % {"days": net_days}, amount=total,
                           trigger=Instalment.Trigger.INVOICE, days=net_days, due_on=due)]  # fmt: skip
    if terms == Invoice.Terms.END_OF_MONTH:
        due = end_of_month(invoice.invoice_date) + timedelta(days=net_days)
        return [Instalment(invoice=invoice, sequence=1, label=_("Month end + %(days)d days") % {"days": net_days},
                           amount=total, trigger=Instalment.Trigger.MONTH_END, days=net_days, due_on=due)]  # fmt: skip
    if not (ZERO < deposit_percent < 100):
        raise ValidationError({"deposit_percent": _("A deposit is more than 0% and less than 100%.")}, code="deposit")
    deposit = (total * deposit_percent / 100).quantize(CENT)
    shipped = _first_checked_shipment(invoice.order, shipment)
    return [
        Instalment(invoice=invoice, sequence=1, label=_("Deposit %(percent)s%%") % {"percent": _plain(deposit_percent)},
                   amount=deposit, trigger=Instalment.Trigger.INVOICE, days=net_days,
                   due_on=invoice.invoice_date + timedelta(days=net_days)),
        Instalment(invoice=invoice, sequence=2,
                   label=_("Balance %(days)d days after shipment") % {"days": balance_days},
                   amount=total - deposit, trigger=Instalment.Trigger.SHIPMENT, days=balance_days,
                   due_on=shipped.shipped_on + timedelta(days=balance_days) if shipped else None),
    ]  # fmt: skip


@transaction.atomic
def invoice_create(
    *,
    order: Order,
    actor: User,
    invoice_date: date,
    quantities: Mapping[int, Decimal],
    terms: str = Invoice.Terms.NET,
    net_days: int = 30,
    deposit_percent: Decimal = ZERO,
    balance_days: int = 0,
    shipment: Shipment | None = None,
    note: str = "",
) -> Invoice:
    """Prepare an invoice of ``quantities`` ({order line id: quantity}); it counts once checked."""
    _refuse_unless_visible(actor, order)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in INVOICEABLE_STATUSES:
        raise ValidationError(
            _("Only a confirmed order can be invoiced (this one is %(status)s).")
            % {"status": order.get_status_display().lower()},
            code="status",
        )
    if shipment is not None and shipment.order_id != order.pk:
        raise ValidationError({"shipment": _("This shipment belongs to another order.")}, code="shipment")
    lines = {line.pk: line for line in OrderLine.objects.filter(order=order).select_related("product")}
    done = invoiced_quantities(order)
    errors: dict[str, list[str]] = defaultdict(list)
    wanted: list[tuple[OrderLine, Decimal]] = []
    for line_id, raw in quantities.items():
        line = lines.get(int(line_id))
        if line is None:
            raise ValidationError(_("A line does not belong to this order."), code="line")
        quantity = Decimal(raw or 0)
        open_qty = max(line.quantity - done.get(line.pk, ZERO), ZERO)
        if quantity < 0:
            errors[quantity_field(line.pk)].append(_("Enter a quantity of zero or more."))
        elif quantity > open_qty:
            errors[quantity_field(line.pk)].append(
                _("Only %(open)s of this line are still open to invoice.") % {"open": _plain(open_qty)}
            )
        elif quantity > 0:
            wanted.append((line, quantity))
    if errors:
        raise ValidationError(dict(errors), code="quantity")
    if not wanted:
        raise ValidationError(_("Enter a quantity to invoice on at least one line."), code="empty")

    invoice = Invoice(
        number=next_number("INV"),
        order=order,
        shipment=shipment,
        salesperson_id=order.salesperson_id,
        customer_id=order.customer_id,
        currency=order.currency,
        invoice_date=invoice_date,
        terms=terms,
        net_days=net_days,
        deposit_percent=deposit_percent or ZERO,
        balance_days=balance_days,
        maker=actor,
        note=(note or "").strip()[:500],
    )
    items = [
        InvoiceLine(
            order_line=line, quantity=q, unit_price=line.unit_price, amount=(q * line.unit_price).quantize(CENT)
        )
        for line, q in wanted
    ]
    invoice.total = sum((i.amount for i in items), ZERO)
    instalments = build_instalments(
        invoice, terms=terms, net_days=net_days, deposit_percent=Decimal(deposit_percent or 0),
        balance_days=balance_days, shipment=shipment,
    )  # fmt: skip
    invoice.save()
    for item in items:
        item.invoice = invoice
    InvoiceLine.objects.bulk_create(items)
    for instalment in instalments:
        instalment.invoice = invoice
        instalment.stored_open = instalment.amount  # nothing allocated yet
    Instalment.objects.bulk_create(instalments)
    _event(invoice=invoice, action="prepared", actor=actor, comment=invoice.note)
    return invoice


@transaction.atomic
def invoice_check(*, invoice: Invoice, actor: User, comment: str = "") -> Invoice:
    """The second person checks the invoice against the order: it is issued and starts to count."""
    if (
        not (can_invoice(actor) or actor.is_finance)
        or not Invoice.objects.visible_to(actor).filter(pk=invoice.pk).exists()
    ):
        raise ValidationError(_("You cannot review this invoice."), code="scope")
    Order.objects.select_for_update().filter(pk=invoice.order_id).first()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != Invoice.Status.DRAFT:
        raise ValidationError(
            _("Invoice %(number)s has already been reviewed.") % {"number": invoice.number}, code="status"
        )
    if invoice.maker_id == actor.pk:
        raise ValidationError(
            _("You prepared invoice %(number)s yourself: a colleague must check it (double review).")
            % {"number": invoice.number},
            code="same_person",
        )
    others = invoiced_quantities(invoice.order, exclude=invoice)
    for line in invoice.lines.select_related("order_line"):
        if others.get(line.order_line_id, ZERO) + line.quantity > line.order_line.quantity:
            raise ValidationError(_("This invoice would exceed the quantity ordered."), code="quantity")
    invoice.status = Invoice.Status.ISSUED
    invoice.checker = actor
    invoice.checked_at = timezone.now()
    invoice.save(update_fields=["status", "checker", "checked_at"])
    _event(invoice=invoice, action="checked", actor=actor, comment=comment)
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, actor: User, reason: str) -> Invoice:
    """Withdraw an invoice: awaiting review, or issued with nothing paid on it (with a reason)."""
    if not can_invoice(actor) or not Invoice.objects.visible_to(actor).filter(pk=invoice.pk).exists():
        raise ValidationError(_("You cannot cancel this invoice."), code="scope")
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the invoice is cancelled.")}, code="required")
    if invoice.status == Invoice.Status.CANCELLED:
        raise ValidationError(_("Invoice %(number)s is already cancelled.") % {"number": invoice.number}, code="status")
    if Allocation.objects.counting().filter(instalment__invoice=invoice).exists():
        raise ValidationError(
            _("Payments are allocated to invoice %(number)s: reverse them first.") % {"number": invoice.number},
            code="paid",
        )
    invoice.status = Invoice.Status.CANCELLED
    invoice.save(update_fields=["status"])
    _event(invoice=invoice, action="cancelled", actor=actor, comment=reason)
    return invoice


def shipment_recorded(shipment: Shipment) -> int:
    """Hook from orders.services.shipments.shipment_check: instalments counted from the shipment
    (bill of lading) of this order get their due date now. Returns how many were dated."""
    dated = 0
    pending = Instalment.objects.select_for_update().filter(
        trigger=Instalment.Trigger.SHIPMENT, due_on__isnull=True, invoice__order_id=shipment.order_id
    )
    for instalment in pending.select_related("invoice"):
        if instalment.invoice.status == Invoice.Status.CANCELLED:
            continue
        if instalment.invoice.shipment_id not in (None, shipment.pk):
            continue  # tied to another shipment of the order
        instalment.due_on = shipment.shipped_on + timedelta(days=instalment.days)
        instalment.save(update_fields=["due_on"])
        _event(
            invoice=instalment.invoice,
            action="due_date_set",
            actor=shipment.checked_by,
            comment=f"{instalment.label}: {instalment.due_on.isoformat()} ({shipment.number})",
        )
        dated += 1
    return dated


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
