"""Contract performance (合同履行清单) and performance statistics, computed in the database.

Per contract: ordered (its orders' lines, cancelled orders left out), shipped (checked
shipped quantity × unit price), invoiced and paid (``receivables.api.contract_billing``),
percent fulfilled (shipped / contract amount) and open balance (contract amount − paid).
Amounts stay in the contract's currency; orders linked to a contract share its currency in
practice, and a line in another currency is not converted (no stored rates).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import CharField, DecimalField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Substr

from orders.models import Order, OrderLine, Shipment, ShipmentLine
from receivables.api import contract_billing

from .models import Contract

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=20, decimal_places=2)
CENT = Decimal("0.01")


def _sum_subquery(queryset: QuerySet, expression) -> Subquery:
    return Subquery(
        queryset.values("order__contract")
        .annotate(total=Sum(expression, output_field=MONEY_FIELD))
        .values("total")[:1],
        output_field=MONEY_FIELD,
    )


def with_performance(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """Annotate ``ordered`` and ``shipped`` per contract with one correlated subquery each."""
    lines = OrderLine.objects.filter(order__contract=OuterRef("pk")).exclude(order__status=Order.Status.CANCELLED)
    shipped_value = ExpressionWrapper(F("shipped_quantity") * F("unit_price"), output_field=MONEY_FIELD)
    return contracts.annotate(
        ordered=Coalesce(_sum_subquery(lines, F("amount")), Value(ZERO), output_field=MONEY_FIELD),
        shipped=Coalesce(_sum_subquery(lines, shipped_value), Value(ZERO), output_field=MONEY_FIELD),
    )


BILLING_BATCH = 5000


def billing_for(ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """``receivables.api.contract_billing`` in batches: the IN list stays inside SQLite's bound-parameter limit."""
    result: dict[int, dict[str, Decimal]] = {}
    for start in range(0, len(ids), BILLING_BATCH):
        result.update(contract_billing(ids[start : start + BILLING_BATCH]))
    return result


def attach_billing(contracts: list[Contract]) -> list[Contract]:
    """Add invoiced, paid, percent fulfilled and open balance to a page of annotated contracts."""
    billing = billing_for([c.pk for c in contracts])
    for contract in contracts:
        figures = billing.get(contract.pk, {})
        contract.invoiced = Decimal(figures.get("invoiced", ZERO)).quantize(CENT)
        contract.paid = Decimal(figures.get("paid", ZERO)).quantize(CENT)
        contract.ordered = Decimal(contract.ordered).quantize(CENT)
        contract.shipped = Decimal(contract.shipped).quantize(CENT)
        contract.percent_fulfilled = (
            (contract.shipped / contract.amount * 100).quantize(Decimal("0.1")) if contract.amount else Decimal("0.0")
        )
        contract.open_balance = (contract.amount - contract.paid).quantize(CENT)
    return contracts


# Statistics --------------------------------------------------------------------------------------

# Each kind of period is grouped in SQL on the first characters of the ISO date ("2026-07" for
# months and quarters, "2026" for years): native on both databases, where TruncMonth and friends
# are a Python function called per row on SQLite (gm at scale 100: 780-900 ms a page). A quarter
# is folded from its months here, in Python, by ``period_start``.
PERIODS = {"month": 7, "quarter": 7, "year": 4}
MEASURES = ("signed", "shipped", "invoiced", "paid")


def period_starts(kind: str, year: int) -> list[date]:
    if kind == "month":
        return [date(year, m, 1) for m in range(1, 13)]
    if kind == "quarter":
        return [date(year, m, 1) for m in (1, 4, 7, 10)]
    return [date(y, 1, 1) for y in range(year - 4, year + 1)]


def period_label(kind: str, start: date) -> str:
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def period_key(kind: str, field_name: str):
    """The grouping expression for ``kind``: the first 7 (month) or 4 (year) characters of the date."""
    return Substr(Cast(field_name, CharField()), 1, PERIODS[kind])


def period_start(kind: str, key: str) -> date:
    """The first day of the period holding ``key`` ("YYYY-MM" or "YYYY"), as ``period_starts`` gives it."""
    year = int(key[:4])
    if kind == "year":
        return date(year, 1, 1)
    month = int(key[5:7])
    if kind == "quarter":
        month = (month - 1) // 3 * 3 + 1
    return date(year, month, 1)


@dataclass
class Statistics:
    kind: str
    year: int
    periods: list[date]
    labels: list[str]
    currencies: list[str] = field(default_factory=list)
    # {period: {measure: {currency: Decimal}}}
    by_period: dict = field(default_factory=dict)
    # [(salesperson, {measure: {currency: Decimal}})]
    by_salesperson: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)

    def rows(self):
        for start, label in zip(self.periods, self.labels, strict=True):
            yield {"period": start, "label": label, **self.by_period[start]}

    def chart(self) -> dict:
        currency = settings.BASE_CURRENCY
        colours = {"signed": "#0d6efd", "shipped": "#198754", "invoiced": "#fd7e14", "paid": "#6f42c1"}
        names = {"signed": _label("Signed"), "shipped": _label("Shipped"), "invoiced": _label("Invoiced"),
                 "paid": _label("Paid")}  # fmt: skip
        return {
            "type": "bar",
            "labels": self.labels,
            "datasets": [
                {
                    "label": f"{names[m]} ({currency})",
                    "data": [float(self.by_period[p][m].get(currency, 0)) for p in self.periods],
                    "color": colours[m],
                }
                for m in MEASURES
            ],
        }


def _label(text: str) -> str:
    from django.utils.translation import gettext

    return gettext(text)


def performance_statistics(user, *, kind: str, year: int) -> Statistics:
    """Signed, shipped, invoiced and paid per period and per salesperson, per currency.

    Signed: contracts signed in the period (their amount). Shipped: checked shipments in the
    period against orders linked to contracts. Invoiced and paid: what receivables reports
    for the contracts signed in the period (its API gives totals per contract, not dated).
    """
    from accounts.models import User

    periods = period_starts(kind, year)
    start, end = periods[0], date(year + 1, 1, 1)
    stats = Statistics(kind=kind, year=year, periods=periods, labels=[period_label(kind, p) for p in periods])
    empty = lambda: {m: defaultdict(lambda: ZERO) for m in MEASURES}  # noqa: E731
    by_period = {p: empty() for p in periods}
    by_person: dict[int, dict] = defaultdict(empty)
    currencies: set[str] = set()

    visible = Contract.objects.visible_to(user)
    signed = visible.filter(signed_on__gte=start, signed_on__lt=end, signed_on__isnull=False)
    for row in (
        signed.annotate(period=period_key(kind, "signed_on"))
        .values("period", "salesperson", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        p = period_start(kind, row["period"])
        by_period[p]["signed"][row["currency"]] += row["total"]
        by_person[row["salesperson"]]["signed"][row["currency"]] += row["total"]
        currencies.add(row["currency"])

    shipped_value = ExpressionWrapper(F("quantity") * F("order_line__unit_price"), output_field=MONEY_FIELD)
    for row in (
        ShipmentLine.objects.filter(
            shipment__status=Shipment.Status.CHECKED,
            shipment__shipped_on__gte=start,
            shipment__shipped_on__lt=end,
            order_line__order__contract__in=visible.values("pk"),
        )
        .annotate(period=period_key(kind, "shipment__shipped_on"))
        .values("period", "order_line__order__salesperson", "order_line__order__currency")
        .annotate(total=Sum(shipped_value))
        .order_by()
    ):
        p, cur = period_start(kind, row["period"]), row["order_line__order__currency"]
        total = Decimal(row["total"]).quantize(CENT)
        by_period[p]["shipped"][cur] += total
        by_person[row["order_line__order__salesperson"]]["shipped"][cur] += total
        currencies.add(cur)

    # Invoiced and paid are grouped in the database by the contract's period, salesperson and
    # currency: one aggregate each, joined on Order.contract, instead of sending every signed
    # contract's id to receivables.api.contract_billing in batches (0.4-1.0 s at 20,000 contracts).
    # The filters are contract_billing's own (issued invoices; confirmed allocations on issued
    # invoices); tests/contracts/test_performance.py checks both agree.
    from receivables.models import Allocation, Invoice, Payment

    signed_ids = signed.values("pk")
    billed = (
        ("invoiced", "order__contract", "total",
         Invoice.objects.filter(status=Invoice.Status.ISSUED, order__contract__in=signed_ids)),
        ("paid", "instalment__invoice__order__contract", "amount",
         Allocation.objects.filter(payment__status=Payment.Status.CONFIRMED,
                                   instalment__invoice__status=Invoice.Status.ISSUED,
                                   instalment__invoice__order__contract__in=signed_ids)),
    )  # fmt: skip
    for measure, contract, amount, queryset in billed:
        for row in (
            queryset.annotate(period=period_key(kind, f"{contract}__signed_on"))
            .values("period", f"{contract}__salesperson", f"{contract}__currency")
            .annotate(total=Sum(amount))
            .order_by()
        ):
            value = Decimal(row["total"] or ZERO).quantize(CENT)
            if value:
                cur = row[f"{contract}__currency"]
                by_period[period_start(kind, row["period"])][measure][cur] += value
                by_person[row[f"{contract}__salesperson"]][measure][cur] += value
                currencies.add(cur)

    people = User.objects.in_bulk(list(by_person))
    stats.by_period = {p: {m: dict(v) for m, v in d.items()} for p, d in by_period.items()}
    stats.by_salesperson = sorted(
        ((people[pk], {m: dict(v) for m, v in d.items()}) for pk, d in by_person.items() if pk in people),
        key=lambda item: str(item[0]),
    )
    totals = empty()
    for d in by_period.values():
        for m in MEASURES:
            for cur, value in d[m].items():
                totals[m][cur] += value
    stats.totals = {m: dict(v) for m, v in totals.items()}
    base = settings.BASE_CURRENCY
    stats.currencies = sorted(currencies | {base}, key=lambda c: (c != base, c))
    return stats
