"""Production follow-up and abnormal orders (异常订单).

Every object is fetched through ``visible_to(user)`` (``ScopedMixin``): an order or abnormal
order outside the user's scope is a 404 on every URL, the PDF and the Excel download included.
Writes go through ``orders.services.production``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView, UpdateView
from django.views.generic.detail import SingleObjectMixin

from core.background_exports import BackgroundExportMixin
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, xlsx_response
from core.filters import apply_range, apply_team
from core.forms import add_error
from core.kept import KeptFiguresMixin
from core.mixins import HtmxTemplateMixin, ScopedMixin
from core.months import month_navigation, month_range, parse_month
from core.pdf import pdf_response
from core.search import matching_keys
from orders.forms.production import AbnormalFilterForm, AbnormalForm, MilestonePlanForm, QualityCheckForm
from orders.models import AbnormalOrder, Order, QualityCheck
from orders.services import production as services


def production_url(order: Order) -> str:
    return order.get_absolute_url() + "#production"


class OrderFormView(ScopedMixin, SingleObjectMixin, FormView):
    """A form about one order: the order comes through ``Order.objects.visible_to(user)``."""

    model = Order
    context_object_name = "order"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()  # outside scope: 404
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "salesperson")


class MilestoneEditView(OrderFormView):
    """The five milestones of an order, planned and actual dates edited together."""

    template_name = "orders/milestone_form.html"
    form_class = MilestonePlanForm

    def get(self, request, *args, **kwargs):
        if self.object.status not in services.MILESTONE_STATUSES:
            messages.error(
                request,
                _("Milestones can be planned only while the order is confirmed, in production or ready to ship."),
            )
            return redirect(production_url(self.object))
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "order": self.object}

    def form_valid(self, form):
        try:
            warnings = services.milestones_save(order=self.object, actor=self.request.user, rows=form.milestone_rows())
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Milestones of order %(number)s saved.") % {"number": self.object.number})
        for warning in warnings:
            messages.warning(self.request, warning)
        return redirect(production_url(self.object))

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        context = super().get_context_data(**kwargs)
        context.update(today=today, rows=services.milestone_rows(self.object, today))
        return context


class QualityCheckCreateView(OrderFormView):
    """Record the QC checklist; a failed check can lead straight to an abnormal order (quality)."""

    template_name = "orders/qc_form.html"
    form_class = QualityCheckForm

    def get_initial(self):
        return {"checked_on": timezone.localdate()}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            check = services.quality_check_create(
                order=self.object,
                actor=self.request.user,
                checked_on=data["checked_on"],
                results={item: data[item] for item in QualityCheck.ITEMS},
                note=data["note"],
            )
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        if check.passed:
            messages.success(self.request, _("Quality check of %(number)s passed.") % {"number": self.object.number})
            return redirect(production_url(self.object))
        failed = services.failed_items(check)
        messages.warning(
            self.request,
            _("Quality check of %(number)s failed: %(items)s.")
            % {"number": self.object.number, "items": ", ".join(failed)},
        )
        if data.get("open_abnormal"):
            query = urlencode({"kind": AbnormalOrder.Kind.QUALITY, "qc": check.pk})
            return redirect(reverse("orders:abnormal-create", args=[self.object.pk]) + "?" + query)
        return redirect(production_url(self.object))


class ProductionNoticePdfView(ScopedMixin, SingleObjectMixin, TemplateView):
    """生产通知单 for the factory: products, quantities, dates and QC requirements, no prices."""

    model = Order

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "factory", "salesperson")

    def get(self, request, *args, **kwargs):
        order = self.get_object()
        today = timezone.localdate()
        milestones = services.milestone_rows(order, today)
        # Chinese first, English beside it, whatever the user's language: the factory reads Chinese.
        with translation.override("en"):
            for m in milestones:
                m.update(label_zh=services.MILESTONE_ZH[m["kind"]], label_en=str(m["label"]))
            qc_items = [(item, services.QC_ZH[item], label) for item, label in services.qc_item_labels()]
        context = {
            "order": order,
            "lines": list(order.lines.select_related("product")),
            "milestones": milestones,
            "qc_items": qc_items,
            "today": today,
        }
        return pdf_response(
            "pdf/production_notice.html", context, filename=f"production-notice-{order.number}.pdf", request=request
        )


class AbnormalCreateView(OrderFormView):
    """Record an abnormal order; ?kind= preselects the kind, ?qc=<pk> takes the failed items as the cause."""

    template_name = "orders/abnormal_form.html"
    form_class = AbnormalForm

    def get_initial(self):
        initial = {"reported_on": timezone.localdate(), "currency": self.object.currency}
        if self.request.GET.get("kind") in AbnormalOrder.Kind.values:
            initial["kind"] = self.request.GET["kind"]
        qc = self.request.GET.get("qc")
        if qc and qc.isdigit():
            check = QualityCheck.objects.visible_to(self.request.user).filter(order=self.object, pk=qc).first()
            if check is not None and not check.passed:
                initial["cause"] = _("Quality check of %(date)s failed: %(items)s.") % {
                    "date": f"{check.checked_on:%Y-%m-%d}",
                    "items": ", ".join(services.failed_items(check)),
                }
                if check.note:
                    initial["cause"] += "\n" + check.note
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.abnormal_create(
                order=self.object,
                actor=self.request.user,
                kind=data["kind"],
                reported_on=data["reported_on"],
                cause=data["cause"],
                action=data["action"],
                cost=data["cost"],
                currency=data["currency"],
                resolved_on=data["resolved_on"],
            )
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Abnormal order of %(number)s recorded.") % {"number": self.object.number})
        return redirect(production_url(self.object))


class AbnormalUpdateView(ScopedMixin, UpdateView):
    model = AbnormalOrder
    form_class = AbnormalForm
    template_name = "orders/abnormal_form.html"
    context_object_name = "abnormal"

    def get_queryset(self):
        return super().get_queryset().select_related("order", "order__customer")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "order": self.object.order}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self.object = services.abnormal_update(
                abnormal=self.object,
                actor=self.request.user,
                kind=data["kind"],
                reported_on=data["reported_on"],
                cause=data["cause"],
                action=data["action"],
                cost=data["cost"],
                currency=data["currency"],
                resolved_on=data["resolved_on"],
            )
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Abnormal order of %(number)s saved.") % {"number": self.object.order.number})
        next_url = self.request.POST.get("next", "")
        if next_url == "list":
            return redirect("orders:abnormal-list")
        return redirect(production_url(self.object.order))


KIND_RANK = Case(
    *[When(kind=value, then=Value(rank)) for rank, value in enumerate(AbnormalOrder.Kind.values)],
    output_field=IntegerField(),
)
SORTS = {
    "reported": ("reported_on", "pk"),
    "order": ("order__number", "pk"),
    "customer": ("order__customer__code", "pk"),
    "salesperson": ("order__salesperson__username", "pk"),
    "kind": ("kind_rank", "pk"),
    "cost": ("currency", "cost", "pk"),
    "resolved": ("resolved_on", "pk"),
}
DEFAULT_SORT = "-reported"


class AbnormalListView(ScopedMixin, HtmxTemplateMixin, ListView):
    """Abnormal orders in scope: search, filters, sortable columns, 50 a page; htmx gets the rows."""

    model = AbnormalOrder
    template_name = "orders/abnormal_list.html"
    fragment_template_name = "orders/_abnormal_rows.html"
    paginate_by = 50
    context_object_name = "abnormalities"

    def get_filter_form(self) -> AbnormalFilterForm:
        if not hasattr(self, "_filter_form"):
            self._filter_form = AbnormalFilterForm(self.request.GET or None, user=self.request.user)
            if self._filter_form.is_bound:
                self._filter_form.is_valid()
        return self._filter_form

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", DEFAULT_SORT)
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def get_queryset(self):
        qs = super().get_queryset().select_related("order", "order__customer", "order__salesperson", "reported_by")
        data = getattr(self.get_filter_form(), "cleaned_data", {})
        if text := (data.get("q") or "").strip():
            qs = qs.filter(order_id__in=matching_keys(Order.objects.search(text)))
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("salesperson"):
            qs = qs.filter(order__salesperson=data["salesperson"])
        if data.get("status") == "open":
            qs = qs.filter(resolved_on__isnull=True)
        elif data.get("status") == "resolved":
            qs = qs.filter(resolved_on__isnull=False)
        if month := data.get("month"):
            first, last = month_range(month)
            qs = qs.filter(reported_on__gte=first, reported_on__lte=last)
        qs = apply_range(qs, data, "reported_on")
        qs = apply_team(qs, data, "order__salesperson", self.request.user)
        sort = self.get_sort()
        order = SORTS[sort.lstrip("-")]
        if sort.startswith("-"):
            order = tuple(f"-{f}" for f in order)
        return qs.annotate(kind_rank=KIND_RANK).order_by(*order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        context.update(
            filter_form=form,
            active_filters=form.applied(),
            sort=self.get_sort(),
            is_htmx=bool(self.request.headers.get("HX-Request")),
            today=timezone.localdate(),
        )
        return context


class AbnormalExportView(BackgroundExportMixin, AbnormalListView):
    """The list as Excel: same scope, filters (date range and team included) and order, every page."""

    export_title = gettext_lazy("Abnormal orders")

    def export_row_count(self, request) -> int:
        return self.get_queryset().count()

    def build_export(self, request):
        columns = [
            Column(_("Reported on"), lambda a: a.reported_on, 12, DATE_FORMAT),
            Column(_("Order"), lambda a: a.order.number, 16),
            Column(_("Customer PO"), lambda a: a.order.customer_po, 16),
            Column(_("Customer code"), lambda a: a.order.customer.code, 12),
            Column(_("Customer"), lambda a: a.order.customer.name, 30),
            Column(_("Salesperson"), lambda a: a.order.salesperson, 16),
            Column(_("Kind"), lambda a: a.get_kind_display(), 16),
            Column(_("Cause"), lambda a: a.cause, 40),
            Column(_("Action taken"), lambda a: a.action, 40),
            Column(_("Cost"), lambda a: a.cost, 14, MONEY_FORMAT),
            Column(_("Currency"), lambda a: a.currency, 9),
            Column(_("Resolved on"), lambda a: a.resolved_on, 12, DATE_FORMAT),
            Column(_("Reported by"), lambda a: a.reported_by, 16),
        ]
        filename = f"abnormal-orders-{timezone.localdate():%Y%m%d}.xlsx"
        return filename, [(_("Abnormal orders"), columns, self.get_queryset().iterator(chunk_size=500))]


class AbnormalStatisticsMixin(ScopedMixin):
    model = AbnormalOrder

    def get_month(self):
        month = parse_month(self.request.GET.get("month"))
        return month or timezone.localdate().replace(day=1)

    def get_statistics(self) -> services.AbnormalStatistics:
        return services.abnormal_statistics(self.request.user, self.get_month())


class AbnormalStatisticsView(KeptFiguresMixin, AbnormalStatisticsMixin, TemplateView):
    """Monthly statistics for improvement: the month and the 12 months before it."""

    template_name = "orders/abnormal_statistics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stats = self.kept(self.get_statistics)
        month = stats.month
        context.update(
            stats=stats,
            month=month,
            **month_navigation(month, stats.months[0], timezone.localdate()),
        )
        return context


class AbnormalStatisticsExportView(AbnormalStatisticsMixin, TemplateView):
    """The statistics as one workbook: By kind / By customer / By salesperson / By month."""

    def get(self, request, *args, **kwargs):
        stats = self.get_statistics()
        month_label = f"{stats.month:%Y-%m}"
        window_label = _("13 months to %(month)s") % {"month": month_label}
        figure_columns = [
            Column(_("Count %(month)s") % {"month": month_label}, lambda r: r["month"], 12, "0"),
            Column(_("Count, %(window)s") % {"window": window_label}, lambda r: r["window"], 16, "0"),
        ]
        for currency in stats.currencies:
            figure_columns += [
                Column(
                    _("Cost %(currency)s %(month)s") % {"currency": currency, "month": month_label},
                    lambda r, c=currency: r["cost_month"].get(c, 0),
                    16,
                    MONEY_FORMAT,
                ),
                Column(
                    _("Cost %(currency)s, %(window)s") % {"currency": currency, "window": window_label},
                    lambda r, c=currency: r["cost_window"].get(c, 0),
                    18,
                    MONEY_FORMAT,
                ),
            ]
        month_columns = [
            Column(_("Month"), lambda r: f"{r['month']:%Y-%m}", 10),
            *[
                Column(str(label), lambda r, i=index: r["cells"][i], 12, "0")
                for index, (_key, label) in enumerate(stats.kinds)
            ],
            Column(_("Total"), lambda r: r["total"], 10, "0"),
            *[
                Column(_("Cost %(currency)s") % {"currency": c}, lambda r, c=c: r["cost"].get(c, 0), 14, MONEY_FORMAT)
                for c in stats.currencies
            ],
        ]
        sheets = [
            (_("By kind"), [Column(_("Kind"), lambda r: str(r["label"]), 16), *figure_columns], stats.by_kind),
            (
                _("By customer"),
                [
                    Column(_("Customer code"), lambda r: r["code"], 14),
                    Column(_("Customer"), lambda r: r["name"], 32),
                    *figure_columns,
                ],
                stats.by_customer,
            ),
            (
                _("By salesperson"),
                [Column(_("Salesperson"), lambda r: r["name"], 20), *figure_columns],
                stats.by_salesperson,
            ),
            (_("By month"), month_columns, stats.by_month),
        ]
        return xlsx_response(f"abnormal-orders-{month_label}.xlsx", sheets)
