"""Shipments (发货) with double review (双人复核).

One person prepares a shipment (``shipment_prepare``), another person who also sees the order
checks it (``shipment_check``); only then do its quantities count as shipped and the order move
to partly shipped / shipped. The preparer may withdraw it before the check (``shipment_cancel``).

Each service checks again what the views already limit (scope, role, status, quantities), so a
forged POST is refused the same way and changes nothing. The database backs the one rule that
matters most: ``checker_is_not_preparer``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.sequences import next_number
from orders.models import Order, OrderLine, Shipment, ShipmentLine

ZERO = Decimal("0")
SHIPPABLE_STATUSES = (Order.Status.IN_PRODUCTION, Order.Status.READY, Order.Status.PARTLY_SHIPPED)
# Finance staff read receivables, not orders: they neither prepare nor check shipments.
SHIPPING_ROLES = (User.Role.ASSISTANT, User.Role.SALESPERSON, User.Role.MANAGER)


def quantity_field(line_id: int) -> str:
    """The form field (and ValidationError key) of an order line's quantity to ship."""
    return f"qty_{line_id}"


def can_ship(user) -> bool:
    """May this user prepare or check shipments at all (scope aside)?"""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in SHIPPING_ROLES))


def can_prepare(user, order: Order) -> bool:
    return can_ship(user) and order.status in SHIPPABLE_STATUSES


def can_check(user, shipment: Shipment) -> bool:
    return can_ship(user) and shipment.status == Shipment.Status.PREPARED and shipment.prepared_by_id != user.pk


def can_cancel(user, shipment: Shipment) -> bool:
    return shipment.status == Shipment.Status.PREPARED and shipment.prepared_by_id == user.pk


def pending_quantities(order: Order, *, exclude: Shipment | None = None) -> dict[int, Decimal]:
    """Per order line: quantities in prepared shipments still awaiting their check."""
    rows = ShipmentLine.objects.filter(shipment__order=order, shipment__status=Shipment.Status.PREPARED)
    if exclude is not None:
        rows = rows.exclude(shipment=exclude)
    totals = rows.values("order_line_id").annotate(total=Sum("quantity"))
    return {row["order_line_id"]: row["total"] for row in totals}


def open_quantities(lines, pending: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """What may still go into a new shipment: ordered − shipped − awaiting check (never below 0)."""
    return {line.pk: max(line.quantity - line.shipped_quantity - pending.get(line.pk, ZERO), ZERO) for line in lines}


def not_shippable_message(order: Order) -> str:
    return _(
        "A shipment can only be prepared for an order in production, ready or partly shipped (this one is %(status)s)."
    ) % {"status": order.get_status_display().lower()}


def _refuse_unless_visible(actor: User, order: Order) -> None:
    if not can_ship(actor) or not Order.objects.visible_to(actor).filter(pk=order.pk).exists():
        raise ValidationError(_("You cannot ship this order."), code="scope")


def _unit(line: OrderLine) -> str:
    return line.product.get_unit_display()


@transaction.atomic
def shipment_prepare(
    *,
    order: Order,
    actor: User,
    shipped_on: date,
    carrier: str,
    quantities: Mapping[int, Decimal],
    tracking_number: str = "",
    customs_declaration: str = "",
    lc_reference: str = "",
    note: str = "",
) -> Shipment:
    """Prepare a shipment of ``quantities`` ({order line id: quantity}) against ``order``.

    Nothing counts as shipped yet: a colleague must check it. Errors are keyed by the
    quantity field of the line (``qty_<line id>``) or are non-field errors.
    """
    _refuse_unless_visible(actor, order)
    # The order row lock serialises prepares and checks of one order, so two people cannot
    # both prepare the last open quantity.
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in SHIPPABLE_STATUSES:
        raise ValidationError(not_shippable_message(order), code="status")
    if not (carrier or "").strip():
        raise ValidationError({"carrier": _("Say which carrier takes the goods.")}, code="required")
    lines = list(OrderLine.objects.filter(order=order).select_related("product"))
    open_qty = open_quantities(lines, pending_quantities(order))
    known = {line.pk: line for line in lines}
    errors: dict[str, list[str]] = defaultdict(list)
    wanted: list[tuple[OrderLine, Decimal]] = []
    for line_id, raw in quantities.items():
        line = known.get(int(line_id))
        if line is None:
            raise ValidationError(_("A line does not belong to this order."), code="line")
        quantity = Decimal(raw or 0)
        if quantity < 0:
            errors[quantity_field(line.pk)].append(_("Enter a quantity of zero or more."))
        elif quantity > open_qty[line.pk]:
            errors[quantity_field(line.pk)].append(
                _("Only %(open)s %(unit)s of this line are still open to ship.")
                % {"open": _plain(open_qty[line.pk]), "unit": _unit(line)}
            )
        elif quantity > 0:
            wanted.append((line, quantity))
    if errors:
        raise ValidationError(dict(errors), code="quantity")
    if not wanted:
        raise ValidationError(_("Enter a quantity to ship on at least one line."), code="empty")

    shipment = Shipment(
        order=order,
        number=next_number("SH"),
        shipped_on=shipped_on,
        carrier=carrier.strip(),
        tracking_number=tracking_number.strip(),
        customs_declaration=customs_declaration.strip(),
        lc_reference=lc_reference.strip(),
        note=note.strip(),
        prepared_by=actor,
    )
    shipment._history_user = actor
    shipment.save()
    ShipmentLine.objects.bulk_create(
        [ShipmentLine(shipment=shipment, order_line=line, quantity=quantity) for line, quantity in wanted]
    )
    return shipment


@transaction.atomic
def shipment_check(*, shipment: Shipment, actor: User, comment: str = "") -> Shipment:
    """The second person confirms the shipment: its quantities become shipped, the order moves on."""
    from orders.services.orders import order_apply_shipment

    _refuse_unless_visible(actor, shipment.order)
    order = Order.objects.select_for_update().get(pk=shipment.order_id)
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if shipment.status != Shipment.Status.PREPARED:
        raise ValidationError(
            _("Shipment %(number)s has already been checked.") % {"number": shipment.number}, code="status"
        )
    if shipment.prepared_by_id == actor.pk:
        raise ValidationError(
            _("You prepared shipment %(number)s yourself: a colleague must check it (double review).")
            % {"number": shipment.number},
            code="same_person",
        )
    if order.status not in SHIPPABLE_STATUSES:
        raise ValidationError(
            _("Order %(order)s is %(status)s: its shipments can no longer be checked.")
            % {"order": order.number, "status": order.get_status_display().lower()},
            code="order_status",
        )
    shipment_lines = list(shipment.lines.all())
    # Lock the order lines: another check of the same order may have shipped meanwhile.
    order_lines = {
        line.pk: line
        for line in OrderLine.objects.select_for_update()
        .filter(pk__in=[s.order_line_id for s in shipment_lines])
        .select_related("product")
    }
    problems = []
    for item in shipment_lines:
        line = order_lines[item.order_line_id]
        if line.shipped_quantity + item.quantity > line.quantity:
            problems.append(
                _("%(product)s: %(quantity)s %(unit)s in this shipment but only %(open)s still open.")
                % {
                    "product": line.product.name,
                    "quantity": _plain(item.quantity),
                    "unit": _unit(line),
                    "open": _plain(line.quantity - line.shipped_quantity),
                }
            )
    if problems:
        raise ValidationError(
            [_("Shipment %(number)s would ship more than was ordered:") % {"number": shipment.number}, *problems],
            code="quantity",
        )
    for item in shipment_lines:
        OrderLine.objects.filter(pk=item.order_line_id).update(shipped_quantity=F("shipped_quantity") + item.quantity)

    shipment.status = Shipment.Status.CHECKED
    shipment.checked_by = actor
    shipment.checked_at = timezone.now()
    shipment._history_user = actor
    comment = (comment or "").strip()
    if comment:
        shipment._change_reason = comment[:100]
    shipment.save(update_fields=["status", "checked_by", "checked_at"])
    order_comment = f"{shipment.number} checked" + (f": {comment}" if comment else "")
    order_apply_shipment(order=order, actor=actor, comment=order_comment[:500])
    return shipment


@transaction.atomic
def shipment_cancel(*, shipment: Shipment, actor: User) -> str:
    """The preparer withdraws a shipment before its check. Returns the number it had."""
    _refuse_unless_visible(actor, shipment.order)
    Order.objects.select_for_update().filter(pk=shipment.order_id).first()
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if shipment.status != Shipment.Status.PREPARED:
        raise ValidationError(
            _("Shipment %(number)s has been checked: it can no longer be cancelled.") % {"number": shipment.number},
            code="status",
        )
    if shipment.prepared_by_id != actor.pk:
        raise ValidationError(
            _("Only %(preparer)s, who prepared shipment %(number)s, can cancel it.")
            % {"preparer": shipment.prepared_by, "number": shipment.number},
            code="not_preparer",
        )
    number = shipment.number
    shipment._history_user = actor
    shipment.delete()
    return number


def _plain(value: Decimal) -> str:
    """3 → "3", 2.500 → "2.5": quantities as people write them."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
