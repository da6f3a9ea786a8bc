"""Aging, statements of account and month-end reconciliation: one query function each, shared by
the page, the Excel file and the PDF so their totals agree to the cent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext_lazy as _

from .models import MONEY, Invoice, Payment, rate_expression

ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(**MONEY)
BASE_FIELD = DecimalField(max_digits=20, decimal_places=2)

# (key, label, first day overdue, last day overdue); "current" includes not yet dated instalments.
BUCKETS = [
    ("current", _("Current"), None, 0),
    ("d30", _("1–30 days"), 1, 30),
    ("d60", _("31–60 days"), 31, 60),
    ("d90", _("61–90 days"), 61, 90),
    ("over90", _("Over 90 days"), 91, None),
]
GROUPS = {
    "customer": ("invoice__customer_id", "invoice__customer__code", "invoice__customer__name"),
    "salesperson": ("invoice__salesperson_id", "invoice__salesperson__username", "invoice__salesperson__display_name"),
    "team": ("invoice__salesperson__team_id", "invoice__salesperson__team__name", "invoice__salesperson__team__name"),
}
GROUP_LABELS = {"customer": _("Customer"), "salesperson": _("Salesperson"), "team": _("Team")}


def _bucket_q(today: date, first: int | None, last: int | None) -> Q:
    if first is None:  # current: not due yet (or no due date yet)
        return Q(due_on__isnull=True) | Q(due_on__gte=today)
    q = Q(due_on__lte=today - timedelta(days=first))
    if last is not None:
        q &= Q(due_on__gte=today - timedelta(days=last))
    return q


def aging(instalments, today: date, by: str = "customer"):
    """Open amounts per group and currency in the five buckets, in the invoice currency and in the
    base currency (stored rate on ``today``; NULL base when a rate is missing). One GROUP BY query."""
    keys = GROUPS[by]
    queryset = (
        instalments.open()
        .annotate(rate=rate_expression("invoice__currency", today))
        .annotate(base=Round(F("open_amount") * F("rate"), 2, output_field=BASE_FIELD))
    )
    aggregates = {}
    for key, _label, first, last in BUCKETS:
        condition = _bucket_q(today, first, last)
        aggregates[key] = Coalesce(
            Sum(Case(When(condition, then=F("open_amount")), default=Value(ZERO), output_field=MONEY_FIELD)),
            Value(ZERO),
            output_field=MONEY_FIELD,
        )
        aggregates[f"{key}_base"] = Sum(
            Case(When(condition, then=F("base")), default=Value(ZERO), output_field=BASE_FIELD)
        )
    aggregates["total"] = Sum("open_amount")
    aggregates["total_base"] = Sum("base")
    return (
        queryset.values(*keys, "invoice__currency")
        .annotate(**aggregates)
        .order_by("-total_base", keys[1], "invoice__currency")
    )


def aging_rows(rows, by: str) -> list[dict]:
    keys = GROUPS[by]
    out = []
    for row in rows:
        label, detail = row[keys[1]] or "—", ""
        if by == "customer":
            label, detail = f"{row[keys[1]]} {row[keys[2]]}", row[keys[2]]
        elif by == "salesperson":
            label = row[keys[2]] or row[keys[1]]
        out.append(
            {**row, "group_id": row[keys[0]], "label": label, "code": row[keys[1]], "name": detail,
             "currency": row["invoice__currency"]}
        )  # fmt: skip
    return out


def aging_totals(instalments, today: date) -> dict:
    """Totals per currency and in the base currency (the footer of page and Excel)."""
    queryset = (
        instalments.open()
        .annotate(rate=rate_expression("invoice__currency", today))
        .annotate(base=Round(F("open_amount") * F("rate"), 2, output_field=BASE_FIELD))
    )
    aggregates = {}
    for key, _label, first, last in BUCKETS:
        condition = _bucket_q(today, first, last)
        aggregates[key] = Coalesce(
            Sum(Case(When(condition, then=F("open_amount")), default=Value(ZERO), output_field=MONEY_FIELD)),
            Value(ZERO),
            output_field=MONEY_FIELD,
        )
        aggregates[f"{key}_base"] = Sum(
            Case(When(condition, then=F("base")), default=Value(ZERO), output_field=BASE_FIELD)
        )
    aggregates["total"] = Sum("open_amount")
    aggregates["total_base"] = Sum("base")
    currencies = list(queryset.values("invoice__currency").annotate(**aggregates).order_by("invoice__currency"))
    base = {key: sum((c[f"{key}_base"] or ZERO for c in currencies), ZERO) for key, *_ in BUCKETS}
    base["total"] = sum((c["total_base"] or ZERO for c in currencies), ZERO)
    missing_rate = [c["invoice__currency"] for c in currencies if c["total_base"] is None]
    return {
        "currencies": currencies,
        "base": base,
        "missing_rate": missing_rate,
        "base_currency": settings.BASE_CURRENCY,
    }


# --- statement of account ---------------------------------------------------------------------


@dataclass
class StatementLine:
    day: date
    kind: str  # invoice / payment
    reference: str
    description: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    balance: Decimal = ZERO


@dataclass
class Statement:
    customer: object
    currency: str
    start: date
    end: date
    opening: Decimal = ZERO
    lines: list[StatementLine] = field(default_factory=list)
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.invoiced - self.paid


def statement(customer, currency: str, start: date, end: date) -> Statement:
    """Invoices issued (debit) and payments received, not reversed (credit), with running balance."""
    invoices = Invoice.objects.filter(customer=customer, currency=currency, status=Invoice.Status.ISSUED)
    payments = Payment.objects.filter(customer=customer, currency=currency).exclude(status=Payment.Status.REVERSED)
    before_inv = invoices.filter(invoice_date__lt=start).aggregate(t=Sum("total"))["t"] or ZERO
    before_pay = payments.filter(received_on__lt=start).aggregate(t=Sum("amount"))["t"] or ZERO
    result = Statement(customer=customer, currency=currency, start=start, end=end, opening=before_inv - before_pay)
    lines = [
        StatementLine(i.invoice_date, "invoice", i.number, f"PO {i.order.customer_po}", debit=i.total)
        for i in invoices.filter(invoice_date__range=(start, end))
        .select_related("order")
        .order_by("invoice_date", "pk")
    ]
    for p in payments.filter(received_on__range=(start, end)).order_by("received_on", "pk"):
        description = " ".join(x for x in (p.get_method_display(), p.bank_reference) if x)
        lines.append(StatementLine(p.received_on, "payment", p.number, description, credit=p.amount))
    lines.sort(key=lambda line: (line.day, line.kind != "invoice", line.reference))
    balance = result.opening
    for line in lines:
        balance += line.debit - line.credit
        line.balance = balance
        result.invoiced += line.debit
        result.paid += line.credit
    result.lines = lines
    return result


# --- month-end reconciliation -------------------------------------------------------------------


def reconciliation(payments, start: date, end: date) -> list[dict]:
    """Receipts per salesperson, customer and currency in the month: recorded (not reversed)
    against confirmed by finance; the difference is what finance has not confirmed yet."""
    recorded = Q(status__in=[Payment.Status.RECORDED, Payment.Status.CONFIRMED])
    rows = (
        payments.filter(received_on__range=(start, end))
        .values(
            "salesperson_id",
            "salesperson__username",
            "salesperson__display_name",
            "customer_id",
            "customer__code",
            "customer__name",
            "currency",
        )  # fmt: skip
        .annotate(
            recorded=Coalesce(Sum("amount", filter=recorded), Value(ZERO), output_field=MONEY_FIELD),
            confirmed=Coalesce(
                Sum("amount", filter=Q(status=Payment.Status.CONFIRMED)), Value(ZERO), output_field=MONEY_FIELD
            ),
            reversed=Coalesce(
                Sum("amount", filter=Q(status=Payment.Status.REVERSED)), Value(ZERO), output_field=MONEY_FIELD
            ),
        )
        .order_by("salesperson__username", "customer__code", "currency")
    )
    out = []
    for row in rows:
        row["difference"] = row["recorded"] - row["confirmed"]
        row["salesperson"] = row["salesperson__display_name"] or row["salesperson__username"]
        out.append(row)
    return out
