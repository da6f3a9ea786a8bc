"""Quotations (报价): create, edit while draft, move draft → sent → accepted / lost, revise, turn into an order.

Every write re-checks what the forms already limit (who may quote for which salesperson and
customer, the status flow), so a forged POST is refused the same way and changes nothing.
Amounts are computed here, never taken from the browser: QuotationLine.compute_amount and
Quotation.recompute_total, Decimal to the cent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.sequences import next_number
from customers.models import Company
from orders.models import Order, Product, Quotation, QuotationLine

Status = Quotation.Status

# The whole flow: a draft is sent; a sent quotation is accepted or lost. Accepted and lost are
# final; a new offer after "lost" (or a changed offer after "sent") is a new version.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.SENT,),
    Status.SENT: (Status.ACCEPTED, Status.LOST),
    Status.ACCEPTED: (),
    Status.LOST: (),
}
REVISABLE = (Status.SENT, Status.LOST)
VERSION_SUFFIX = re.compile(r"-v\d+$")
LOST_REASON_MAX = 100  # simple-history's history_change_reason column


def allowed_statuses(current: str) -> tuple[str, ...]:
    return TRANSITIONS.get(current, ())


def quoting_salespersons(user: User) -> QuerySet[User]:
    """The salespersons ``user`` may make a quotation for (SPEC §1: the salesperson is chosen first)."""
    active = User.objects.salespersons()
    if not user.is_authenticated or not user.is_active:
        return active.none()
    if user.is_superuser or user.is_gm:
        return active
    if user.role == User.Role.SALESPERSON:
        return active.filter(pk=user.pk)
    if user.role == User.Role.ASSISTANT:
        return active.filter(pk__in=user.serves.values("pk"))
    if user.role == User.Role.MANAGER:
        return active.filter(pk__in=User.objects.in_jurisdiction_of(user).values("pk"))
    return active.none()


def can_quote(user: User) -> bool:
    return quoting_salespersons(user).exists()


def quoting_customers(user: User, salesperson: User) -> QuerySet[Company]:
    """Customers of ``salesperson`` that ``user`` works on (for an assistant: assigned to them)."""
    return Company.objects.visible_to(user).filter(owner=salesperson, kind=Company.Kind.CUSTOMER)


def base_number(number: str) -> str:
    """ "QT-2026-00012-v3" → "QT-2026-00012"."""
    return VERSION_SUFFIX.sub("", number)


def versions_of(quotation: Quotation, user: User) -> QuerySet[Quotation]:
    """Every version of this quotation the user may see, oldest first (one query)."""
    base = base_number(quotation.number)
    return (
        Quotation.objects.visible_to(user)
        .filter(Q(number=base) | Q(number__startswith=f"{base}-v"))
        .order_by("version", "pk")
    )


def _check_parties(actor: User, salesperson: User, customer: Company) -> None:
    if not quoting_salespersons(actor).filter(pk=salesperson.pk).exists():
        raise ValidationError(
            {"salesperson": _("You cannot make quotations for %(person)s.") % {"person": salesperson}},
            code="salesperson",
        )
    if not quoting_customers(actor, salesperson).filter(pk=customer.pk).exists():
        raise ValidationError(
            {"customer": _("Choose a customer of %(person)s that you work on.") % {"person": salesperson}},
            code="customer",
        )


def _build_lines(quotation: Quotation, lines: list[dict[str, Any]]) -> list[QuotationLine]:
    if not lines:
        raise ValidationError(_("Add at least one line."), code="no_lines")
    built = []
    for index, data in enumerate(lines, start=1):
        product: Product = data["product"]
        quantity = Decimal(data["quantity"])
        unit_price = data.get("unit_price")
        discount = Decimal(data.get("discount_percent") or 0)
        if unit_price in (None, ""):
            if product.currency != quotation.currency:
                raise ValidationError(
                    _(
                        "Line %(line)s: the list price of %(sku)s is in %(product_currency)s; "
                        "enter a unit price in %(currency)s."
                    )
                    % {
                        "line": index,
                        "sku": product.sku,
                        "product_currency": product.currency,
                        "currency": quotation.currency,
                    },
                    code="currency",
                )
            unit_price = product.list_price
        unit_price = Decimal(unit_price)
        if quantity <= 0:
            raise ValidationError(_("Line %(line)s: the quantity must be positive.") % {"line": index}, code="quantity")
        if unit_price < 0:
            raise ValidationError(
                _("Line %(line)s: the unit price cannot be negative.") % {"line": index}, code="price"
            )
        if not Decimal(0) <= discount <= Decimal(100):
            raise ValidationError(
                _("Line %(line)s: the discount must be between 0 and 100%%.") % {"line": index}, code="discount"
            )
        line = QuotationLine(
            quotation=quotation,
            product=product,
            description=(data.get("description") or "").strip(),
            quantity=quantity,
            unit_price=unit_price,
            discount_percent=discount,
        )
        line.compute_amount()
        built.append(line)
    return built


def _save_lines(quotation: Quotation, lines: list[dict[str, Any]], actor: User) -> None:
    built = _build_lines(quotation, lines)
    quotation.lines.all().delete()
    QuotationLine.objects.bulk_create(built)
    quotation.recompute_total()
    quotation._history_user = actor
    quotation.save(update_fields=["total", "updated_at"])


HEADER_FIELDS = ("currency", "valid_until", "incoterm", "payment_terms", "notes")


@transaction.atomic
def quotation_create(
    *,
    actor: User,
    salesperson: User,
    customer: Company,
    lines: list[dict[str, Any]],
    currency: str = "CNY",
    valid_until: date | None = None,
    incoterm: str = "",
    payment_terms: str = "",
    notes: str = "",
) -> Quotation:
    """A new draft quotation, number QT-YYYY-NNNNN, version 1."""
    _check_parties(actor, salesperson, customer)
    quotation = Quotation(
        number=next_number("QT"),
        salesperson=salesperson,
        customer=customer,
        maker=actor,
        currency=currency,
        valid_until=valid_until,
        incoterm=incoterm or "",
        payment_terms=(payment_terms or "").strip(),
        notes=(notes or "").strip(),
        status=Status.DRAFT,
    )
    built = _build_lines(quotation, lines)  # validate before anything is written
    quotation.total = sum((line.amount for line in built), Decimal("0.00"))
    quotation._history_user = actor
    quotation.full_clean()
    quotation.save()
    for line in built:
        line.quotation = quotation
    QuotationLine.objects.bulk_create(built)
    return quotation


def _lock(quotation: Quotation, actor: User) -> Quotation:
    try:
        return Quotation.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=quotation.pk)
    except Quotation.DoesNotExist:
        raise ValidationError(_("This quotation is not one of yours."), code="scope") from None


@transaction.atomic
def quotation_update(
    *,
    quotation: Quotation,
    actor: User,
    customer: Company,
    lines: list[dict[str, Any]],
    currency: str,
    valid_until: date | None = None,
    incoterm: str = "",
    payment_terms: str = "",
    notes: str = "",
) -> Quotation:
    """Edit a draft: header and lines (the lines are replaced). Sent quotations are revised instead."""
    quotation = _lock(quotation, actor)
    if quotation.status != Status.DRAFT:
        raise ValidationError(
            _("Only a draft can be edited; make a new version of a sent quotation instead."), code="status"
        )
    _check_parties(actor, quotation.salesperson, customer)
    quotation.customer = customer
    quotation.currency = currency
    quotation.valid_until = valid_until
    quotation.incoterm = incoterm or ""
    quotation.payment_terms = (payment_terms or "").strip()
    quotation.notes = (notes or "").strip()
    quotation.full_clean(exclude=["number"])
    quotation._history_user = actor
    quotation.save()
    _save_lines(quotation, lines, actor)
    return quotation


@transaction.atomic
def quotation_set_status(*, quotation: Quotation, actor: User, status: str, reason: str = "") -> Quotation:
    """draft → sent, sent → accepted or lost (lost needs the reason, kept in the notes and the history)."""
    quotation = _lock(quotation, actor)
    if not can_quote(actor):
        raise ValidationError(_("You cannot change quotations."), code="role")
    if status not in allowed_statuses(quotation.status):
        raise ValidationError(
            _("A quotation that is %(current)s cannot become %(target)s.")
            % {
                "current": quotation.get_status_display().lower(),
                "target": str(dict(Status.choices).get(status, status)).lower(),
            },
            code="status",
        )
    reason = (reason or "").strip()
    change_reason = ""
    if status == Status.SENT:
        if not quotation.lines.exists():
            raise ValidationError(_("Add at least one line before sending the quotation."), code="no_lines")
        quotation.sent_at = timezone.now()
    elif status == Status.LOST:
        # The reason goes to the audit history (the timeline), not to the notes printed on the PDF.
        if not reason:
            raise ValidationError({"reason": _("Say why the quotation was lost.")}, code="reason")
        if len(reason) > LOST_REASON_MAX:
            raise ValidationError(
                {"reason": _("Keep the reason under %(max)s characters.") % {"max": LOST_REASON_MAX}}, code="reason"
            )
        change_reason = reason
    quotation.status = status
    quotation._history_user = actor
    if change_reason:
        quotation._change_reason = change_reason
    quotation.save(update_fields=["status", "sent_at", "updated_at"])
    return quotation


@transaction.atomic
def quotation_revise(*, quotation: Quotation, actor: User) -> Quotation:
    """Copy a sent or lost quotation into a new draft: version + 1, previous = the old one.

    Numbers stay readable and unique: QT-2026-00012, QT-2026-00012-v2, QT-2026-00012-v3...
    Only the latest version is revised, so a chain never forks.
    """
    old = _lock(quotation, actor)
    if not can_quote(actor) or not quoting_salespersons(actor).filter(pk=old.salesperson_id).exists():
        raise ValidationError(_("You cannot make quotations for %(person)s.") % {"person": old.salesperson})
    if old.status not in REVISABLE:
        raise ValidationError(_("Only a sent or lost quotation can get a new version."), code="status")
    newer = Quotation.objects.filter(previous=old).first()
    if newer is not None:
        raise ValidationError(
            _("%(number)s was already revised as %(newer)s.") % {"number": old.number, "newer": newer.number},
            code="revised",
        )
    version = old.version + 1
    new = Quotation(
        number=f"{base_number(old.number)}-v{version}",
        version=version,
        previous=old,
        salesperson=old.salesperson,
        customer=old.customer,
        maker=actor,
        currency=old.currency,
        valid_until=old.valid_until,
        incoterm=old.incoterm,
        payment_terms=old.payment_terms,
        notes="",
        total=old.total,
        status=Status.DRAFT,
    )
    new._history_user = actor
    new._change_reason = f"v{old.version} → v{version}"
    new.save()
    QuotationLine.objects.bulk_create(
        QuotationLine(
            quotation=new,
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            amount=line.amount,
        )
        for line in old.lines.all()
    )
    return new


def order_of(quotation: Quotation) -> Order | None:
    return Order.objects.filter(quotation=quotation).order_by("pk").first()


@transaction.atomic
def quotation_to_order(*, quotation: Quotation, actor: User, customer_po: str) -> Order:
    """An accepted quotation becomes an order, once: the quotation row is locked while we check."""
    from orders.services.orders import order_create  # the orders engineer's service

    quotation = _lock(quotation, actor)
    if quotation.status != Status.ACCEPTED:
        raise ValidationError(_("Only an accepted quotation can become an order."), code="status")
    existing = order_of(quotation)
    if existing is not None:
        raise ValidationError(
            _("%(quotation)s is already order %(order)s.") % {"quotation": quotation.number, "order": existing.number},
            code="exists",
        )
    customer_po = (customer_po or "").strip()
    if not customer_po:
        raise ValidationError({"customer_po": _("Enter the customer's PO number.")}, code="customer_po")
    lines = [
        {
            "product": line.product,
            "quantity": line.quantity,
            "unit_price": line.net_price,
            "description": line.description,
        }
        for line in quotation.lines.select_related("product")
    ]
    return order_create(
        actor=actor,
        salesperson=quotation.salesperson,
        customer=quotation.customer,
        customer_po=customer_po,
        currency=quotation.currency,
        lines=lines,
        quotation=quotation,
        incoterm=quotation.incoterm,
        payment_terms=quotation.payment_terms,
    )


# --- reads ---------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    when: datetime
    who: Any
    kind: str
    status: str
    status_label: str
    comment: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)


TIMELINE_FIELDS = ("status", "customer", "currency", "valid_until", "incoterm", "payment_terms", "total")


def quotation_timeline(quotation: Quotation) -> list[TimelineEntry]:
    """Who did what and when, newest first, from django-simple-history (two queries)."""
    records = list(quotation.history.select_related("history_user").order_by("history_date", "history_id"))
    labels = dict(Status.choices)
    fields = {name: Quotation._meta.get_field(name) for name in TIMELINE_FIELDS}
    company_ids = {r.customer_id for r in records if r.customer_id}
    companies = {c.pk: str(c) for c in Company.objects.filter(pk__in=company_ids)}

    def shown(name: str, record) -> str:
        value = getattr(record, fields[name].attname)
        if value in (None, ""):
            return "—"
        if name == "customer":
            return companies.get(value, f"#{value}")
        if name == "status":
            return str(labels.get(value, value))
        return str(value)

    entries: list[TimelineEntry] = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            changes = [
                (str(f.verbose_name), shown(name, previous), shown(name, record))
                for name, f in fields.items()
                if getattr(record, f.attname) != getattr(previous, f.attname)
            ]
            if not changes and not record.history_change_reason:
                previous = record
                continue
        entries.append(
            TimelineEntry(
                when=record.history_date,
                who=record.history_user,
                kind=record.history_type,
                status=record.status,
                status_label=str(labels.get(record.status, record.status)),
                comment=record.history_change_reason or "",
                changes=changes,
            )
        )
        previous = record
    entries.reverse()
    return entries
