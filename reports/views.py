"""Weekly reports (周报): list with who is missing, draft/edit/submit, detail with timeline; the funnel.

Every report is fetched through ``WeeklyReport.objects.visible_to(user)`` (ScopedMixin), so a
report outside the user's scope is a 404 on every URL; writes go through reports.services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from accounts.scope import visible_salespersons
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, xlsx_response
from core.forms import add_error
from core.mixins import HtmxTemplateMixin, ScopedMixin

from . import services
from .api import missing_queryset
from .forms import OpportunityFormSet, ReportFilterForm, WeeklyReportForm, opportunity_initial
from .funnel import funnel_table
from .models import Opportunity, Stage, WeeklyReport, last_due_week, parse_week, week_deadline, week_label

SORTS = {
    "week": ("week", "salesperson__username"),
    "salesperson": ("salesperson__display_name", "salesperson__username", "-week"),
    "status": ("status", "-week"),
    "submitted": ("submitted_at", "pk"),
}
DEFAULT_SORT = "-week"


class WeeklyReportListView(ScopedMixin, HtmxTemplateMixin, ListView):
    model = WeeklyReport
    template_name = "reports/report_list.html"
    fragment_template_name = "reports/_report_rows.html"
    paginate_by = 50
    context_object_name = "reports"

    def get_filter_form(self) -> ReportFilterForm:
        if not hasattr(self, "_filter_form"):
            self._filter_form = ReportFilterForm(self.request.GET or None, user=self.request.user)
            if self._filter_form.is_bound:
                self._filter_form.is_valid()
        return self._filter_form

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", DEFAULT_SORT)
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def get_queryset(self):
        qs = super().get_queryset().select_related("salesperson", "salesperson__team")
        data = getattr(self.get_filter_form(), "cleaned_data", {}) or {}
        if data.get("week"):
            qs = qs.filter(week=data["week"])
        if data.get("salesperson"):
            qs = qs.filter(salesperson=data["salesperson"])
        if data.get("status") == "late":
            qs = qs.filter(is_late=True)
        elif data.get("status"):
            qs = qs.filter(status=data["status"])
        sort = self.get_sort()
        order = SORTS[sort.lstrip("-")]
        if sort.startswith("-"):
            order = tuple(f"-{f}" if not f.startswith("-") else f[1:] for f in order)
        return qs.order_by(*order, "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        user = self.request.user
        due_week = last_due_week(timezone.now())
        context.update(
            filter_form=form,
            active_filters=form.applied(),
            sort=self.get_sort(),
            is_htmx=bool(self.request.headers.get("HX-Request")),
            can_create=services.writable_salespersons(user).exists(),
            due_week=due_week,
            due_week_label=week_label(due_week),
            due_deadline=week_deadline(due_week),
            missing=list(missing_queryset(user, due_week)[:50]),
            show_missing=user.role in ("assistant", "manager") or user.is_gm or user.is_superuser,
            now=timezone.now(),
        )
        return context


class WeeklyReportExportView(WeeklyReportListView):
    """The list as Excel: same scope, filters and order, every page."""

    def get(self, request, *args, **kwargs):
        columns = [
            Column(_("Week"), lambda r: r.week_label, 10),
            Column(pgettext("week", "From"), lambda r: r.week, 12, DATE_FORMAT),
            Column(_("Salesperson"), lambda r: r.salesperson, 20),
            Column(_("Team"), lambda r: r.salesperson.team, 16),
            Column(_("Status"), lambda r: r.get_status_display(), 10),
            Column(_("Late"), lambda r: r.is_late, 6),
            Column(_("Submitted"), lambda r: r.submitted_at, 18, "yyyy-mm-dd hh:mm"),
            Column(_("Customer visits"), lambda r: r.visit_count, 10, "0"),
            Column(_("Visits"), lambda r: r.visits, 40),
            Column(_("Orders"), lambda r: r.orders, 40),
            Column(_("Problems"), lambda r: r.problems, 40),
            Column(_("Next week's plan"), lambda r: r.next_week_plan, 40),
        ]
        rows = self.get_queryset().iterator(chunk_size=500)
        return xlsx_response(
            f"weekly-reports-{timezone.localdate():%Y%m%d}.xlsx", [(_("Weekly reports"), columns, rows)]
        )


class WeeklyReportFormMixin:
    template_name = "reports/report_form.html"

    def forms(self, report: WeeklyReport | None, salesperson_id=None):
        user = self.request.user
        data = self.request.POST if self.request.method == "POST" else None
        if report is None:
            initial = {
                "week": services.default_week(timezone.localdate()),
                "salesperson": user.pk if user.role == "salesperson" else None,
            }
            if week := parse_week(self.request.GET.get("week")):
                initial["week"] = week
            if (pk := self.request.GET.get("salesperson", "")).isdigit():
                initial["salesperson"] = int(pk)
            form = WeeklyReportForm(data, user=user, initial=initial)
            if data is not None and (pk := data.get("salesperson", "")).isdigit():
                salesperson_id = int(pk)
            elif salesperson_id is None and initial["salesperson"]:
                salesperson_id = initial["salesperson"]
            formset = OpportunityFormSet(data, user=user, salesperson_id=salesperson_id, prefix="opp")
        else:
            form = WeeklyReportForm(data, user=user, instance=report)
            lines = Opportunity.objects.visible_to(user).filter(report=report).order_by("pk")
            formset = OpportunityFormSet(
                data, user=user, salesperson_id=report.salesperson_id, prefix="opp",
                initial=None if data is not None else opportunity_initial(lines),
            )  # fmt: skip
        return form, formset

    def render_form(self, form, formset, report=None):
        from django.shortcuts import render

        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "formset": formset,
                "report": report,
                "user_is_salesperson": self.request.user.role == "salesperson",
            },
        )


class WeeklyReportCreateView(LoginRequiredMixin, WeeklyReportFormMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.writable_salespersons(request.user).exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        user = request.user
        salesperson = request.GET.get("salesperson", "")
        week = parse_week(request.GET.get("week"))
        if salesperson.isdigit() and week:
            existing = WeeklyReport.objects.visible_to(user).filter(salesperson_id=int(salesperson), week=week).first()
            if existing:
                return redirect(existing)
        return self.render_form(*self.forms(None))

    def post(self, request):
        form, formset = self.forms(None)
        if not (form.is_valid() and formset.is_valid()):
            return self.render_form(form, formset)
        data = form.cleaned_data
        try:
            report = services.weekly_report_create(
                salesperson=data["salesperson"],
                week=data["week"],
                actor=request.user,
                opportunities=formset.lines(),
                **{k: data.get(k) for k in services.REPORT_FIELDS},
            )
        except ValidationError as error:
            add_error(form, error)
            return self.render_form(form, formset)
        messages.success(request, _("Weekly report %(week)s saved as a draft.") % {"week": report.week_label})
        return redirect(report)


class WeeklyReportUpdateView(ScopedMixin, WeeklyReportFormMixin, DetailView):
    model = WeeklyReport

    def get_report(self) -> WeeklyReport:
        report = self.get_object()
        if not services.can_edit(report, self.request.user):
            raise Http404
        return report

    def get(self, request, *args, **kwargs):
        report = self.get_report()
        return self.render_form(*self.forms(report), report=report)

    def post(self, request, *args, **kwargs):
        report = self.get_report()
        form, formset = self.forms(report)
        if not (form.is_valid() and formset.is_valid()):
            return self.render_form(form, formset, report=report)
        try:
            services.weekly_report_update(
                report=report,
                actor=request.user,
                opportunities=formset.lines(),
                replace=formset.replaced_ids(),
                **{k: form.cleaned_data.get(k) for k in services.REPORT_FIELDS},
            )
        except ValidationError as error:
            add_error(form, error)
            return self.render_form(form, formset, report=report)
        messages.success(request, _("Weekly report %(week)s saved.") % {"week": report.week_label})
        return redirect(report)


class WeeklyReportSubmitView(ScopedMixin, DetailView):
    model = WeeklyReport
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        report = self.get_object()
        try:
            report = services.weekly_report_submit(report=report, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(report)
        if report.is_late:
            messages.warning(request, _("Weekly report %(week)s submitted late.") % {"week": report.week_label})
        else:
            messages.success(request, _("Weekly report %(week)s submitted.") % {"week": report.week_label})
        return redirect(report)


class WeeklyReportDetailView(ScopedMixin, DetailView):
    model = WeeklyReport
    template_name = "reports/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        return super().get_queryset().select_related("salesperson", "salesperson__team", "created_by", "submitted_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        lines = list(
            Opportunity.objects.visible_to(user).filter(report=report).select_related("customer").order_by("pk")
        )
        totals: dict = {}
        for line in lines:
            cell = totals.setdefault(line.currency, {"amount": 0, "weighted": 0})
            cell["amount"] += line.amount
            cell["weighted"] += line.weighted
        context.update(
            opportunities=lines,
            totals=dict(sorted(totals.items())),
            hidden_lines=report.opportunities.count() - len(lines) if user.role == "assistant" else 0,
            events=report.events.select_related("actor"),
            can_edit=services.can_edit(report, user),
            can_submit=services.can_submit(report, user),
            overdue=not report.is_submitted and timezone.now() > report.deadline,
        )
        return context


class FunnelMixin:
    def get_salesperson_ids(self) -> list[int] | None:
        raw = self.request.GET.get("salesperson", "")
        return [int(raw)] if raw.isdigit() else None


class FunnelView(LoginRequiredMixin, FunnelMixin, TemplateView):
    template_name = "reports/funnel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        ids = self.get_salesperson_ids()
        table = funnel_table(user, salesperson_ids=ids)
        context.update(
            table=table,
            stage_choices=Stage.choices,
            salespersons=visible_salespersons(user).order_by("display_name", "username"),
            selected=ids[0] if ids else None,
            show_teams=user.role == "manager" or user.is_gm or user.is_superuser,
        )
        return context


def funnel_sheets(table) -> list:
    stage_labels = dict(Stage.choices)
    money = MONEY_FORMAT
    stage_rows = [
        {"label": row["label"], "count": row["count"], "currency": currency, "amount": amount,
         "weighted": row["weighted"].get(currency)}
        for row in table.stages
        for currency, amount in (row["amount"].items() or [("", None)])
    ]  # fmt: skip
    stage_columns = [
        Column(_("Stage"), lambda r: r["label"], 16),
        Column(_("Opportunities"), lambda r: r["count"], 12, "0"),
        Column(_("Currency"), lambda r: r["currency"], 9),
        Column(_("Amount"), lambda r: r["amount"], 16, money),
        Column(_("Weighted amount"), lambda r: r["weighted"] if r["currency"] else None, 16, money),
    ]

    def group_rows(groups):
        for group in groups:
            for row in group.rows():
                for code, (count, amount) in zip(Stage.values, row["stages"], strict=True):
                    if count:
                        yield {"group": group.label, "week": getattr(group, "week", None), "stage": stage_labels[code],
                               "currency": row["currency"], "count": count, "amount": amount}  # fmt: skip

    def weighted_rows(groups):
        for group in groups:
            for row in group.rows():
                yield {"group": group.label, "currency": row["currency"], "count": group.count,
                       "amount": row["amount"], "weighted": row["weighted"]}  # fmt: skip

    detail_columns = lambda label: [  # noqa: E731
        Column(label, lambda r: r["group"], 22),
        Column(_("Stage"), lambda r: r["stage"], 14),
        Column(_("Currency"), lambda r: r["currency"], 9),
        Column(_("Opportunities"), lambda r: r["count"], 12, "0"),
        Column(_("Amount"), lambda r: r["amount"], 16, money),
    ]
    total_columns = lambda label: [  # noqa: E731
        Column(label, lambda r: r["group"], 22),
        Column(_("Currency"), lambda r: r["currency"], 9),
        Column(_("Amount"), lambda r: r["amount"], 16, money),
        Column(_("Weighted amount"), lambda r: r["weighted"], 16, money),
    ]
    return [
        (_("Funnel"), stage_columns, stage_rows),
        (_("By salesperson"), detail_columns(_("Salesperson")), list(group_rows(table.by_salesperson))),
        (_("Salesperson totals"), total_columns(_("Salesperson")), list(weighted_rows(table.by_salesperson))),
        (_("By team"), detail_columns(_("Team")), list(group_rows(table.by_team))),
        (_("Team totals"), total_columns(_("Team")), list(weighted_rows(table.by_team))),
    ]


class FunnelExportView(LoginRequiredMixin, FunnelMixin, View):
    def get(self, request):
        table = funnel_table(request.user, salesperson_ids=self.get_salesperson_ids())
        return xlsx_response(f"funnel-{timezone.localdate():%Y%m%d}.xlsx", funnel_sheets(table))
