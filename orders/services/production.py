"""Production follow-up (跟单): milestones, the QC checklist of seed 001, abnormal orders (异常订单).

Writes go through ``milestones_save``, ``quality_check_create``, ``abnormal_create`` and
``abnormal_update``. Each checks again what the forms already limit (the order is in the
actor's scope, the order's status, dates not in the future), so a forged POST is refused and
changes nothing. The read helpers (late milestones, the panel of the order page, the
monthly abnormal-order statistics) start from ``visible_to(user)`` and aggregate in the
database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.months import add_months, month_range
from core.months import as_date as _as_date
from core.search import matching_keys
from orders.models import AbnormalOrder, Milestone, Order, QualityCheck

EDIT_ROLES = (User.Role.ASSISTANT, User.Role.SALESPERSON, User.Role.MANAGER)
# Milestones are planned and followed while the factory works on the order.
MILESTONE_STATUSES = (Order.Status.CONFIRMED, Order.Status.IN_PRODUCTION, Order.Status.READY)
QC_STATUSES = MILESTONE_STATUSES
MILESTONE_KINDS: list[str] = list(Milestone.Kind.values)
KIND_RANK = {kind: rank for rank, kind in enumerate(MILESTONE_KINDS)}


# The production notice (生产通知单) is bilingual whatever the reader's language: Chinese first.
MILESTONE_ZH = {
    Milestone.Kind.MATERIALS_ORDERED: "物料下单",
    Milestone.Kind.MATERIALS_ARRIVED: "物料到厂",
    Milestone.Kind.PRODUCTION_STARTED: "开始生产",
    Milestone.Kind.QC: "品质检验",
    Milestone.Kind.PACKED: "包装完成",
}
QC_ZH = {
    "material_correct": "物料正确",
    "size_accurate": "尺寸准确",
    "style_right": "款式正确",
    "workmanship_good": "做工精细",
    "colour_right": "颜色正确",
    "nothing_missing": "无缺漏",
    "material_on_time": "物料准时",
    "schedule_on_time": "进度准时",
}


def can_edit(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in EDIT_ROLES))


def _check_actor(actor: User, order: Order) -> None:
    """The actor works on orders and sees this one: otherwise nothing is written."""
    if not can_edit(actor) or not Order.objects.visible_to(actor).filter(pk=order.pk).exists():
        raise ValidationError(_("You may not change this order."), code="scope")


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _not_future(value: date | None, field_name: str, today: date, message: str) -> None:
    if value is not None and value > today:
        raise ValidationError({field_name: message}, code="future")


# Milestones ---------------------------------------------------------------------------------


def is_late(milestone: Milestone, today: date, order: Order | None = None) -> bool:
    order = order or milestone.order
    return milestone.actual_on is None and milestone.planned_on < today and order.is_open


def late_milestones(queryset: QuerySet[Milestone], today: date) -> QuerySet[Milestone]:
    """Planned before today, not done, and the order still open (SPEC: late milestones)."""
    return queryset.filter(actual_on__isnull=True, planned_on__lt=today, order__status__in=Order.OPEN_STATUSES)


def milestone_order_warnings(rows: list[dict[str, Any]]) -> list[str]:
    """Planned dates should follow the production sequence; out of order is a warning only
    (materials may be ordered after production of another part started)."""
    warnings = []
    labels = dict(Milestone.Kind.choices)
    planned = [(row["kind"], row["planned_on"]) for row in sorted(rows, key=lambda r: KIND_RANK[r["kind"]])]
    planned = [(kind, day) for kind, day in planned if day]
    for (kind_a, day_a), (kind_b, day_b) in zip(planned, planned[1:], strict=False):
        if day_b < day_a:
            warnings.append(
                _("%(later)s is planned before %(earlier)s.") % {"later": labels[kind_b], "earlier": labels[kind_a]}
            )
    return warnings


@transaction.atomic
def milestones_save(*, order: Order, actor: User, rows: list[dict[str, Any]]) -> list[str]:
    """Write the order's milestones from ``rows`` ({kind, planned_on, actual_on, note}).

    A row with a planned date creates or updates that milestone; an empty row removes it.
    Returns warnings (planned dates out of sequence) for the view to show.
    """
    _check_actor(actor, order)
    order = _lock(order)
    if order.status not in MILESTONE_STATUSES:
        raise ValidationError(
            _("Milestones can be planned only while the order is confirmed, in production or ready to ship."),
            code="status",
        )
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    seen = set()
    for row in rows:
        kind = row.get("kind")
        if kind not in KIND_RANK or kind in seen:
            raise ValidationError(_("Unknown milestone."), code="kind")
        seen.add(kind)
        planned_on, actual_on, note = row.get("planned_on"), row.get("actual_on"), (row.get("note") or "").strip()
        if actual_on is not None and actual_on > today:
            errors.setdefault(f"{kind}_actual", []).append(_("The actual date cannot be in the future."))
        if planned_on is None and (actual_on is not None or note):
            errors.setdefault(f"{kind}_planned", []).append(_("Give the planned date of this milestone."))
        if len(note) > 300:
            errors.setdefault(f"{kind}_note", []).append(_("Keep the note under 300 characters."))
    if errors:
        raise ValidationError(errors, code="invalid")

    existing = {m.kind: m for m in Milestone.objects.filter(order=order)}
    for row in rows:
        kind, planned_on = row["kind"], row.get("planned_on")
        milestone = existing.get(kind)
        if planned_on is None:
            if milestone is not None:
                milestone.delete()
            continue
        values = {"planned_on": planned_on, "actual_on": row.get("actual_on"), "note": (row.get("note") or "").strip()}
        if milestone is None:
            Milestone.objects.create(order=order, kind=kind, **values)
        elif any(getattr(milestone, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(milestone, name, value)
            milestone.save(update_fields=list(values))
    return milestone_order_warnings([r for r in rows if r.get("planned_on")])


def milestone_rows(order: Order, today: date, milestones: list[Milestone] | None = None) -> list[dict[str, Any]]:
    """One row per kind in production order, for the panel and the PDF (missing kinds included)."""
    if milestones is None:
        milestones = list(order.milestones.all())
    by_kind = {m.kind: m for m in milestones}
    rows = []
    for kind, label in Milestone.Kind.choices:
        m = by_kind.get(kind)
        late = m is not None and is_late(m, today, order)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "milestone": m,
                "planned_on": m.planned_on if m else None,
                "actual_on": m.actual_on if m else None,
                "note": m.note if m else "",
                "late": late,
                "days_late": (today - m.planned_on).days if late else 0,
            }
        )
    return rows


# Quality checks -----------------------------------------------------------------------------


def qc_item_labels() -> list[tuple[str, str]]:
    return [(item, str(QualityCheck._meta.get_field(item).verbose_name)) for item in QualityCheck.ITEMS]


def failed_items(check: QualityCheck) -> list[str]:
    labels = dict(qc_item_labels())
    return [labels[item] for item in QualityCheck.ITEMS if not getattr(check, item)]


@transaction.atomic
def quality_check_create(
    *, order: Order, actor: User, checked_on: date, results: dict[str, bool], note: str = ""
) -> QualityCheck:
    """Record a QC checklist (seed 001); an item not ticked counts as failed."""
    _check_actor(actor, order)
    order = _lock(order)
    if order.status not in QC_STATUSES:
        raise ValidationError(
            _("A quality check can be recorded only while the order is confirmed, in production or ready to ship."),
            code="status",
        )
    _not_future(checked_on, "checked_on", timezone.localdate(), _("The check date cannot be in the future."))
    unknown = set(results) - set(QualityCheck.ITEMS)
    if unknown:
        raise ValidationError(_("Unknown checklist item."), code="item")
    return QualityCheck.objects.create(
        order=order,
        checked_on=checked_on,
        checked_by=actor,
        note=(note or "").strip(),
        **{item: bool(results.get(item)) for item in QualityCheck.ITEMS},
    )


# Abnormal orders ----------------------------------------------------------------------------


def _check_abnormal(*, reported_on: date, resolved_on: date | None, cause: str, cost: Decimal, today: date) -> None:
    errors: dict[str, str] = {}
    if not (cause or "").strip():
        errors["cause"] = _("Say what went wrong.")
    if reported_on is None:
        errors["reported_on"] = _("Give the date it was reported.")
    elif reported_on > today:
        errors["reported_on"] = _("The report date cannot be in the future.")
    if resolved_on is not None:
        if resolved_on > today:
            errors["resolved_on"] = _("The resolution date cannot be in the future.")
        elif reported_on is not None and resolved_on < reported_on:
            errors["resolved_on"] = _("It cannot be resolved before it was reported.")
    if cost is None or cost < 0:
        errors["cost"] = _("The cost cannot be negative.")
    if errors:
        raise ValidationError(errors, code="invalid")


@transaction.atomic
def abnormal_create(
    *,
    order: Order,
    actor: User,
    kind: str,
    reported_on: date,
    cause: str,
    action: str = "",
    cost: Decimal = Decimal("0.00"),
    currency: str | None = None,
    resolved_on: date | None = None,
) -> AbnormalOrder:
    _check_actor(actor, order)
    order = _lock(order)
    if kind not in AbnormalOrder.Kind.values:
        raise ValidationError({"kind": _("Choose a kind.")}, code="kind")
    _check_abnormal(
        reported_on=reported_on, resolved_on=resolved_on, cause=cause, cost=cost, today=timezone.localdate()
    )
    return AbnormalOrder.objects.create(
        order=order,
        kind=kind,
        reported_on=reported_on,
        reported_by=actor,
        cause=cause.strip(),
        action=(action or "").strip(),
        cost=cost,
        currency=currency or order.currency,
        resolved_on=resolved_on,
    )


@transaction.atomic
def abnormal_update(
    *,
    abnormal: AbnormalOrder,
    actor: User,
    kind: str,
    reported_on: date,
    cause: str,
    action: str = "",
    cost: Decimal = Decimal("0.00"),
    currency: str,
    resolved_on: date | None = None,
) -> AbnormalOrder:
    _check_actor(actor, abnormal.order)
    abnormal = AbnormalOrder.objects.select_for_update().get(pk=abnormal.pk)
    if kind not in AbnormalOrder.Kind.values:
        raise ValidationError({"kind": _("Choose a kind.")}, code="kind")
    _check_abnormal(
        reported_on=reported_on, resolved_on=resolved_on, cause=cause, cost=cost, today=timezone.localdate()
    )
    abnormal.kind = kind
    abnormal.reported_on = reported_on
    abnormal.cause = cause.strip()
    abnormal.action = (action or "").strip()
    abnormal.cost = cost
    abnormal.currency = currency
    abnormal.resolved_on = resolved_on
    abnormal.save()
    return abnormal


# The order page's production panel ----------------------------------------------------------


def production_panel_context(*, order: Order, user: User, today: date | None = None) -> dict[str, Any]:
    """Context for templates/orders/_panel_production.html: three queries whatever the counts."""
    today = today or timezone.localdate()
    milestones = list(Milestone.objects.filter(order=order))
    checks = list(QualityCheck.objects.filter(order=order).select_related("checked_by"))
    for check in checks:
        check.failed = failed_items(check)
    return {
        "order": order,
        "milestones": milestone_rows(order, today, milestones),
        "quality_checks": checks,
        "abnormalities": list(AbnormalOrder.objects.filter(order=order).select_related("reported_by")),
        "today": today,
        "can_edit": can_edit(user),
        "milestones_editable": can_edit(user) and order.status in MILESTONE_STATUSES,
    }


# Monthly abnormal-order statistics ----------------------------------------------------------


KIND_COLOURS = {
    AbnormalOrder.Kind.QUALITY: "#dc3545",
    AbnormalOrder.Kind.DELIVERY_DELAY: "#fd7e14",
    AbnormalOrder.Kind.QUANTITY: "#6f42c1",
    AbnormalOrder.Kind.OTHER: "#6c757d",
}


@dataclass
class AbnormalStatistics:
    month: date
    months: list[date]  # the 12 months before ``month``, then ``month`` (13, oldest first)
    kinds: list[tuple[str, str]]
    currencies: list[str]
    summary: dict[str, Any]
    by_kind: list[dict[str, Any]]
    by_customer: list[dict[str, Any]]
    by_salesperson: list[dict[str, Any]]
    by_month: list[dict[str, Any]]
    chart: dict[str, Any] = field(default_factory=dict)


def _costs(rows, key) -> dict[Any, dict[str, dict[str, Decimal]]]:
    """{group: {"month": {cur: amount}, "window": {cur: amount}}} from per-currency aggregate rows."""
    out: dict[Any, dict[str, dict[str, Decimal]]] = defaultdict(lambda: {"month": {}, "window": {}})
    for row in rows:
        group = out[row[key]]
        if row["cost_month"]:
            group["month"][row["currency"]] = row["cost_month"]
        if row["cost_window"]:
            group["window"][row["currency"]] = row["cost_window"]
    return out


def _sorted(costs: dict[str, Decimal]) -> dict[str, Decimal]:
    return dict(sorted(costs.items()))


def abnormal_statistics(user: User, month: date, top: int = 20) -> AbnormalStatistics:
    """Abnormal orders of ``month`` and of the 12 months before it, in ``user``'s scope.

    Counted by the date reported; cost summed per currency (never converted). Every figure
    comes from an aggregate query.
    """
    months = [add_months(month, offset) for offset in range(-12, 1)]
    window_start, month_end = months[0], month_range(month)[1]
    # The scope (an assistant's: orders × companies × assignments) is read once, as keys, instead of
    # in each of the six aggregates below (assistant2 at scale 100: 20 ms each).
    window = AbnormalOrder.objects.filter(
        pk__in=matching_keys(
            AbnormalOrder.objects.visible_to(user).filter(reported_on__gte=window_start, reported_on__lte=month_end)
        )
    )
    in_month = Q(reported_on__gte=month)
    measures = {
        "n_month": Count("pk", filter=in_month),
        "n_window": Count("pk"),
        "cost_month": Sum("cost", filter=in_month),
        "cost_window": Sum("cost"),
    }
    counts = {"n_month": Count("pk", filter=in_month), "n_window": Count("pk")}
    kinds = list(AbnormalOrder.Kind.choices)

    # by kind (one query, per kind and currency)
    kind_rows = list(window.values("kind", "currency").annotate(**measures).order_by())
    currencies = sorted({row["currency"] for row in kind_rows})
    kind_costs = _costs(kind_rows, "kind")
    kind_counts: dict[str, dict[str, int]] = defaultdict(lambda: {"n_month": 0, "n_window": 0})
    for row in kind_rows:
        kind_counts[row["kind"]]["n_month"] += row["n_month"]
        kind_counts[row["kind"]]["n_window"] += row["n_window"]
    by_kind = [
        {
            "key": key,
            "label": label,
            "month": kind_counts[key]["n_month"],
            "window": kind_counts[key]["n_window"],
            "cost_month": _sorted(kind_costs[key]["month"]),
            "cost_window": _sorted(kind_costs[key]["window"]),
        }
        for key, label in kinds
    ]

    totals = window.aggregate(**counts, open_month=Count("pk", filter=in_month & Q(resolved_on__isnull=True)),
                              open_window=Count("pk", filter=Q(resolved_on__isnull=True)))  # fmt: skip
    total_costs: dict[str, dict[str, Decimal]] = {"month": defaultdict(Decimal), "window": defaultdict(Decimal)}
    for row in kind_rows:
        total_costs["month"][row["currency"]] += row["cost_month"] or Decimal("0")
        total_costs["window"][row["currency"]] += row["cost_window"] or Decimal("0")
    summary = {
        "month": totals["n_month"],
        "window": totals["n_window"],
        "open_month": totals["open_month"],
        "open_window": totals["open_window"],
        "cost_month": _sorted({c: v for c, v in total_costs["month"].items() if v}),
        "cost_window": _sorted({c: v for c, v in total_costs["window"].items() if v}),
    }

    # by customer: the top ``top`` by count, then their costs per currency
    customer_fields = ("order__customer_id", "order__customer__code", "order__customer__name",
                       "order__customer__short_name")  # fmt: skip
    by_customer = list(
        window.values(*customer_fields)
        .annotate(**counts)
        .order_by("-n_month", "-n_window", "order__customer__code")[:top]
    )
    ids = [row["order__customer_id"] for row in by_customer]
    customer_costs = _costs(
        window.filter(order__customer_id__in=ids)
        .values("order__customer_id", "currency")
        .annotate(cost_month=measures["cost_month"], cost_window=measures["cost_window"])
        .order_by(),
        "order__customer_id",
    )
    for row in by_customer:
        row.update(
            company_id=row["order__customer_id"],
            code=row["order__customer__code"],
            name=row["order__customer__short_name"] or row["order__customer__name"],
            month=row["n_month"],
            window=row["n_window"],
            cost_month=_sorted(customer_costs[row["order__customer_id"]]["month"]),
            cost_window=_sorted(customer_costs[row["order__customer_id"]]["window"]),
        )

    # by salesperson
    sp_rows = list(window.values("order__salesperson_id", "currency").annotate(**measures).order_by())
    sp_costs = _costs(sp_rows, "order__salesperson_id")
    sp_counts: dict[int, dict[str, int]] = defaultdict(lambda: {"n_month": 0, "n_window": 0})
    for row in sp_rows:
        sp_counts[row["order__salesperson_id"]]["n_month"] += row["n_month"]
        sp_counts[row["order__salesperson_id"]]["n_window"] += row["n_window"]
    people = User.objects.in_bulk(list(sp_counts))
    by_salesperson = sorted(
        (
            {
                "salesperson_id": pk,
                "salesperson": people.get(pk),
                "name": str(people.get(pk, pk)),
                "month": n["n_month"],
                "window": n["n_window"],
                "cost_month": _sorted(sp_costs[pk]["month"]),
                "cost_window": _sorted(sp_costs[pk]["window"]),
            }
            for pk, n in sp_counts.items()
        ),
        key=lambda r: (-r["month"], -r["window"], r["name"]),
    )

    # by month: counts per kind, costs per currency
    grid: dict[date, dict[str, int]] = defaultdict(dict)
    for row in window.annotate(m=TruncMonth("reported_on")).values("m", "kind").annotate(n=Count("pk")).order_by():
        grid[_as_date(row["m"])][row["kind"]] = row["n"]
    month_costs: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for row in window.annotate(m=TruncMonth("reported_on")).values("m", "currency").annotate(c=Sum("cost")).order_by():
        if row["c"]:
            month_costs[_as_date(row["m"])][row["currency"]] = row["c"]
    by_month = []
    for m in months:
        cells = [grid[m].get(key, 0) for key, _label in kinds]
        by_month.append({"month": m, "cells": cells, "total": sum(cells), "cost": _sorted(month_costs[m])})

    chart = {
        "type": "bar",
        "stacked": True,
        "labels": [f"{m:%Y-%m}" for m in months],
        "datasets": [
            {
                "label": str(label),
                "data": [row["cells"][index] for row in by_month],
                "color": KIND_COLOURS.get(key, "#6c757d"),
            }
            for index, (key, label) in enumerate(kinds)
        ],
    }
    return AbnormalStatistics(
        month=month,
        months=months,
        kinds=kinds,
        currencies=currencies,
        summary=summary,
        by_kind=by_kind,
        by_customer=by_customer,
        by_salesperson=by_salesperson,
        by_month=by_month,
        chart=chart,
    )
