"""Complaints (客户投诉): list, Excel, record, detail with timeline, edit, monthly analysis.

Every queryset starts from ``Complaint.objects.visible_to(user)`` (``ScopedMixin``), so a
complaint outside the user's scope is a 404 on every URL; writes go through
``customers.services.complaints``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DetailView, ListView, TemplateView, UpdateView

from core.exports import DATE_FORMAT, Column, xlsx_response
from core.filters import apply_range, apply_team
from core.forms import add_error
from core.mixins import HtmxTemplateMixin, RoleRequiredMixin, ScopedMixin
from core.months import month_navigation, month_range, parse_month
from core.search import matching_keys
from customers.forms.complaints import ComplaintFilterForm, ComplaintForm, ComplaintUpdateForm
from customers.models import Company, Complaint
from customers.services import complaints as services

SEVERITY_RANK = Case(
    *[When(severity=value, then=Value(rank)) for rank, value in enumerate(Complaint.Severity.values)],
    output_field=IntegerField(),
)
STATUS_RANK = Case(
    *[When(status=value, then=Value(rank)) for rank, value in enumerate(Complaint.Status.values)],
    output_field=IntegerField(),
)
# ?sort=<key> (ascending) or ?sort=-<key>; pk breaks ties so pages are stable.
SORTS = {
    "number": ("pk",),
    "received": ("received_on", "pk"),
    "customer": ("company__code", "pk"),
    "category": ("category", "pk"),
    "severity": ("severity_rank", "pk"),
    "product": ("product", "pk"),
    "status": ("status_rank", "pk"),
    "handler": ("handler__username", "pk"),
    "closed": ("closed_on", "pk"),
}
DEFAULT_SORT = "-received"


def complaint_number(complaint) -> str:
    return f"#{complaint.pk}"


class ComplaintListView(ScopedMixin, HtmxTemplateMixin, ListView):
    """Search, filters, sortable columns, 50 a page; htmx gets just the results."""

    model = Complaint
    template_name = "customers/complaint_list.html"
    fragment_template_name = "customers/_complaint_rows.html"
    paginate_by = 50
    context_object_name = "complaints"

    def get_filter_form(self) -> ComplaintFilterForm:
        if not hasattr(self, "_filter_form"):
            self._filter_form = ComplaintFilterForm(self.request.GET or None, user=self.request.user)
            if self._filter_form.is_bound:
                self._filter_form.is_valid()
        return self._filter_form

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", DEFAULT_SORT)
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def get_queryset(self):
        qs = super().get_queryset().select_related("company", "handler")
        form = self.get_filter_form()
        data = getattr(form, "cleaned_data", {})
        if text := (data.get("q") or "").strip():
            match = (
                Q(company_id__in=matching_keys(Company.objects.search(text)))
                | Q(product__icontains=text)
                | Q(description__icontains=text)
            )
            if text.lstrip("#").isdigit():
                match |= Q(pk=int(text.lstrip("#")))
            qs = qs.filter(match)
        for name in ("category", "severity", "status"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("company"):
            qs = qs.filter(company=data["company"])
        if month := data.get("month"):
            first, last = month_range(month)
            qs = qs.filter(received_on__gte=first, received_on__lte=last)
        qs = apply_range(qs, data, "received_on")
        qs = apply_team(qs, data, "company__owner", self.request.user)
        if data.get("salesperson"):
            qs = qs.filter(company__owner=data["salesperson"])
        sort = self.get_sort()
        order = SORTS[sort.lstrip("-")]
        if sort.startswith("-"):
            order = tuple(f"-{f}" for f in order)
        return qs.annotate(severity_rank=SEVERITY_RANK, status_rank=STATUS_RANK).order_by(*order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        context.update(
            filter_form=form,
            active_filters=form.applied(),
            sort=self.get_sort(),
            is_htmx=bool(self.request.headers.get("HX-Request")),
            can_create=self.request.user.role in services.HANDLER_ROLES or self.request.user.is_superuser,
        )
        return context


class ComplaintExportView(ComplaintListView):
    """The list as Excel: same scope, same filters and order, every page."""

    def get(self, request, *args, **kwargs):
        columns = [
            Column(_("Number"), lambda c: c.pk, 9),
            Column(_("Received on"), lambda c: c.received_on, 12, DATE_FORMAT),
            Column(_("Customer code"), lambda c: c.company.code, 12),
            Column(_("Customer"), lambda c: c.company.name, 30),
            Column(_("Received by"), lambda c: c.get_channel_display(), 10),
            Column(_("Category"), lambda c: c.get_category_display(), 12),
            Column(_("Severity"), lambda c: c.get_severity_display(), 10),
            Column(_("Product"), lambda c: c.product, 24),
            Column(_("Description"), lambda c: c.description, 50),
            Column(_("Handler"), lambda c: c.handler, 16),
            Column(_("Status"), lambda c: c.get_status_display(), 12),
            Column(_("Resolution"), lambda c: c.resolution, 50),
            Column(_("Closed on"), lambda c: c.closed_on, 12, DATE_FORMAT),
            Column(_("Days to close"), lambda c: (c.closed_on - c.received_on).days if c.closed_on else None, 10, "0"),
        ]
        filename = f"complaints-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(filename, [(_("Complaints"), columns, self.get_queryset().iterator(chunk_size=500))])


class ComplaintCreateView(RoleRequiredMixin, CreateView):
    """Record a complaint; ?company=<pk> preselects one of the user's customers."""

    model = Complaint
    form_class = ComplaintForm
    template_name = "customers/complaint_form.html"
    allowed_roles = services.HANDLER_ROLES

    def get_company(self) -> Company | None:
        if not hasattr(self, "_company"):
            pk = self.request.GET.get("company")
            if pk and not pk.isdigit():
                raise Http404
            self._company = (
                get_object_or_404(Company.objects.visible_to(self.request.user).customers(), pk=pk) if pk else None
            )
        return self._company

    def get_initial(self):
        initial = {"received_on": timezone.localdate(), "company": self.get_company()}
        if self.request.user.role in services.HANDLER_ROLES:
            initial["handler"] = self.request.user
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self.object = services.complaint_create(
                actor=self.request.user,
                company=data["company"],
                received_on=data["received_on"],
                channel=data["channel"],
                category=data["category"],
                severity=data["severity"],
                product=data["product"],
                description=data["description"],
                handler=data["handler"],
            )
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Complaint %(number)s from %(company)s recorded.")
            % {"number": complaint_number(self.object), "company": self.object.company.display_name},
        )
        return redirect(self.object)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "company": self.get_company()}


class ComplaintDetailView(ScopedMixin, DetailView):
    """Header with number, status and the actions allowed now; fields; timeline."""

    model = Complaint
    template_name = "customers/complaint_detail.html"
    context_object_name = "complaint"

    def get_queryset(self):
        return super().get_queryset().select_related("company", "company__owner", "handler", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        complaint = self.object
        labels = {
            Complaint.Status.IN_PROGRESS: _("Start handling"),
            Complaint.Status.RESOLVED: _("Mark resolved"),
            Complaint.Status.CLOSED: _("Close"),
        }
        actions = []
        for status in services.allowed_statuses(complaint.status):
            reopen = status == Complaint.Status.IN_PROGRESS and complaint.status in services.NEEDS_RESOLUTION
            actions.append(
                {"status": status, "label": _("Reopen") if reopen else labels[status], "primary": not reopen}
            )
        context.update(
            actions=actions,
            timeline=services.complaint_timeline(complaint),
            days_open=((complaint.closed_on or timezone.localdate()) - complaint.received_on).days,
        )
        return context


class ComplaintUpdateView(ScopedMixin, UpdateView):
    """Edit and move along the flow; ?status=<next> preselects the step (from the header buttons)."""

    model = Complaint
    form_class = ComplaintUpdateForm
    template_name = "customers/complaint_form.html"
    context_object_name = "complaint"

    def get_queryset(self):
        return super().get_queryset().select_related("company", "handler")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = super().get_initial()
        status = self.request.GET.get("status")
        if status in services.allowed_statuses(self.object.status):
            initial["status"] = status
            if status == Complaint.Status.CLOSED and not self.object.closed_on:
                initial["closed_on"] = timezone.localdate()
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        before = Complaint.objects.values_list("status", flat=True).get(pk=self.object.pk)
        try:
            self.object = services.complaint_update(
                complaint=self.object,
                actor=self.request.user,
                received_on=data["received_on"],
                channel=data["channel"],
                category=data["category"],
                severity=data["severity"],
                product=data["product"],
                description=data["description"],
                handler=data["handler"],
                status=data["status"],
                resolution=data["resolution"],
                closed_on=data["closed_on"],
            )
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        if before != self.object.status:
            message = _("Complaint %(number)s is now %(status)s.") % {
                "number": complaint_number(self.object),
                "status": self.object.get_status_display().lower(),
            }
        else:
            message = _("Complaint %(number)s saved.") % {"number": complaint_number(self.object)}
        messages.success(self.request, message)
        return redirect(self.object)


class ComplaintAnalysisMixin(ScopedMixin):
    model = Complaint

    def get_month(self):
        month = parse_month(self.request.GET.get("month"))
        return month or timezone.localdate().replace(day=1)

    def get_analysis(self) -> services.ComplaintAnalysis:
        return services.complaint_analysis(self.request.user, self.get_month())


class ComplaintAnalysisView(ComplaintAnalysisMixin, TemplateView):
    """Monthly complaint analysis: the month and the 12 months ending with it."""

    template_name = "customers/complaint_analysis.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        analysis = self.get_analysis()
        month = analysis.month
        context.update(
            analysis=analysis,
            month=month,
            **month_navigation(month, analysis.months[0], timezone.localdate()),
        )
        return context


class ComplaintAnalysisExportView(ComplaintAnalysisMixin, TemplateView):
    """The analysis as one workbook: By category / By customer / By product / By month."""

    def get(self, request, *args, **kwargs):
        analysis = self.get_analysis()
        month_label = f"{analysis.month:%Y-%m}"
        window_label = _("12 months to %(month)s") % {"month": month_label}
        count_columns = [
            Column(month_label, lambda r: r["month"], 12, "0"),
            Column(window_label, lambda r: r["window"], 18, "0"),
        ]
        sheets = [
            (
                _("By category"),
                [Column(_("Category"), lambda r: r["label"], 16), *count_columns],
                analysis.by_category,
            ),
            (
                _("By customer"),
                [
                    Column(_("Customer code"), lambda r: r["company__code"], 14),
                    Column(_("Customer"), lambda r: r["company__name"], 32),
                    *count_columns,
                ],
                analysis.by_customer,
            ),
            (_("By product"), [Column(_("Product"), lambda r: r["label"], 32), *count_columns], analysis.by_product),
            (
                _("By month"),
                [
                    Column(_("Month"), lambda r: f"{r['month']:%Y-%m}", 10),
                    *[
                        Column(label, lambda r, i=index: r["cells"][i], 12, "0")
                        for index, (_key, label) in enumerate(analysis.categories)
                    ],
                    Column(_("Total"), lambda r: r["total"], 10, "0"),
                    Column(_("Average days to close"), lambda r: r["avg_days"], 14, "0.0"),
                ],
                analysis.by_month,
            ),
        ]
        return xlsx_response(f"complaint-analysis-{month_label}.xlsx", sheets)
