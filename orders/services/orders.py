"""Sales orders: intake, checks against the quotation or list price, status flow, shipments.

Every change of ``Order.status`` goes through ``order_transition`` (by hand) or
``order_apply_shipment`` (after a shipment is checked); both lock the order row, check the
move against ``Order.TRANSITIONS`` and write an ``OrderEvent`` (who, when, from → to, why).
The functions check again what the forms already limit (who may file for which
salesperson and customer), so a forged POST is refused and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.months import add_months
from core.sequences import next_number
from customers.models import Company
from orders.models import Order, OrderEvent, OrderLine, Product, Quotation, Shipment

Status = Order.Status

HEADER_FIELDS = (
    "customer_po", "received_on", "requested_delivery", "confirmed_delivery",
    "incoterm", "payment_terms", "notes", "factory",
)  # fmt: skip
HEADER_EDITABLE = (Status.RECEIVED, Status.CONFIRMED)
SHIPPABLE = (Status.CONFIRMED, Status.IN_PRODUCTION, Status.READY, Status.PARTLY_SHIPPED, Status.SHIPPED)
COMPLETED = (Status.SHIPPED, Status.CLOSED)


# Who may file for whom -------------------------------------------------------------------


def salespersons_for(user: User) -> QuerySet[User]:
    """The salespersons ``user`` may file an order for (step one of the order form)."""
    salespersons = User.objects.filter(role=User.Role.SALESPERSON, is_active=True)
    if not (user and user.is_authenticated and user.is_active):
        return salespersons.none()
    if user.is_superuser:
        return salespersons
    if user.role == User.Role.SALESPERSON:
        return salespersons.filter(pk=user.pk)
    if user.role == User.Role.MANAGER:
        return salespersons.filter(pk__in=User.objects.in_jurisdiction_of(user).values("pk"))
    if user.role == User.Role.ASSISTANT:
        return salespersons.filter(pk__in=user.serves.values("pk"))
    return salespersons.none()


def customers_for(user: User, salesperson: User) -> QuerySet[Company]:
    """That salesperson's customers ``user`` may see (for an assistant: those assigned to them)."""
    return Company.objects.visible_to(user).filter(owner=salesperson, kind=Company.Kind.CUSTOMER)


def factories_for(user: User, salesperson: User) -> QuerySet[Company]:
    return Company.objects.visible_to(user).filter(owner=salesperson, kind=Company.Kind.FACTORY)


def _check_salesperson(actor: User, salesperson: User) -> None:
    if salesperson is None or not salespersons_for(actor).filter(pk=salesperson.pk).exists():
        raise ValidationError(
            {"salesperson": _("You cannot file orders for %(person)s.") % {"person": salesperson}}, code="salesperson"
        )


def _check_customer(actor: User, salesperson: User, customer: Company) -> None:
    if customer is None or not customers_for(actor, salesperson).filter(pk=customer.pk).exists():
        raise ValidationError(
            {"customer": _("Choose one of %(person)s's customers that you work on.") % {"person": salesperson}},
            code="customer",
        )


def _check_factory(actor: User, salesperson: User, factory: Company | None) -> None:
    if factory is not None and not factories_for(actor, salesperson).filter(pk=factory.pk).exists():
        raise ValidationError(
            {"factory": _("Choose one of %(person)s's factories that you work on.") % {"person": salesperson}},
            code="factory",
        )


def _check_po(customer: Company, customer_po: str, exclude_pk: int | None = None) -> str:
    customer_po = (customer_po or "").strip()
    if not customer_po:
        raise ValidationError({"customer_po": _("Enter the customer's PO number.")}, code="required")
    clash = Order.objects.filter(customer=customer, customer_po=customer_po)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    number = clash.values_list("number", flat=True).first()
    if number:
        raise ValidationError({"customer_po": _duplicate_po_message(customer, customer_po, number)}, code="duplicate")
    return customer_po


def _check_incoterm(value: str | None) -> str:
    """ "FOB Shanghai" (as a quotation may say) → "FOB"; an unknown term is refused."""
    value = (value or "").strip().upper()[:3]
    if value and value not in Order.Incoterm.values:
        raise ValidationError(
            {"incoterm": _("Choose one of the incoterms: %(terms)s.") % {"terms": ", ".join(Order.Incoterm.values)}},
            code="incoterm",
        )
    return value


def _duplicate_po_message(customer: Company, customer_po: str, number: str | None) -> str:
    return _("%(customer)s already sent PO %(po)s: it is order %(number)s.") % {
        "customer": customer.display_name,
        "po": customer_po,
        "number": number or "?",
    }


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).normalize() if value not in (None, "") else Decimal("NaN")
    except InvalidOperation:
        return Decimal("NaN")


def _clean_lines(lines: Iterable[dict]) -> list[dict]:
    """Validate line dicts {product, quantity, unit_price, description?, id?}; errors name the line."""
    cleaned, errors = [], []
    for index, line in enumerate(lines, start=1):
        product = line.get("product")
        quantity = _decimal(line.get("quantity"))
        price = _decimal(line.get("unit_price"))
        if not isinstance(product, Product):
            errors.append(_("Line %(n)s: choose a product.") % {"n": index})
            continue
        if quantity.is_nan() or quantity <= 0:
            errors.append(_("Line %(n)s: the quantity must be more than 0.") % {"n": index})
        if price.is_nan() or price < 0:
            errors.append(_("Line %(n)s: the unit price cannot be negative.") % {"n": index})
        if not errors and not quantity.is_nan() and not price.is_nan():
            cleaned.append(
                {
                    "id": line.get("id"),
                    "product": product,
                    "quantity": quantity.quantize(Decimal("0.001")),
                    "unit_price": price.quantize(Decimal("0.01")),
                    "description": (line.get("description") or "").strip()[:300],
                }
            )
    if errors:
        raise ValidationError({"lines": errors}, code="lines")
    if not cleaned:
        raise ValidationError({"lines": _("An order needs at least one line.")}, code="lines")
    return cleaned


def _locked(order: Order, actor: User) -> Order:
    """The order row, locked, as the actor may see it (outside scope: refused)."""
    try:
        return Order.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=order.pk)
    except Order.DoesNotExist:
        raise ValidationError(_("This order is not one of yours."), code="scope") from None


def _event(order: Order, from_status: str, to_status: str, actor: User, comment: str = "") -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, from_status=from_status, to_status=to_status, actor=actor, comment=(comment or "")[:500]
    )


def _recompute_total(order: Order) -> None:
    order.total = order.lines.aggregate(t=Sum("amount"))["t"] or Decimal("0.00")


# Writes -------------------------------------------------------------------------------


@transaction.atomic
def order_create(
    *,
    actor: User,
    salesperson: User,
    customer: Company,
    customer_po: str,
    currency: str,
    lines: list[dict],
    quotation: Quotation | None = None,
    received_on: date | None = None,
    requested_delivery: date | None = None,
    confirmed_delivery: date | None = None,
    incoterm: str = "",
    payment_terms: str = "",
    factory: Company | None = None,
    notes: str = "",
) -> Order:
    """File a customer's order: numbered SO-YYYY-NNNNN, status received, intake checks run."""
    _check_salesperson(actor, salesperson)
    _check_customer(actor, salesperson, customer)
    _check_factory(actor, salesperson, factory)
    if quotation is not None and not (
        Quotation.objects.visible_to(actor).filter(pk=quotation.pk, customer=customer, salesperson=salesperson).exists()
    ):
        raise ValidationError({"quotation": _("Choose a quotation of this customer.")}, code="quotation")
    customer_po = _check_po(customer, customer_po)
    incoterm = _check_incoterm(incoterm)
    cleaned = _clean_lines(lines)
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("An order cannot be received in the future.")}, code="future")
    if requested_delivery and requested_delivery < received_on:
        raise ValidationError(
            {"requested_delivery": _("The requested delivery cannot be before the order was received.")}
        )
    if confirmed_delivery and confirmed_delivery < received_on:
        raise ValidationError(
            {"confirmed_delivery": _("The confirmed delivery cannot be before the order was received.")}
        )

    order = Order(
        number=next_number("SO"),
        customer_po=customer_po,
        salesperson=salesperson,
        customer=customer,
        factory=factory,
        maker=actor,
        quotation=quotation,
        currency=currency,
        received_on=received_on,
        requested_delivery=requested_delivery,
        confirmed_delivery=confirmed_delivery,
        incoterm=incoterm or "",
        payment_terms=(payment_terms or "").strip(),
        notes=(notes or "").strip(),
        status=Status.RECEIVED,
    )
    order._history_user = actor
    try:
        # A savepoint: a concurrent duplicate PO is a form error, not a broken transaction.
        with transaction.atomic():
            order.save()
    except IntegrityError as exc:
        raise ValidationError({"customer_po": _duplicate_po_message(customer, customer_po, None)}) from exc
    objs = []
    for line in cleaned:
        obj = OrderLine(
            order=order,
            product=line["product"],
            description=line["description"],
            quantity=line["quantity"],
            unit_price=line["unit_price"],
        )
        obj.compute_amount()
        objs.append(obj)
    OrderLine.objects.bulk_create(objs)
    order.total = sum((o.amount for o in objs), Decimal("0.00"))
    order.save(update_fields=["total"])
    _event(order, "", Status.RECEIVED, actor)
    order_intake_check(order)
    return order


def qty(value: Decimal | None) -> str:
    """A quantity without trailing zeros and without an exponent: 60.000 → "60", 2.500 → "2.5"."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def _flag(line: OrderLine | None, kind: str, message: str, expected: Any = None, actual: Any = None) -> dict:
    return {
        "line": line.pk if line is not None else None,
        "kind": kind,
        "message": str(message),
        "expected": None if expected is None else str(expected),
        "actual": None if actual is None else str(actual),
    }


def _flag_key(flag: dict) -> tuple:
    return (flag.get("line"), flag.get("kind"), flag.get("expected"), flag.get("actual"))


def intake_flags_for(order: Order, lines: list[OrderLine], quotation_lines: list, others: list[str]) -> list[dict]:
    """The intake differences of ``order`` (no queries): sets each line's reference price and
    quantity and returns the flags. ``lines`` have their product loaded; ``others`` are the
    numbers of other orders with the same PO number. Shared by the service and the demo seed.
    """
    quoted: dict[int, Any] = {}
    quotation = order.quotation
    for ql in quotation_lines:
        quoted.setdefault(ql.product_id, ql)
    flags: list[dict] = []
    if quotation is not None and quotation.currency != order.currency:
        flags.append(
            _flag(
                None,
                "currency",
                _("Quotation %(quotation)s is in %(quoted)s, the order in %(currency)s: prices were not compared.")
                % {"quotation": quotation, "quoted": quotation.currency, "currency": order.currency},
                quotation.currency,
                order.currency,
            )
        )
    seen: dict[int, int] = {}
    for n, line in enumerate(lines, start=1):
        product = line.product
        line.reference_price = None
        line.reference_quantity = None
        ql = quoted.get(line.product_id)
        sku = product.sku
        if product.pk in seen:
            flags.append(
                _flag(
                    line,
                    "duplicate_line",
                    _("Line %(n)s: %(sku)s is also on line %(other)s.")
                    % {"n": n, "sku": sku, "other": seen[product.pk]},
                )
            )
        seen.setdefault(product.pk, n)
        if quotation is not None and ql is not None:
            if quotation.currency != order.currency:
                continue
            line.reference_price = ql.net_price
            line.reference_quantity = ql.quantity
            if line.unit_price != ql.net_price:
                flags.append(
                    _flag(
                        line,
                        "price",
                        _(
                            "Line %(n)s (%(sku)s): unit price %(price)s differs from %(reference)s "
                            "quoted in %(quotation)s."
                        )
                        % {
                            "n": n,
                            "sku": sku,
                            "price": line.unit_price,
                            "reference": ql.net_price,
                            "quotation": quotation,
                        },
                        ql.net_price,
                        line.unit_price,
                    )
                )
            if line.quantity != ql.quantity:
                flags.append(
                    _flag(
                        line,
                        "quantity",
                        _("Line %(n)s (%(sku)s): quantity %(qty)s differs from %(reference)s quoted in %(quotation)s.")
                        % {
                            "n": n,
                            "sku": sku,
                            "qty": qty(line.quantity),
                            "reference": qty(ql.quantity),
                            "quotation": quotation,
                        },
                        ql.quantity,
                        line.quantity,
                    )
                )
            continue
        if quotation is not None:
            flags.append(
                _flag(
                    line,
                    "not_quoted",
                    _("Line %(n)s (%(sku)s) is not on quotation %(quotation)s.")
                    % {"n": n, "sku": sku, "quotation": quotation},
                )
            )
        if product.currency != order.currency:
            flags.append(
                _flag(
                    line,
                    "currency",
                    _("Line %(n)s (%(sku)s): the list price is in %(list)s, the order in %(currency)s; not compared.")
                    % {"n": n, "sku": sku, "list": product.currency, "currency": order.currency},
                    product.currency,
                    order.currency,
                )
            )
            continue
        line.reference_price = product.list_price
        if line.unit_price != product.list_price:
            flags.append(
                _flag(
                    line,
                    "price",
                    _("Line %(n)s (%(sku)s): unit price %(price)s differs from the list price %(reference)s.")
                    % {"n": n, "sku": sku, "price": line.unit_price, "reference": product.list_price},
                    product.list_price,
                    line.unit_price,
                )
            )
    if others:
        flags.append(
            _flag(
                None,
                "po_duplicate",
                _("PO number %(po)s is also on order %(numbers)s.")
                % {"po": order.customer_po, "numbers": ", ".join(others)},
                None,
                order.customer_po,
            )
        )

    return flags


def order_intake_check(order: Order) -> list[dict]:
    """Compare the order with its quotation (or the list prices) and record the differences.

    Each line gets its reference price and quantity; differences go to ``order.intake_flags``
    as {"line", "kind", "message", "expected", "actual"}. When the differences change, an
    earlier acknowledgement no longer holds and is cleared.
    """
    lines = list(order.lines.select_related("product"))
    quotation = order.quotation
    quotation_lines = list(quotation.lines.all()) if quotation is not None else []
    # The same PO number from another customer: often a buyer's typo or an order filed twice.
    others = list(
        Order.objects.filter(customer_po=order.customer_po)
        .exclude(pk=order.pk)
        .exclude(status=Status.CANCELLED)
        .values_list("number", flat=True)[:3]
    )
    flags = intake_flags_for(order, lines, quotation_lines, others)
    OrderLine.objects.bulk_update(lines, ["reference_price", "reference_quantity"])

    old = sorted(map(_flag_key, order.intake_flags or []), key=repr)
    new = sorted(map(_flag_key, flags), key=repr)
    changes: dict[str, Any] = {"intake_flags": flags, "updated_at": timezone.now()}
    if old != new:
        order.flags_acknowledged_by = None
        order.flags_acknowledged_at = None
        changes.update(flags_acknowledged_by=None, flags_acknowledged_at=None)
    order.intake_flags = flags
    # A plain UPDATE: the caller's order object may carry unsaved fields we must not write.
    Order.objects.filter(pk=order.pk).update(**changes)
    return flags


def flags_pending(order: Order) -> bool:
    """Differences found at intake that nobody has acknowledged yet."""
    return bool(order.intake_flags) and order.flags_acknowledged_at is None


@transaction.atomic
def order_acknowledge_flags(*, order: Order, actor: User) -> Order:
    """Someone looked at the differences and accepts them (the customer's order stands)."""
    order = _locked(order, actor)
    if not order.intake_flags:
        raise ValidationError(_("This order has no differences to acknowledge."), code="no_flags")
    if order.status != Status.RECEIVED:
        raise ValidationError(_("Differences are acknowledged before the order is confirmed."), code="status")
    if order.flags_acknowledged_at is not None:
        return order
    order.flags_acknowledged_by = actor
    order.flags_acknowledged_at = timezone.now()
    order._history_user = actor
    order.save(update_fields=["flags_acknowledged_by", "flags_acknowledged_at", "updated_at"])
    _event(
        order,
        order.status,
        order.status,
        actor,
        _("Acknowledged %(count)s intake difference(s).") % {"count": len(order.intake_flags)},
    )
    return order


def _label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else str(status)


@transaction.atomic
def order_transition(*, order: Order, to_status: str, actor: User, comment: str = "") -> Order:
    """Move an order along ``Order.TRANSITIONS`` by hand (shipped states come from shipments)."""
    order = _locked(order, actor)
    current = order.status
    comment = (comment or "").strip()
    if to_status not in order.allowed_transitions():
        raise ValidationError(
            _("Order %(number)s is %(current)s; it cannot be moved to %(requested)s.")
            % {"number": order.number, "current": _label(current), "requested": _label(to_status)},
            code="transition",
        )
    if to_status == Status.CONFIRMED:
        if order.confirmed_delivery is None:
            raise ValidationError(
                _("Enter the confirmed delivery date before confirming order %(number)s.") % {"number": order.number},
                code="confirmed_delivery",
            )
        if flags_pending(order):
            raise ValidationError(
                _("Order %(number)s differs from its quotation or list prices; acknowledge the differences first.")
                % {"number": order.number},
                code="flags",
            )
    if to_status == Status.CANCELLED:
        if not comment:
            raise ValidationError(_("Say why the order is cancelled."), code="comment")
        if order.lines.filter(shipped_quantity__gt=0).exists() or Shipment.objects.filter(order=order).exists():
            raise ValidationError(
                _("Order %(number)s has shipments; it can no longer be cancelled.") % {"number": order.number},
                code="shipped",
            )
    order.status = to_status
    update = ["status", "updated_at"]
    if to_status == Status.CLOSED:
        order.closed_on = timezone.localdate()
        update.append("closed_on")
    order._history_user = actor
    order.save(update_fields=update)
    _event(order, current, to_status, actor, comment)
    return order


@transaction.atomic
def order_apply_shipment(*, order: Order, actor: User, comment: str = "") -> Order:
    """Set partly shipped / shipped from the lines' shipped quantities (after a shipment is checked).

    The caller has updated ``OrderLine.shipped_quantity`` in the same transaction.
    """
    order = _locked(order, actor)
    current = order.status
    if current not in SHIPPABLE:
        raise ValidationError(
            _("Order %(number)s is %(current)s; nothing can be shipped against it.")
            % {"number": order.number, "current": _label(current)},
            code="status",
        )
    totals = order.lines.aggregate(
        lines=Count("pk"), done=Count("pk", filter=Q(shipped_quantity__gte=F("quantity"))),
        any=Count("pk", filter=Q(shipped_quantity__gt=0)),
    )  # fmt: skip
    if totals["lines"] and totals["done"] == totals["lines"]:
        new = Status.SHIPPED
    elif totals["any"]:
        new = Status.PARTLY_SHIPPED
    else:
        new = current
    if new != current:
        order.status = new
        order._history_user = actor
        order.save(update_fields=["status", "updated_at"])
    _event(order, current, new, actor, comment)
    return order


@transaction.atomic
def order_update(*, order: Order, actor: User, **fields: Any) -> Order:
    """Edit the header (while received or confirmed) and the lines (while received).

    ``fields`` may hold any of HEADER_FIELDS and ``lines`` (dicts as for ``order_create``, with
    ``id`` for an existing line; lines left out are removed).
    """
    order = _locked(order, actor)
    lines = fields.pop("lines", None)
    unknown = set(fields) - set(HEADER_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    if order.status not in HEADER_EDITABLE:
        raise ValidationError(
            _("Order %(number)s is %(current)s; it can no longer be edited.")
            % {"number": order.number, "current": _label(order.status)},
            code="status",
        )
    if lines is not None and order.status != Status.RECEIVED:
        raise ValidationError(
            _("The lines of a confirmed order cannot be changed; cancel it or ask the customer for a new order."),
            code="status",
        )
    salesperson = order.salesperson
    if "factory" in fields and fields["factory"] != order.factory:
        _check_factory(actor, salesperson, fields["factory"])
    if "customer_po" in fields:
        fields["customer_po"] = _check_po(order.customer, fields["customer_po"], exclude_pk=order.pk)
    received_on = fields.get("received_on", order.received_on)
    if received_on is None:
        raise ValidationError({"received_on": _("Enter the date the order was received.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("An order cannot be received in the future.")}, code="future")
    for name in ("requested_delivery", "confirmed_delivery"):
        value = fields.get(name, getattr(order, name))
        if value and value < received_on:
            raise ValidationError({name: _("A delivery date cannot be before the order was received.")})
    if order.status == Status.CONFIRMED and "confirmed_delivery" in fields and not fields["confirmed_delivery"]:
        raise ValidationError({"confirmed_delivery": _("A confirmed order keeps its confirmed delivery date.")})
    for name in ("payment_terms", "notes"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if "incoterm" in fields:
        fields["incoterm"] = _check_incoterm(fields["incoterm"])

    changed = [name for name, value in fields.items() if getattr(order, name) != value]
    for name in changed:
        setattr(order, name, fields[name])
    order._history_user = actor
    try:
        with transaction.atomic():
            order.save(update_fields=[*changed, "updated_at"])
    except IntegrityError as exc:
        raise ValidationError({"customer_po": _duplicate_po_message(order.customer, order.customer_po, None)}) from exc

    if lines is not None:
        cleaned = _clean_lines(lines)
        existing = {line.pk: line for line in order.lines.all()}
        keep, create, update = set(), [], []
        for data in cleaned:
            line = existing.get(int(data["id"])) if str(data.get("id") or "").isdigit() else None
            if line is None:
                line = OrderLine(order=order)
                create.append(line)
            else:
                keep.add(line.pk)
                update.append(line)
            line.product = data["product"]
            line.description = data["description"]
            line.quantity = data["quantity"]
            line.unit_price = data["unit_price"]
            line.compute_amount()
        order.lines.exclude(pk__in=keep).delete()
        OrderLine.objects.bulk_update(update, ["product", "description", "quantity", "unit_price", "amount"])
        OrderLine.objects.bulk_create(create)
        _recompute_total(order)
        order.save(update_fields=["total", "updated_at"])
    if lines is not None or "customer_po" in changed:
        order_intake_check(order)
    return order


# Reads --------------------------------------------------------------------------------


def open_orders(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.filter(status__in=Order.OPEN_STATUSES)


def late_orders(queryset: QuerySet[Order], today: date | None = None) -> QuerySet[Order]:
    """Open orders whose confirmed delivery date has passed."""
    return open_orders(queryset).filter(confirmed_delivery__lt=today or timezone.localdate())


@dataclass
class OrderStatistics:
    month: date
    months: list[date]  # the 13 months: ``month`` and the 12 before it, oldest first
    currencies: list[str]
    by_month: list[dict[str, Any]]
    by_salesperson: list[dict[str, Any]]
    by_customer: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)


def order_statistics(user: User, month: date, top: int = 20) -> OrderStatistics:
    """Orders received, completed (shipped or closed), open, and value per currency.

    For ``month`` and the 12 months before it, by month, by salesperson and by customer (top
    ``top`` by value), all counted on orders received in the window and aggregated in the
    database from ``Order.objects.visible_to(user)``.
    """
    months = [add_months(month, offset) for offset in range(-12, 1)]
    start, end = months[0], add_months(month, 1)
    window = Order.objects.visible_to(user).filter(received_on__gte=start, received_on__lt=end)
    live = ~Q(status=Status.CANCELLED)
    in_month = Q(received_on__gte=month)
    filters = {
        "received": live,
        "completed": Q(status__in=COMPLETED),
        "open": Q(status__in=Order.OPEN_STATUSES),
        "cancelled": Q(status=Status.CANCELLED),
    }
    counts = {key: Count("pk", filter=f) for key, f in filters.items()}
    zero = Decimal("0.00")
    currencies: set[str] = set()

    # One scan of the window, grouped by month, salesperson and currency (a few thousand rows
    # at most); months, salespersons and the summary are added up from it here. The month is
    # the first seven characters of the ISO date: native on both databases, where TruncMonth
    # is a Python function called per row on SQLite.
    cells = (
        window.annotate(ym=Substr(Cast("received_on", CharField()), 1, 7))
        .values("ym", "salesperson_id", "currency")
        .annotate(**counts, value=Sum("total", filter=live))
        .order_by()
    )
    this_month = month.strftime("%Y-%m")
    per_month: dict[str, dict[str, Any]] = {}
    per_person: dict[int, dict[str, Any]] = {}
    for cell in cells:
        currency, value = cell["currency"], cell["value"] or zero
        currencies.add(currency)
        in_this_month = cell["ym"] == this_month
        bucket = per_month.setdefault(cell["ym"], {**dict.fromkeys(counts, 0), "value": {}})
        person = per_person.setdefault(
            cell["salesperson_id"],
            {**dict.fromkeys(counts, 0), **{f"m_{k}": 0 for k in counts}, "value": {}, "m_value": {}},
        )
        for key in counts:
            bucket[key] += cell[key]
            person[key] += cell[key]
            if in_this_month:
                person[f"m_{key}"] += cell[key]
        bucket["value"][currency] = bucket["value"].get(currency, zero) + value
        person["value"][currency] = person["value"].get(currency, zero) + value
        if in_this_month:
            person["m_value"][currency] = person["m_value"].get(currency, zero) + value
    by_month = [
        {"month": m, **{k: per_month.get(m.strftime("%Y-%m"), {}).get(k, 0) for k in counts},
         "value": per_month.get(m.strftime("%Y-%m"), {}).get("value", {})}
        for m in months
    ]  # fmt: skip

    people = {u.pk: u for u in User.objects.filter(pk__in=list(per_person))}
    by_salesperson = sorted(
        ({"salesperson_id": pk, **row, "salesperson": people.get(pk)} for pk, row in per_person.items()),
        key=lambda r: (-r["m_received"], -r["received"], str(r["salesperson"])),
    )

    measures = {**counts, **{f"m_{key}": Count("pk", filter=f & in_month) for key, f in filters.items()}}
    values = {"value": Sum("total", filter=live), "m_value": Sum("total", filter=live & in_month)}
    cu_rows = (
        window.values("customer_id")
        .annotate(**measures, ranked=Sum("total", filter=live))
        .order_by("-m_received", "-ranked", "customer_id")[:top]
    )
    top_rows = {row["customer_id"]: {**row, "value": {}, "m_value": {}} for row in cu_rows}
    for row in (
        window.filter(customer_id__in=list(top_rows)).values("customer_id", "currency").annotate(**values).order_by()
    ):
        currencies.add(row["currency"])
        top_rows[row["customer_id"]]["value"][row["currency"]] = row["value"] or zero
        top_rows[row["customer_id"]]["m_value"][row["currency"]] = row["m_value"] or zero
    companies = Company.objects.in_bulk(list(top_rows))
    by_customer = [{**row, "customer": companies.get(pk)} for pk, row in top_rows.items()]

    summary: dict[str, Any] = {k: sum(r[k] for r in per_person.values()) for k in counts}
    summary.update({f"m_{k}": sum(r[f"m_{k}"] for r in per_person.values()) for k in counts})
    summary["value"] = {}
    summary["m_value"] = {}
    for row in per_person.values():
        for key in ("value", "m_value"):
            for cur, amount in row[key].items():
                summary[key][cur] = summary[key].get(cur, zero) + amount
    ordered = sorted(currencies, key=lambda c: (c != "CNY", c))
    return OrderStatistics(
        month=month,
        months=months,
        currencies=ordered,
        by_month=by_month,
        by_salesperson=by_salesperson,
        by_customer=by_customer,
        summary=summary,
    )
