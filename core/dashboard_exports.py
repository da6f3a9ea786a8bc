"""Each dashboard panel as an Excel workbook: the panel's own figures, by construction.

Every builder calls the same function of ``core.dashboard`` the panel is drawn from, with the
same filters read from the same query string (period, month, salesperson, team), so the file
and the panel cannot disagree and the scope is the viewer's own. Numbers stay numbers, months
are dates, each sheet has a header row, frozen panes, column widths and, where adding up
makes sense, a totals row. A second sheet says which filters produced the file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import User

from . import dashboard
from .exports import DATE_FORMAT, MONEY_FORMAT, Column

Sheet = tuple[str, list[Column], list]
ZERO = Decimal("0.00")
MONTH_FORMAT = "yyyy-mm"
COUNT_FORMAT = "0"
PERCENT_FORMAT = "0.0"

# Which panels each kind of home page shows (a panel not on the user's page is a 404).
PANELS_BY_KIND = {
    "manager": ("sales", "aging", "approvals", "abnormal", "budgets", "complaints", "funnel"),
    "salesperson": ("budgets", "funnel"),
}


def _key(name: str) -> Callable[[dict], object]:
    return lambda row: row.get(name)


def _money_columns(prefix: str, key: str, currencies: list[str]) -> list[Column]:
    return [Column(f"{prefix} ({c})", (lambda row, c=c: row.get(key, {}).get(c)), 16, MONEY_FORMAT) for c in currencies]


def _filters_sheet(user: User, filters: dashboard.Filters | None, today: date) -> Sheet:
    rows = [{"name": _("Generated"), "value": timezone.localtime().replace(tzinfo=None)}]
    rows.append({"name": _("User"), "value": str(user)})
    if filters is not None:
        rows += [
            {"name": _("Period"), "value": str(dashboard.PERIODS[filters.period])},
            {"name": pgettext("date range", "From"), "value": filters.start},
            {"name": pgettext("date range", "To"), "value": filters.last},
            {"name": _("Team"), "value": filters.team.name if filters.team else _("All teams")},
            {"name": _("Salesperson"), "value": str(filters.salesperson) if filters.salesperson else _("Everyone")},
        ]
    rows.append({"name": _("Base currency"), "value": settings.BASE_CURRENCY})
    columns = [Column(_("Filter"), _key("name"), 18), Column(_("Value"), _key("value"), 28, DATE_FORMAT)]
    return (_("Filters"), columns, rows)


# --- the panels --------------------------------------------------------------------------------


def sales_sheets(user: User, filters: dashboard.Filters, today: date) -> list[Sheet]:
    from receivables.reports import rates_on

    sales = dashboard.sales_by_month(user, filters, rates_on(today))
    base = settings.BASE_CURRENCY
    currencies = sales["currencies"]
    columns = [
        Column(_("Month"), _key("month"), 10, MONTH_FORMAT),
        Column(_("Orders"), _key("orders"), 9, COUNT_FORMAT),
        *_money_columns(_("Order value"), "ordered", currencies),
        Column(_("Total (%(currency)s)") % {"currency": base}, _key("ordered_base"), 16, MONEY_FORMAT),
        Column(_("Invoices"), _key("invoices"), 9, COUNT_FORMAT),
        *_money_columns(_("Invoiced amount"), "invoiced", currencies),
        Column(_("Total (%(currency)s)") % {"currency": base}, _key("invoiced_base"), 16, MONEY_FORMAT),
    ]
    totals = {**sales["totals"], "month": _("Total")}
    return [(_("Sales by month"), columns, [*sales["rows"], totals])]


def aging_sheets(user: User, filters: dashboard.Filters, today: date) -> list[Sheet]:
    from receivables import reports

    aging = dashboard.receivables_aging(user, filters, today)
    base = settings.BASE_CURRENCY
    buckets = [(key, label) for key, label, *_rest in reports.BUCKETS]
    columns = [
        Column(_("Currency"), _key("currency"), 12),
        *[Column(str(label), _key(key), 16, MONEY_FORMAT) for key, label in buckets],
        Column(_("Total"), _key("total"), 16, MONEY_FORMAT),
    ]
    rows = [
        {"currency": c["invoice__currency"], **{key: c[key] for key, _l in buckets}, "total": c["total"]}
        for c in aging["totals"]["currencies"]
    ]
    rows.append(
        {
            "currency": _("Total (%(currency)s)") % {"currency": base},
            **{b["key"]: b["base"] for b in aging["buckets"]},
            "total": aging["open_base"],
        }
    )
    top_currencies = sorted({c for row in aging["top"] for c in row["overdue"]})
    top_columns = [
        Column(_("Customer"), _key("label"), 36),
        *_money_columns(_("Overdue"), "overdue", top_currencies),
        Column(_("Total (%(currency)s)") % {"currency": base}, _key("total"), 16, MONEY_FORMAT),
    ]
    top_rows = [{**row, "total": None if row["missing_rate"] else row["overdue_base"]} for row in aging["top"]]
    return [(_("Receivables aging"), columns, rows), (_("Top 10 overdue customers"), top_columns, top_rows)]


def approvals_sheets(user: User, filters: dashboard.Filters, today: date) -> list[Sheet]:
    approvals = dashboard.approvals(user)
    rows = [
        {"label": _("Contracts awaiting your approval"), "count": approvals["contracts"]},
        {"label": _("Claims awaiting your approval"), "count": approvals["claims"]},
    ]
    columns = [Column(_("Waiting for you"), _key("label"), 36), Column(_("Count"), _key("count"), 10, COUNT_FORMAT)]
    return [(_("Approvals"), columns, rows)]


def abnormal_sheets(user: User, filters: dashboard.Filters, today: date) -> list[Sheet]:
    abnormal = dashboard.abnormal_orders(user, filters)
    currencies = sorted({c for row in abnormal["rows"] for c in row["cost"]})
    columns = [
        Column(_("Kind"), _key("label"), 22),
        Column(_("Count"), _key("count"), 10, COUNT_FORMAT),
        Column(_("Still open"), _key("open"), 10, COUNT_FORMAT),
        *_money_columns(_("Cost"), "cost", currencies),
    ]
    total_cost = {c: sum((row["cost"].get(c, ZERO) for row in abnormal["rows"]), ZERO) for c in currencies}
    totals = {"label": _("Total"), "count": abnormal["count"], "open": abnormal["open"], "cost": total_cost}
    return [(_("Abnormal orders"), columns, [*abnormal["rows"], totals])]


def budgets_sheets(user: User, filters: dashboard.Filters | None, today: date) -> list[Sheet]:
    if filters is None:  # a salesperson's own page: this year's budgets, their own
        result = dashboard.budgets(user, today.year, [user.pk])
    else:
        result = dashboard.budgets(user, filters.start.year, filters.salesperson_ids, filters.team)
    return [budget_sheet(result)]


def budget_sheet(result: dict) -> Sheet:
    """The budgets of ``core.dashboard.budgets()`` with their use, and a total per currency."""
    rows = [
        {
            "holder": row["holder"],
            "category": row["category"],
            "currency": row["currency"],
            "amount": row["usage"].budget.amount,
            "paid": row["usage"].paid,
            "approved": row["usage"].approved,
            "pending": row["usage"].pending,
            "used": row["usage"].used,
            "remaining": row["usage"].remaining,
            "percent": row["usage"].percent_shown,
        }
        for row in result["rows"]
    ]
    columns = [
        Column(_("Budget of"), _key("holder"), 22),
        Column(_("Category"), _key("category"), 18),
        Column(_("Currency"), _key("currency"), 9),
        Column(_("Budget"), _key("amount"), 14, MONEY_FORMAT),
        Column(_("Paid"), _key("paid"), 14, MONEY_FORMAT),
        Column(_("Approved"), _key("approved"), 14, MONEY_FORMAT),
        Column(_("Pending"), _key("pending"), 14, MONEY_FORMAT),
        Column(_("Used"), _key("used"), 14, MONEY_FORMAT),
        Column(_("Remaining"), _key("remaining"), 14, MONEY_FORMAT),
        Column(_("Used %"), _key("percent"), 9, PERCENT_FORMAT),
    ]
    # Amounts add up within one currency only: a totals row per currency.
    for currency in sorted({r["currency"] for r in rows}):
        mine = [r for r in rows if r["currency"] == currency]
        total = {"holder": _("Total"), "currency": currency}
        for key in ("amount", "paid", "approved", "pending", "used", "remaining"):
            total[key] = sum((r[key] for r in mine), ZERO)
        rows.append(total)
    title = _("Budgets %(year)s") % {"year": result["year"]}
    return (title, columns, rows)


def complaints_sheets(user: User, filters: dashboard.Filters, today: date) -> list[Sheet]:
    complaints = dashboard.complaints_by_category(user, filters)
    columns = [Column(_("Category"), _key("label"), 24), Column(_("Count"), _key("count"), 10, COUNT_FORMAT)]
    rows = [*complaints["rows"], {"label": _("Total"), "count": complaints["total"]}]
    return [(_("Complaints by category"), columns, rows)]


def funnel_sheets(user: User, filters: dashboard.Filters | None, today: date) -> list[Sheet]:
    ids = [user.pk] if filters is None else filters.salesperson_ids
    result = dashboard.funnel(user, ids)
    currencies = result["currencies"]
    columns = [
        Column(_("Stage"), _key("label"), 22),
        Column(_("Count"), _key("count"), 10, COUNT_FORMAT),
        *_money_columns(_("Amount"), "amount", currencies),
        *_money_columns(_("Weighted amount"), "weighted", currencies),
    ]
    totals = {
        "label": _("Total"),
        "count": sum(r["count"] for r in result["rows"]),
        "amount": {c: sum((r["amount"].get(c, ZERO) for r in result["rows"]), ZERO) for c in currencies},
        "weighted": {c: sum((r["weighted"].get(c, ZERO) for r in result["rows"]), ZERO) for c in currencies},
    }
    return [(_("Sales funnel"), columns, [*result["rows"], totals])]


BUILDERS: dict[str, Callable[[User, dashboard.Filters | None, date], list[Sheet]]] = {
    "sales": sales_sheets,
    "aging": aging_sheets,
    "approvals": approvals_sheets,
    "abnormal": abnormal_sheets,
    "budgets": budgets_sheets,
    "complaints": complaints_sheets,
    "funnel": funnel_sheets,
}


def panel_allowed(user: User, panel: str) -> bool:
    return panel in PANELS_BY_KIND.get(user.home_kind, ())


def panel_workbook(user: User, panel: str, params, today: date) -> tuple[str, list[Sheet]]:
    """(filename, sheets) of one panel for ``user`` with the dashboard's query string."""
    filters = dashboard.filters_for(user, params, today) if user.home_kind == "manager" else None
    sheets = BUILDERS[panel](user, filters, today)
    sheets.append(_filters_sheet(user, filters, today))
    stamp = f"{filters.start:%Y%m%d}-{filters.last:%Y%m%d}" if filters is not None else f"{today:%Y%m%d}"
    return f"dashboard-{panel}-{stamp}.xlsx", sheets
