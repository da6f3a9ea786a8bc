"""The monthly report pack: one workbook per manager and month, emailed on the 1st at 08:00.

Each sheet is built from the module's own scoped service, called as the manager (so the figures
are those of the manager's pages, for their jurisdiction), never re-derived here:
orders.services.orders.order_statistics, contracts.performance.performance_statistics,
receivables.reports.aging, expenses.budgets.usage_for, customers.services.complaints.complaint_analysis,
samples.services.conversion_rates / conversion_totals.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from accounts.models import User
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, write_sheet
from core.months import add_months, month_range, trailing_months
from core.notify import send_once

logger = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT = "0"
PERCENT = "0.0"


def orders_sheet(user: User, month: date):
    from orders.services.orders import order_statistics

    stats = order_statistics(user, month)
    columns = [
        Column(_("Salesperson"), lambda r: r["salesperson"], 22),
        Column(_("Orders received"), lambda r: r["m_received"], 12, COUNT),
        Column(_("Completed"), lambda r: r["m_completed"], 12, COUNT),
        Column(_("Open"), lambda r: r["m_open"], 12, COUNT),
        Column(_("Cancelled"), lambda r: r["m_cancelled"], 12, COUNT),
    ]
    for currency in stats.currencies:
        columns.append(
            Column(_("Value (%(currency)s)") % {"currency": currency},
                   lambda r, c=currency: r["m_value"].get(c), 16, MONEY_FORMAT)
        )  # fmt: skip
    total = {**stats.summary, "salesperson": _("Total")}
    rows = [row for row in stats.by_salesperson if row["m_received"] or row["m_cancelled"] or row["m_value"]]
    return _("Orders"), columns, [*rows, total]


def contracts_sheet(user: User, month: date):
    from contracts.performance import MEASURES, performance_statistics

    stats = performance_statistics(user, kind="month", year=month.year)
    names = {"signed": _("Signed"), "shipped": _("Shipped"), "invoiced": _("Invoiced"), "paid": _("Paid")}
    rows = []
    for period in stats.periods:
        if period > month:
            break
        figures = stats.by_period[period]
        for currency in stats.currencies:
            values = {m: figures[m].get(currency) for m in MEASURES}
            if any(values.values()):
                rows.append({"period": period, "currency": currency, **values})
    columns = [
        Column(_("Month"), lambda r: r["period"], 12, "yyyy-mm"),
        Column(_("Currency"), lambda r: r["currency"], 9),
        *[Column(names[m], lambda r, m=m: r[m], 16, MONEY_FORMAT) for m in MEASURES],
    ]
    return _("Contract performance"), columns, rows


def aging_sheet(user: User, month: date):
    from receivables import reports
    from receivables.models import Instalment

    as_of = month_range(month)[1]
    instalments = Instalment.objects.visible_to(user)
    raw = reports.aging(instalments, as_of, "customer")
    rows = reports.aging_rows(raw, "customer")
    totals = reports.aging_totals(instalments, as_of, rows=raw)
    rows += [{"label": _("Total"), "currency": c["invoice__currency"], **c} for c in totals["currencies"]]
    base = settings.BASE_CURRENCY
    columns = [
        Column(_("Customer"), lambda r: r["label"], 30),
        Column(_("Currency"), lambda r: r["currency"], 9),
        *[Column(str(label), lambda r, k=key: r[k], 14, MONEY_FORMAT) for key, label, *_r in reports.BUCKETS],
        Column(_("Total"), lambda r: r["total"], 16, MONEY_FORMAT),
        Column(_("Total (%(currency)s)") % {"currency": base}, lambda r: r["total_base"], 16, MONEY_FORMAT),
    ]
    return _("Receivables aging"), columns, rows


def budgets_sheet(user: User, month: date):
    from expenses.budgets import usage_for
    from expenses.models import Budget

    budgets = (
        Budget.objects.visible_to(user)
        .filter(year=month.year)
        .select_related("salesperson", "team")
        .order_by("team__name", "salesperson__username", "category", "currency")
    )
    columns = [
        Column(_("Budget of"), lambda u: u.budget.team or u.budget.salesperson, 22),
        Column(_("Category"), lambda u: u.budget.get_category_display() or _("All categories"), 16),
        Column(_("Currency"), lambda u: u.budget.currency, 9),
        Column(_("Budget"), lambda u: u.budget.amount, 14, MONEY_FORMAT),
        # Contextual: the bare "Paid"/"Pending" msgids are translated for receivables and reminders.
        Column(pgettext("expense budget", "Paid"), lambda u: u.paid, 14, MONEY_FORMAT),
        Column(_("Approved"), lambda u: u.approved, 14, MONEY_FORMAT),
        Column(pgettext("expense budget", "Pending"), lambda u: u.pending, 14, MONEY_FORMAT),
        Column(_("Used"), lambda u: u.used, 14, MONEY_FORMAT),
        Column(_("Remaining"), lambda u: u.remaining, 14, MONEY_FORMAT),
        Column(_("Used %"), lambda u: u.percent_shown, 9, PERCENT),
    ]
    return _("Expenses vs budget"), columns, usage_for(budgets)


def complaints_sheet(user: User, month: date):
    from customers.services.complaints import complaint_analysis

    analysis = complaint_analysis(user, month)
    rows = [*analysis.by_category, {"label": _("Total"), "month": analysis.summary["received_month"],
                                    "window": analysis.summary["received_window"]}]  # fmt: skip
    columns = [
        Column(_("Category"), lambda r: r["label"], 18),
        Column(_("This month"), lambda r: r["month"], 12, COUNT),
        Column(_("Last 12 months"), lambda r: r["window"], 14, COUNT),
    ]
    return _("Complaints"), columns, rows


def samples_sheet(user: User, month: date):
    from samples.models import SampleRequest
    from samples.services import conversion_rates, conversion_totals

    first = trailing_months(month)[0]
    samples = SampleRequest.objects.visible_to(user).filter(sent_on__gte=first, sent_on__lte=month_range(month)[1])
    rows = [
        {"label": r["salesperson__display_name"] or r["salesperson__username"], **r}
        for r in conversion_rates(samples, "salesperson").order_by("-sent", "salesperson__username")
    ]
    rows.append({"label": _("Total"), **conversion_totals(samples)})
    columns = [
        Column(_("Salesperson"), lambda r: r["label"], 22),
        Column(_("Samples sent"), lambda r: r["sent"], 12, COUNT),
        Column(_("Converted to orders"), lambda r: r["converted"], 14, COUNT),
        Column(_("Conversion %"), lambda r: round(r["rate"], 1) if r["rate"] is not None else None, 12, PERCENT),
    ]
    return _("Samples conversion"), columns, rows


SHEETS = (orders_sheet, contracts_sheet, aging_sheet, budgets_sheet, complaints_sheet, samples_sheet)


def build_pack(user: User, month: date) -> bytes:
    """The workbook of ``user``'s jurisdiction for ``month`` (write-only; a cover sheet first)."""
    workbook = Workbook(write_only=True)
    first, last = month_range(month)
    cover = [
        {"k": _("Manager"), "v": str(user)},
        {"k": _("Month start"), "v": first},
        {"k": _("Month end"), "v": last},
        {"k": _("Generated"), "v": timezone.now()},
    ]
    write_sheet(
        workbook,
        _("Summary"),
        [Column(_("Monthly report pack"), lambda r: r["k"], 24),
         Column(f"{month:%Y-%m}", lambda r: r["v"], 24, DATE_FORMAT)],
        cover,
    )  # fmt: skip
    for sheet in SHEETS:
        title, columns, rows = sheet(user, month)
        write_sheet(workbook, str(title), columns, rows)
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()


def pack_recipients():
    return User.objects.managers().exclude(email="").order_by("pk")


def send_monthly_reports(*, month: date) -> dict:
    """Email each manager (the GM too) their pack for ``month``, once per manager and month."""
    from core.models import Notice

    label = f"{month:%Y-%m}"
    summary = {"month": label, "managers": 0, "sent": 0, "already_sent": 0}
    failures = []
    for manager in pack_recipients():
        summary["managers"] += 1
        key = f"monthly-pack:{manager.pk}:{label}"
        if Notice.objects.filter(key=key, status=Notice.Status.SENT).exists():
            summary["already_sent"] += 1  # skip building a workbook nobody will receive
            continue
        try:
            with translation.override(manager.language or settings.LANGUAGE_CODE):
                content = build_pack(manager, month)
                context = {"manager": manager, "month_label": label}
                subject = " ".join(render_to_string("reports/email/monthly_pack_subject.txt", context).split())
                body = render_to_string("reports/email/monthly_pack.txt", context)
            message = EmailMessage(subject=subject, body=body, to=[manager.email])
            message.attach(f"backdesk-{label}-{manager.username}.xlsx", content, XLSX)
            sent = send_once(key, message)
        except Exception as error:  # one manager's failure must not stop the others' packs
            logger.exception("monthly pack for %s failed", manager.pk)
            failures.append(error)
            continue
        summary["sent" if sent else "already_sent"] += 1
    if failures:
        raise failures[0]
    return summary


def previous_month(day: date) -> date:
    return add_months(day.replace(day=1), -1)
