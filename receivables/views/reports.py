"""Aging, the customer's receivables page (reminders, pause, statements), statements of account
(page, PDF, Excel, confirmation), the reminder log and month-end reconciliation."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from django.views.generic import TemplateView

from core.background_exports import BackgroundExportMixin
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, xlsx_response
from core.forms import add_error
from core.kept import KeptFiguresMixin
from core.months import month_navigation, month_range, parse_month
from core.pdf import pdf_response
from core.uploads import file_response, safe_filename, validate_upload
from customers.models import Company

from .. import reports
from ..forms import StatementConfirmForm, StatementForm
from ..models import CustomerAccount, DunningPause, Instalment, Invoice, Payment, Reminder, StatementConfirmation
from ..services import chasing
from ..services.invoices import can_invoice
from .common import visible_customer


def _by(request) -> str:
    by = request.GET.get("by", "customer")
    return by if by in reports.GROUPS else "customer"


def _narrowed(request, instalments):
    """One salesperson's or one team's instalments (the dashboard's drill-down): only people the
    user may see; an id outside the jurisdiction is ignored. Returns (instalments, chip, query)."""
    from accounts.scope import visible_salespersons

    people = visible_salespersons(request.user)
    for name in ("salesperson", "team"):
        raw = request.GET.get(name, "")
        if not raw.isdigit():
            continue
        chosen = people.filter(**{"pk" if name == "salesperson" else "team_id": int(raw)})
        label = chosen.values_list("username" if name == "salesperson" else "team__name", flat=True).first()
        if name == "salesperson" and label is not None:
            label = str(chosen.first())
        if label is not None:
            chip = (_("Salesperson") if name == "salesperson" else _("Team"), label)
            return instalments.filter(invoice__salesperson__in=chosen.values("pk")), chip, f"&{name}={int(raw)}"
    return instalments, None, ""


AGING_PER_PAGE = 50


class _AgingGroups:
    """What Paginator needs of the aging groups (their count and one slice), read with
    ``reports.aging_page``: the requested page is fetched with the count, so a valid page number costs
    one statement; an out-of-range one (Paginator falls back to the last page) a second."""

    def __init__(self, instalments, today, by: str, raw_page, keep=lambda compute: compute()):
        self.args = (instalments, today, by)
        number = int(raw_page) if str(raw_page or "").isdigit() and int(raw_page) > 0 else 1
        self.offset = (number - 1) * AGING_PER_PAGE
        self.first = keep(lambda: reports.aging_page(*self.args, self.offset, AGING_PER_PAGE))

    def count(self) -> int:
        return self.first.count

    def __len__(self) -> int:
        return self.first.count

    def __getitem__(self, index: slice) -> list[dict]:
        start, stop = index.start or 0, index.stop
        if start == self.offset:
            return self.first.rows[: stop - start]
        return reports.aging_page(*self.args, start, stop - start).rows


class AgingView(KeptFiguresMixin, LoginRequiredMixin, TemplateView):
    """Open amounts by age, grouped. The requested page of groups and the totals are kept a few
    minutes (core.kept, "as of" on the page): grouping 60,000 open instalments takes 0.3-0.4 s on
    PostgreSQL at scale 100. The invoice, the customer account and the Excel are always fresh."""

    template_name = "receivables/aging.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        by = _by(self.request)
        instalments, chip, narrow_query = _narrowed(self.request, Instalment.objects.visible_to(self.request.user))
        # One statement: the page's groups, their number and the per-currency totals.
        groups = _AgingGroups(instalments, today, by, self.request.GET.get("page"), keep=self.kept)
        page = Paginator(groups, AGING_PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            by=by,
            groups=[(key, reports.GROUP_LABELS[key]) for key in reports.GROUPS],
            group_label=reports.GROUP_LABELS[by],
            buckets=reports.BUCKETS,
            rows=reports.aging_rows(page.object_list, by),
            page_obj=page,
            totals=reports.aging_totals(instalments, today, rows=groups.first.totals),
            today=today,
            base_currency=settings.BASE_CURRENCY,
            narrowed_to=chip,
            narrow_query=narrow_query,
        )
        return context


def aging_columns(by: str) -> list[Column]:
    base = settings.BASE_CURRENCY
    columns = [
        Column(reports.GROUP_LABELS[by], lambda r: r["label"], width=30),
        Column(_("Currency"), lambda r: r["currency"], width=8),
    ]
    for key, label, *_rest in reports.BUCKETS:
        columns.append(Column(str(label), lambda r, key=key: r[key], number_format=MONEY_FORMAT))
    columns.append(Column(_("Total"), lambda r: r["total"], number_format=MONEY_FORMAT))
    for key, label, *_rest in reports.BUCKETS:
        columns.append(Column(f"{label} ({base})", lambda r, key=key: r[f"{key}_base"], number_format=MONEY_FORMAT))
    columns.append(
        Column(_("Total (%(currency)s)") % {"currency": base}, lambda r: r["total_base"], number_format=MONEY_FORMAT)
    )
    return columns


class AgingExportView(LoginRequiredMixin, View):
    def get(self, request):
        today = timezone.localdate()
        by = _by(request)
        instalments, _chip, _query = _narrowed(request, Instalment.objects.visible_to(request.user))
        all_rows = reports.aging(instalments, today, by)
        rows = reports.aging_rows(all_rows, by)
        totals = reports.aging_totals(instalments, today, rows=all_rows)
        total_rows = [{"label": _("Total"), "currency": c["invoice__currency"], **c} for c in totals["currencies"]]
        base_row = {"label": _("Total"), "currency": settings.BASE_CURRENCY, "total": None}
        base_row.update({k: None for k, *_r in reports.BUCKETS})
        base_row.update({f"{k}_base": v for k, v in totals["base"].items() if k != "total"})
        base_row["total_base"] = totals["base"]["total"]
        total_rows.append(base_row)
        return xlsx_response(
            f"aging-{by}-{today.isoformat()}.xlsx",
            [(str(_("Aging")), aging_columns(by), rows), (str(_("Totals")), aging_columns(by), total_rows)],
        )


class CustomerReceivablesView(LoginRequiredMixin, TemplateView):
    """The receivables of one customer: open invoices, pause, statements, every reminder sent."""

    model = CustomerAccount  # the scope its id is looked up in (visible_customer)

    template_name = "receivables/customer.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        customer = visible_customer(user, kwargs["pk"])
        invoices = Invoice.objects.visible_to(user).filter(customer=customer)
        today = timezone.localdate()
        context.update(
            customer=customer,
            open_invoices=invoices.issued().with_open().filter(open_amount__gt=0).order_by("invoice_date", "pk")[:100],
            pause=DunningPause.objects.filter(customer=customer, resumed_at__isnull=True)
            .select_related("paused_by")
            .first(),
            past_pauses=DunningPause.objects.filter(customer=customer, resumed_at__isnull=False).select_related(
                "paused_by", "resumed_by"
            )[:10],
            reminders=Reminder.objects.filter(instalment__invoice__in=invoices)
            .select_related("instalment__invoice__customer")
            .order_by("-day", "instalment__invoice__number")[:200],
            confirmations=StatementConfirmation.objects.filter(customer=customer).select_related("recorded_by"),
            can_pause=can_invoice(user),
            # finance reads every customer's account but opens only the customer files in its scope
            can_open_file=Company.objects.visible_to(user).filter(pk=customer.pk).exists(),
            statement_form=StatementForm(
                initial={"start": today.replace(day=1), "end": today, "currency": customer.currency}
            ),
            today=today,
        )
        context["balances"] = list(
            invoices.issued().with_open().values("currency").annotate(open=Sum("open_amount")).order_by("currency")
        )
        return context


class CustomerPauseView(LoginRequiredMixin, View):
    model = CustomerAccount

    def post(self, request, pk):
        customer = visible_customer(request.user, pk)
        try:
            if request.POST.get("action") == "resume":
                chasing.resume_customer(customer=customer, actor=request.user)
                messages.success(request, _("Chasing of %(customer)s resumed.") % {"customer": customer.display_name})
            else:
                chasing.pause_customer(customer=customer, actor=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("Chasing of %(customer)s paused.") % {"customer": customer.display_name})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("receivables:customer", pk=customer.pk)


def _reminders(request):
    """The reminders the user may see, newest first; ?customer= narrows to one (404 out of scope)."""
    user = request.user
    reminders = Reminder.objects.filter(instalment__in=Instalment.objects.visible_to(user))
    customer = None
    if request.GET.get("customer", "").isdigit():
        customer = visible_customer(user, int(request.GET["customer"]))
        reminders = reminders.filter(instalment__invoice__customer=customer)
    reminders = reminders.select_related("instalment__invoice__customer", "instalment__invoice__salesperson")
    return reminders.order_by("-day", "-pk"), customer


class ReminderListView(LoginRequiredMixin, TemplateView):
    """Every reminder sent, newest first; ?customer= for one customer (linked from its page)."""

    template_name = "receivables/reminder_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reminders, customer = _reminders(self.request)
        page = Paginator(reminders, 50).get_page(self.request.GET.get("page"))
        context.update(page_obj=page, reminders=page.object_list, customer=customer)
        return context


class ReminderExportView(LoginRequiredMixin, BackgroundExportMixin, View):
    """The reminder log as Excel: the same reminders as the page, every page of them."""

    export_title = gettext_lazy("Reminders sent")

    def export_row_count(self, request) -> int:
        return _reminders(request)[0].count()

    def build_export(self, request):
        reminders, _customer = _reminders(request)
        columns = [
            Column(_("Day"), lambda r: r.day, 12, DATE_FORMAT),
            Column(_("Invoice"), lambda r: r.instalment.invoice.number, 18),
            Column(_("Customer code"), lambda r: r.instalment.invoice.customer.code, 12),
            Column(_("Customer"), lambda r: r.instalment.invoice.customer.name, 30),
            Column(_("Salesperson"), lambda r: r.instalment.invoice.salesperson, 16),
            Column(_("Step"), lambda r: r.step, 12),
            Column(_("Days overdue"), lambda r: r.days_overdue, 10, "0"),
            Column(_("Open amount"), lambda r: r.open_amount, 14, MONEY_FORMAT),
            Column(_("Currency"), lambda r: r.instalment.invoice.currency, 9),
            Column(_("Status"), lambda r: r.get_status_display(), 12),
        ]
        filename = f"reminders-{timezone.localdate():%Y%m%d}.xlsx"
        return filename, [(_("Reminders sent"), columns, reminders.iterator(chunk_size=500))]


# --- statement of account ---------------------------------------------------------------------


def _statement_from(request, pk):
    customer = visible_customer(request.user, pk)
    today = timezone.localdate()
    form = StatementForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        start, end, currency = data["start"], data["end"], data["currency"]
    else:
        start, end, currency = today.replace(day=1), today, customer.currency
    return customer, form, reports.statement(customer, currency, start, end)


class StatementView(LoginRequiredMixin, TemplateView):
    model = CustomerAccount

    template_name = "receivables/statement.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer, form, statement = _statement_from(self.request, kwargs["pk"])
        context.update(
            customer=customer,
            form=form
            if form.is_bound
            else StatementForm(
                initial={"start": statement.start, "end": statement.end, "currency": statement.currency}
            ),
            statement=statement,
            query=self.request.GET.urlencode(),
            confirm_form=StatementConfirmForm(initial={"confirmed_on": timezone.localdate()}),
            can_confirm=can_invoice(self.request.user) or self.request.user.is_finance,
        )
        return context


class StatementPdfView(LoginRequiredMixin, View):
    model = CustomerAccount

    def get(self, request, pk):
        customer, _form, statement = _statement_from(request, pk)
        return pdf_response(
            "pdf/statement.html",
            {"statement": statement, "customer": customer, "today": timezone.localdate()},
            filename=f"statement-{customer.code}-{statement.start:%Y%m%d}-{statement.end:%Y%m%d}.pdf",
            request=request,
        )


def statement_columns() -> list[Column]:
    return [
        Column(_("Date"), lambda line: line.day, number_format=DATE_FORMAT),
        Column(pgettext("statement", "Document"), lambda line: line.reference),
        Column(_("Description"), lambda line: line.description, width=30),
        Column(_("Invoiced"), lambda line: line.debit or None, number_format=MONEY_FORMAT),
        Column(pgettext("statement", "Received"), lambda line: line.credit or None, number_format=MONEY_FORMAT),
        Column(_("Balance"), lambda line: line.balance, number_format=MONEY_FORMAT),
    ]


class StatementExcelView(LoginRequiredMixin, View):
    model = CustomerAccount

    def get(self, request, pk):
        from ..reports import StatementLine

        customer, _form, st = _statement_from(request, pk)
        opening = StatementLine(st.start, "", "", _("Opening balance"), balance=st.opening)
        closing = StatementLine(
            st.end, "", "", _("Closing balance"), debit=st.invoiced, credit=st.paid, balance=st.closing
        )
        rows = [opening, *st.lines, closing]
        return xlsx_response(
            f"statement-{customer.code}-{st.start:%Y%m%d}-{st.end:%Y%m%d}.xlsx",
            [(f"{customer.code} {st.currency}", statement_columns(), rows)],
        )


class StatementConfirmView(LoginRequiredMixin, View):
    model = CustomerAccount

    def post(self, request, pk):
        customer, _form, st = _statement_from(request, pk)
        if not (can_invoice(request.user) or request.user.is_finance):
            from django.http import Http404

            raise Http404
        form = StatementConfirmForm(request.POST, request.FILES)
        back = reverse("receivables:statement", args=[customer.pk]) + "?" + request.GET.urlencode()
        if not form.is_valid():
            messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
            return redirect(back)
        scan = form.cleaned_data.get("scan")
        record = StatementConfirmation(
            customer=customer, period_start=st.start, period_end=st.end, currency=st.currency,
            closing_balance=st.closing, confirmed_on=form.cleaned_data["confirmed_on"],
            confirmed_by_name=form.cleaned_data["confirmed_by_name"], recorded_by=request.user,
        )  # fmt: skip
        if scan:
            try:
                content_type = validate_upload(scan)
            except ValidationError as error:
                add_error(form, error)
                messages.error(request, " ".join(error.messages))
                return redirect(back)
            name = safe_filename(scan.name, content_type)
            record.scan_name, record.scan_type = name, content_type
            record.scan.save(name, scan, save=False)
        record.save()
        messages.success(request, _("The customer's confirmation of the statement is recorded."))
        return redirect("receivables:customer", pk=customer.pk)


class StatementScanView(LoginRequiredMixin, View):
    model = StatementConfirmation

    def get(self, request, pk):
        record = get_object_or_404(StatementConfirmation.objects.visible_to(request.user), pk=pk)
        if not record.scan:
            raise Http404
        return file_response(record.scan, filename=record.scan_name, content_type=record.scan_type)


# --- month-end reconciliation -----------------------------------------------------------------


def _month(request) -> tuple[date, date, dict]:
    today = timezone.localdate()
    month = parse_month(request.GET.get("month")) or today.replace(day=1)
    start, end = month_range(month)
    return start, end, {**month_navigation(month, month, today), "month_start": start, "month_end": end}


class ReconciliationView(LoginRequiredMixin, TemplateView):
    template_name = "receivables/reconciliation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        start, end, nav = _month(self.request)
        payments = Payment.objects.visible_to(self.request.user)
        rows = reports.reconciliation(payments, start, end)
        totals: dict[str, dict] = {}
        for row in rows:
            t = totals.setdefault(row["currency"], {"recorded": 0, "confirmed": 0, "difference": 0})
            for key in t:
                t[key] += row[key]
        context.update(
            rows=rows,
            differences=[r for r in rows if r["difference"]],
            totals=sorted(totals.items()),
            unconfirmed=payments.filter(received_on__range=(start, end), status=Payment.Status.RECORDED)
            .select_related("customer", "salesperson")
            .order_by("received_on", "pk")[:200],
            **nav,
        )
        return context


class ReconciliationExportView(LoginRequiredMixin, View):
    def get(self, request):
        start, end, _nav = _month(request)
        rows = reports.reconciliation(Payment.objects.visible_to(request.user), start, end)
        columns = [
            Column(_("Salesperson"), lambda r: r["salesperson"]),
            Column(_("Customer"), lambda r: f"{r['customer__code']} {r['customer__name']}", width=30),
            Column(_("Currency"), lambda r: r["currency"], width=8),
            Column(_("Recorded"), lambda r: r["recorded"], number_format=MONEY_FORMAT),
            Column(_("Confirmed by finance"), lambda r: r["confirmed"], number_format=MONEY_FORMAT),
            Column(_("Difference"), lambda r: r["difference"], number_format=MONEY_FORMAT),
            Column(_("Reversed"), lambda r: r["reversed"], number_format=MONEY_FORMAT),
        ]
        return xlsx_response(f"reconciliation-{start:%Y-%m}.xlsx", [(start.strftime("%Y-%m"), columns, rows)])
