"""The figures of the role home pages: the manager dashboard and the salesperson's own numbers.

Nothing here writes, and nothing here widens a scope: every figure starts from a module's
``visible_to(user)`` queryset (or its service that does), narrowed by the dashboard's own
salesperson/team filter, and each is one grouped query whatever the number of rows, so the
home page's query count stays flat. Each figure carries the URL of the list behind it with the
same filters, so a click shows the rows that make it up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import CharField, Count, Q, QuerySet, Sum
from django.db.models.functions import Cast, Substr
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Team, User
from accounts.scope import visible_salespersons
from core.kept import kept, kept_minutes
from core.months import add_months, parse_month

ZERO = Decimal("0.00")
PERIODS = {
    "month": gettext_lazy("Month"),
    "quarter": gettext_lazy("Quarter"),
    "year": gettext_lazy("Year"),
}
DEFAULT_PERIOD = "year"
# Chart colours (Bootstrap's palette), one per series.
COLORS = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#198754", "#0dcaf0", "#6c757d"]


def _url(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def _cents(value) -> Decimal:
    if value is None:
        return ZERO
    # SQLite returns floats for sums of NUMERIC columns.
    return (value if isinstance(value, Decimal) else Decimal(repr(value))).quantize(Decimal("0.01"))


def _month_key(field_name: str):
    # The first seven characters of the ISO date: native on both databases (as orders' statistics do).
    return Substr(Cast(field_name, CharField()), 1, 7)


# --- the filter --------------------------------------------------------------------------------


@dataclass
class Filters:
    """The dashboard's period and whose figures: everyone in scope, one team, or one salesperson."""

    period: str
    anchor: date
    start: date
    end: date  # exclusive
    months: list[date]
    salesperson: User | None = None
    team: Team | None = None
    salespersons: list[User] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def salesperson_ids(self) -> list[int] | None:
        """None: everyone the user may see (the querysets' own scope applies)."""
        if self.salesperson is not None:
            return [self.salesperson.pk]
        if self.team is not None:
            return [p.pk for p in self.salespersons if p.team_id == self.team.pk]
        return None

    @property
    def who(self) -> dict[str, str]:
        """The person or team parameters of the lists behind the figures (they filter the same way)."""
        if self.salesperson is not None:
            return {"salesperson": str(self.salesperson.pk)}
        if self.team is not None:
            return {"team": str(self.team.pk)}
        return {}

    @property
    def shown_last(self) -> date:
        """The last day of the last month the figures count (the period up to this month)."""
        return add_months(self.months[-1], 1) - timedelta(days=1)

    def dates(self, first: date | None = None, last: date | None = None) -> dict[str, str]:
        """``date_from``/``date_to`` (inclusive) of a list: the period shown, or one month of it."""
        first = first or self.start
        last = last or self.shown_last
        return {"date_from": first.isoformat(), "date_to": last.isoformat()}

    @property
    def query(self) -> dict[str, str]:
        params = {"period": self.period, "month": f"{self.anchor:%Y-%m}"}
        if self.salesperson is not None:
            params["salesperson"] = str(self.salesperson.pk)
        elif self.team is not None:
            params["team"] = str(self.team.pk)
        return params

    def narrow(self, queryset: QuerySet, path: str) -> QuerySet:
        ids = self.salesperson_ids
        return queryset if ids is None else queryset.filter(**{f"{path}__in": ids})


def period_range(period: str, anchor: date, today: date) -> tuple[date, date, list[date]]:
    """[start, end) of the month, quarter or calendar year holding ``anchor``, and its months up to today's."""
    month = anchor.replace(day=1)
    if period == "month":
        start, count = month, 1
    elif period == "quarter":
        start, count = month.replace(month=(month.month - 1) // 3 * 3 + 1), 3
    else:
        start, count = month.replace(month=1), 12
    end = add_months(start, count)
    current = today.replace(day=1)
    months = [add_months(start, i) for i in range(count) if add_months(start, i) <= max(current, start)]
    return start, end, months


def filters_for(user: User, params, today: date) -> Filters:
    """Read the period and the person/team filter from the query string; anything outside the
    user's jurisdiction is ignored (a forged id never widens or reveals a scope)."""
    period = params.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    anchor = parse_month(params.get("month")) or today.replace(day=1)
    if anchor > today:
        anchor = today.replace(day=1)
    start, end, months = period_range(period, anchor, today)
    salespersons = list(visible_salespersons(user).select_related("team").order_by("team__name", "username"))
    teams_by_id = {p.team_id: p.team for p in salespersons if p.team_id}
    teams = sorted(teams_by_id.values(), key=lambda t: t.name)
    filters = Filters(
        period=period, anchor=anchor, start=start, end=end, months=months, salespersons=salespersons, teams=teams
    )
    raw = params.get("salesperson", "")
    if raw.isdigit():
        filters.salesperson = next((p for p in salespersons if p.pk == int(raw)), None)
    raw = params.get("team", "")
    if filters.salesperson is None and raw.isdigit():
        filters.team = teams_by_id.get(int(raw))
    return filters


# --- sales by month ----------------------------------------------------------------------------


def _to_base(amounts: dict[str, Decimal], rates: dict[str, Decimal]) -> Decimal | None:
    total = ZERO
    for currency, amount in amounts.items():
        if currency not in rates:
            return None
        total += (amount * rates[currency]).quantize(Decimal("0.01"))
    return total


def sales_by_month(user: User, filters: Filters, rates: dict[str, Decimal]) -> dict:
    """Orders received (count of every order received in the month, as the order list counts them;
    value of those not cancelled) and invoices issued, per month and currency, and in the base
    currency at today's stored rates. Two grouped queries."""
    from orders.models import Order
    from receivables.models import Invoice

    orders = filters.narrow(Order.objects.visible_to(user), "salesperson").filter(
        received_on__gte=filters.start, received_on__lt=filters.end
    )
    order_cells = (
        orders.annotate(ym=_month_key("received_on"))
        .values("ym", "currency")
        .annotate(count=Count("pk"), value=Sum("total", filter=~Q(status=Order.Status.CANCELLED)))
        .order_by()
    )
    invoices = filters.narrow(Invoice.objects.visible_to(user).issued(), "salesperson").filter(
        invoice_date__gte=filters.start, invoice_date__lt=filters.end
    )
    invoice_cells = (
        invoices.annotate(ym=_month_key("invoice_date"))
        .values("ym", "currency")
        .annotate(count=Count("pk"), value=Sum("total"))
        .order_by()
    )
    rows = {
        f"{m:%Y-%m}": {"month": m, "orders": 0, "ordered": {}, "invoices": 0, "invoiced": {}} for m in filters.months
    }
    currencies: set[str] = set()
    for cell in order_cells:
        row = rows.get(cell["ym"])
        if row is None:  # a month after today's in the period (orders dated ahead)
            continue
        row["orders"] += cell["count"]
        row["ordered"][cell["currency"]] = row["ordered"].get(cell["currency"], ZERO) + _cents(cell["value"])
        currencies.add(cell["currency"])
    for cell in invoice_cells:
        row = rows.get(cell["ym"])
        if row is None:
            continue
        row["invoices"] += cell["count"]
        row["invoiced"][cell["currency"]] = row["invoiced"].get(cell["currency"], ZERO) + _cents(cell["value"])
        currencies.add(cell["currency"])
    ordered_currencies = sorted(currencies, key=lambda c: (c != settings.BASE_CURRENCY, c))
    result_rows = []
    totals = {"orders": 0, "invoices": 0, "ordered": {}, "invoiced": {}}
    for row in rows.values():
        row["ordered_base"] = _to_base(row["ordered"], rates)
        row["invoiced_base"] = _to_base(row["invoiced"], rates)
        row["ordered_list"] = [(c, row["ordered"].get(c, ZERO)) for c in ordered_currencies]
        row["invoiced_list"] = [(c, row["invoiced"].get(c, ZERO)) for c in ordered_currencies]
        month_dates = filters.dates(row["month"], add_months(row["month"], 1) - timedelta(days=1))
        row["orders_url"] = _url("orders:list", **month_dates, **filters.who)
        row["invoices_url"] = _url("receivables:list", status="issued", **month_dates, **filters.who)
        totals["orders"] += row["orders"]
        totals["invoices"] += row["invoices"]
        for key in ("ordered", "invoiced"):
            for currency, amount in row[key].items():
                totals[key][currency] = totals[key].get(currency, ZERO) + amount
        result_rows.append(row)
    totals["ordered_base"] = _to_base(totals["ordered"], rates)
    totals["invoiced_base"] = _to_base(totals["invoiced"], rates)
    totals["ordered_list"] = [(c, totals["ordered"].get(c, ZERO)) for c in ordered_currencies]
    totals["invoiced_list"] = [(c, totals["invoiced"].get(c, ZERO)) for c in ordered_currencies]
    chart = {
        "type": "bar",
        "labels": [f"{r['month']:%Y-%m}" for r in result_rows],
        "datasets": [
            {
                "label": _("Orders received (%(currency)s)") % {"currency": settings.BASE_CURRENCY},
                "data": [float(r["ordered_base"] or 0) for r in result_rows],
                "color": COLORS[0],
            },
            {
                "label": _("Invoiced (%(currency)s)") % {"currency": settings.BASE_CURRENCY},
                "data": [float(r["invoiced_base"] or 0) for r in result_rows],
                "color": COLORS[1],
            },
        ],
        "aspect": 3.2,
        "aspectSmall": 1.6,
    }
    return {
        "rows": result_rows,
        "orders_url": _url("orders:list", **filters.dates(), **filters.who),
        "invoices_url": _url("receivables:list", status="issued", **filters.dates(), **filters.who),
        "currencies": ordered_currencies,
        "totals": totals,
        "chart": chart,
        "empty": not currencies,
    }


# --- receivables -------------------------------------------------------------------------------


def receivables_aging(user: User, filters: Filters, today: date, top: int = 10) -> dict:
    """Aging buckets (receivables.reports.aging, by customer, one SQL statement) with their totals,
    and the ``top`` customers by overdue amount in the base currency (their open amount past due)."""
    from receivables import reports
    from receivables.models import Instalment

    instalments = filters.narrow(Instalment.objects.visible_to(user), "invoice__salesperson")
    rows, currency_totals = reports.aging_overview(instalments, today, top)
    totals = reports.aging_totals(instalments, today, rows=currency_totals)
    overdue_keys = [key for key, *_rest in reports.BUCKETS if key != "current"]
    by_customer: dict[int, dict] = {}
    for row in reports.aging_rows(rows, "customer"):
        overdue = sum((row[k] for k in overdue_keys), ZERO)
        if overdue <= 0:
            continue
        entry = by_customer.setdefault(
            row["group_id"],
            {"id": row["group_id"], "label": row["label"], "overdue": {}, "overdue_base": ZERO, "missing_rate": False},
        )
        entry["overdue"][row["currency"]] = entry["overdue"].get(row["currency"], ZERO) + overdue
        bases = [row[f"{k}_base"] for k in overdue_keys]
        if any(b is None for b in bases):
            entry["missing_rate"] = True
        else:
            entry["overdue_base"] += sum(bases, ZERO)
    top_rows = sorted(by_customer.values(), key=lambda e: (-e["overdue_base"], e["label"]))[:top]
    for entry in top_rows:
        entry["url"] = reverse("receivables:customer", args=[entry["id"]])
        entry["overdue_list"] = sorted(entry["overdue"].items())
    buckets = [
        {
            "key": key,
            "label": label,
            "base": totals["base"][key],
            "url": _url("receivables:aging", by="customer", **filters.who),
        }
        for key, label, *_rest in reports.BUCKETS
    ]
    overdue_base = sum((b["base"] for b in buckets if b["key"] != "current"), ZERO)
    chart = {
        "type": "bar",
        "labels": [str(b["label"]) for b in buckets],
        "datasets": [
            {
                "label": _("Open (%(currency)s)") % {"currency": settings.BASE_CURRENCY},
                "data": [float(b["base"]) for b in buckets],
                "color": COLORS[2],
            }
        ],
        "legend": False,
        "aspectSmall": 1.8,
    }
    return {
        "buckets": buckets,
        "totals": totals,
        "open_base": totals["base"]["total"],
        "overdue_base": overdue_base,
        "top": top_rows,
        "chart": chart,
        "empty": not currency_totals,
        "url": _url("receivables:aging", by="customer", **filters.who),
        "overdue_url": _url("receivables:list", overdue="1", **filters.who),
        "open_url": _url("receivables:list", open="1", **filters.who),
    }


# --- approvals, abnormal orders, budgets, complaints ------------------------------------------


def approvals(user: User) -> dict:
    """Contracts and expense claims waiting for this user's decision (the modules' own querysets)."""
    from contracts.queues import awaiting_approval_queryset
    from expenses.models import Claim
    from expenses.queues import _approvable

    contracts = awaiting_approval_queryset(user).count()
    claims = _approvable(Claim, "claimant", Claim.Status.REVIEWED, user).count()
    return {
        "contracts": contracts,
        "contracts_url": _url("contracts:list", status="awaiting", mine="1"),
        "claims": claims,
        "claims_url": _url("expenses:list", status="to_act"),
    }


def abnormal_orders(user: User, filters: Filters) -> dict:
    """Abnormal orders reported in the period, per kind: how many, how many still open, and cost."""
    from orders.models import AbnormalOrder

    queryset = filters.narrow(AbnormalOrder.objects.visible_to(user), "order__salesperson").filter(
        reported_on__gte=filters.start, reported_on__lt=filters.end
    )
    cells = (
        queryset.values("kind", "currency")
        .annotate(count=Count("pk"), open=Count("pk", filter=Q(resolved_on__isnull=True)), cost=Sum("cost"))
        .order_by()
    )
    kinds = {
        key: {"key": key, "label": label, "count": 0, "open": 0, "cost": {}}
        for key, label in AbnormalOrder.Kind.choices
    }
    for cell in cells:
        row = kinds[cell["kind"]]
        row["count"] += cell["count"]
        row["open"] += cell["open"]
        row["cost"][cell["currency"]] = row["cost"].get(cell["currency"], ZERO) + _cents(cell["cost"])
    # The lists' inclusive range is the whole period ([start, end)): what the counts above count.
    period = filters.dates(filters.start, filters.last)
    rows = list(kinds.values())
    for row in rows:
        row["url"] = _url("orders:abnormal-list", kind=row["key"], **period, **filters.who)
        row["cost_list"] = sorted(row["cost"].items())
    return {
        "rows": rows,
        "count": sum(r["count"] for r in rows),
        "open": sum(r["open"] for r in rows),
        "url": _url("orders:abnormal-list", **period, **filters.who),
        "open_url": _url("orders:abnormal-list", status="open", **period, **filters.who),
    }


def budgets(user: User, year: int, salesperson_ids: list[int] | None, team: Team | None = None) -> dict:
    """Expense budgets of ``year`` the user may see, with their usage (expenses.budgets.usage_for:
    paid + approved + pending claims), narrowed to the chosen people or team."""
    from expenses.budgets import usage_for
    from expenses.models import Budget

    queryset = Budget.objects.visible_to(user).filter(year=year).select_related("salesperson", "team")
    if team is not None:
        queryset = queryset.filter(Q(team=team) | Q(salesperson__team=team))
    elif salesperson_ids is not None:
        queryset = queryset.filter(salesperson__in=salesperson_ids)
    queryset = queryset.order_by("team__name", "salesperson__username", "category", "currency")
    usages = usage_for(queryset)
    rows = []
    for usage in usages:
        b = usage.budget
        holder = b.team or b.salesperson
        rows.append(
            {
                "usage": usage,
                "holder": str(holder),
                "category": b.get_category_display() if b.category else _("All categories"),
                "currency": b.currency,
                "url": _url("expenses:list", claimant=b.salesperson_id or ""),
            }
        )
    chart = {
        "type": "bar",
        "labels": [f"{r['holder']} · {r['category']}" for r in rows],
        "datasets": [
            {"label": _("Budget"), "data": [float(r["usage"].budget.amount) for r in rows], "color": COLORS[7]},
            {"label": _("Used"), "data": [float(r["usage"].used) for r in rows], "color": COLORS[4]},
        ],
        "aspectSmall": 1.6,
    }
    return {
        "rows": rows,
        "year": year,
        "chart": chart,
        "url": _url("expenses:budgets", year=year),
        "warnings": sum(1 for u in usages if u.level == "warning"),
        "overs": sum(1 for u in usages if u.level == "over"),
    }


def complaints_by_category(user: User, filters: Filters) -> dict:
    """Complaints received in the period per category, from the customers the user may see
    (narrowed to the chosen salespersons' customers)."""
    from customers.models import Complaint

    queryset = filters.narrow(Complaint.objects.visible_to(user), "company__owner").filter(
        received_on__gte=filters.start, received_on__lt=filters.end
    )
    counts = dict(queryset.values("category").annotate(count=Count("pk")).values_list("category", "count").order_by())
    period = filters.dates(filters.start, filters.last)
    rows = [
        {
            "key": key,
            "label": label,
            "count": counts.get(key, 0),
            "url": _url("customers:complaint-list", category=key, **period, **filters.who),
        }
        for key, label in Complaint.Category.choices
    ]
    chart = {
        "type": "bar",
        "labels": [str(r["label"]) for r in rows],
        "datasets": [{"label": _("Complaints"), "data": [r["count"] for r in rows], "color": COLORS[4]}],
        "legend": False,
        "aspectSmall": 1.8,
    }
    return {
        "rows": rows,
        "total": sum(counts.values()),
        "chart": chart,
        "url": _url("customers:complaint-list", **period, **filters.who),
    }


def funnel(user: User, salesperson_ids: list[int] | None) -> dict:
    """The sales funnel of reports.api (empty until weekly reports exist)."""
    from reports import api

    rows = api.funnel(user, salesperson_ids=salesperson_ids)
    currencies = sorted({c for r in rows for c in r.get("amount", {})})
    for row in rows:
        row["amount_list"] = [(c, row.get("amount", {}).get(c, ZERO)) for c in currencies]
        row["weighted_list"] = [(c, row.get("weighted", {}).get(c, ZERO)) for c in currencies]
    chart = {
        "type": "bar",
        "labels": [str(r["label"]) for r in rows],
        "datasets": [{"label": _("Opportunities"), "data": [r["count"] for r in rows], "color": COLORS[3]}],
        "legend": False,
        "aspectSmall": 1.8,
    }
    return {"rows": rows, "currencies": currencies, "chart": chart, "empty": not any(r["count"] for r in rows)}


# --- the pages ---------------------------------------------------------------------------------


def manager_dashboard(user: User, params, today: date) -> dict:
    """The manager's figures. The period figures (sales, aging, abnormal orders, budgets,
    complaints, funnel) may be a few minutes old: they are kept per user, filter and language for
    settings.FIGURES_CACHE_SECONDS (core.kept; the page says as of when). What waits for the user's own
    decision (approvals) is always read fresh."""
    from receivables.reports import rates_on

    filters = filters_for(user, params, today)

    def figures() -> dict:
        rates = rates_on(today)
        ids = filters.salesperson_ids
        return {
            "sales": sales_by_month(user, filters, rates),
            "aging": receivables_aging(user, filters, today),
            "abnormal": abnormal_orders(user, filters),
            "budgets": budgets(user, filters.start.year, ids, filters.team),
            "complaints": complaints_by_category(user, filters),
            "funnel": funnel(user, ids),
        }

    as_of, cached = kept(f"manager:{user.pk}:{today}:{urlencode(sorted(filters.query.items()))}", figures)
    return {
        "filters": filters,
        "export_query": urlencode(filters.query),
        "periods": list(PERIODS.items()),
        "base_currency": settings.BASE_CURRENCY,
        "figures_as_of": as_of,
        "figures_kept_minutes": kept_minutes(),
        **cached,
        "approvals": approvals(user),
    }


def salesperson_home(user: User, today: date) -> dict:
    """A salesperson's own numbers: open orders, receivables open and overdue, budget used this
    year, their funnel."""
    from orders.models import Order
    from orders.services.orders import open_orders
    from receivables import reports
    from receivables.models import Instalment

    open_cells = list(
        open_orders(Order.objects.visible_to(user).filter(salesperson=user))
        .values("currency")
        .annotate(count=Count("pk"), value=Sum("total"))
        .order_by("currency")
    )
    open_by_currency = [(c["currency"], _cents(c["value"])) for c in open_cells]
    instalments = Instalment.objects.visible_to(user).filter(invoice__salesperson=user)
    rows = reports.aging(instalments, today, by="salesperson")
    totals = reports.aging_totals(instalments, today, rows=rows)
    overdue_keys = [key for key, *_rest in reports.BUCKETS if key != "current"]
    receivables = [
        {
            "currency": c["invoice__currency"],
            "open": c["total"],
            "overdue": sum((c[k] for k in overdue_keys), ZERO),
        }
        for c in totals["currencies"]
    ]
    return {
        "open_orders": sum(c["count"] for c in open_cells),
        "open_orders_value": open_by_currency,
        "open_orders_url": _url("orders:list", status="open", salesperson=user.pk),
        "receivables": receivables,
        "receivables_url": _url("receivables:list", open="1", salesperson=user.pk),
        "overdue_url": _url("receivables:list", overdue="1", salesperson=user.pk),
        "budgets": budgets(user, today.year, [user.pk]),
        "funnel": funnel(user, [user.pk]),
    }
