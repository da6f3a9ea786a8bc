"""Sales orders: list with filters and Excel, two-step order form, detail, edit, status moves, statistics.

Every order is fetched through ``Order.objects.visible_to(user)`` (``ScopedMixin``), so an
order outside the user's scope is a 404 on every URL; writes go through
``orders.services.orders``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from core.background_exports import BackgroundExportMixin
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, choice_labels, xlsx_response
from core.filters import apply_range, apply_team
from core.forms import add_error as add_service_error
from core.kept import KeptFiguresMixin
from core.mixins import HtmxTemplateMixin, ScopedMixin
from core.months import add_months, month_navigation, parse_month
from core.pagination import DeferredJoinPaginator
from orders.forms.orders import OrderFilterForm, OrderHeaderForm, SalespersonForm, TransitionForm, line_formset
from orders.models import (
    Order,
    OrderEvent,
    Shipment,
    ShipmentLine,
)
from orders.services import orders as services
from orders.services.production import production_panel_context

# ?sort=<key> or ?sort=-<key>; pk breaks ties so pages are stable. The default walks the
# (…, -received_on) indexes.
SORTS = {
    "number": ("number",),
    "received": ("received_on", "pk"),
    "customer": ("customer__code", "pk"),
    "po": ("customer_po", "pk"),
    "salesperson": ("salesperson__username", "pk"),
    "status": ("status", "pk"),
    "delivery": ("confirmed_delivery", "pk"),
    "total": ("total", "pk"),
}
DEFAULT_SORT = "-received"
DESTRUCTIVE = {Order.Status.CANCELLED}


def add_error(form, error: ValidationError) -> None:
    """As core.forms.add_error; the order form asks for the quotation by its number."""
    add_service_error(form, error, renames={"quotation": "quotation_number"})


def can_act(user) -> bool:
    return bool(user.is_superuser or user.role)


def filtered_orders(request):
    """The list's queryset with its filters and sort, shared by the page and its Excel."""
    user = request.user
    form = OrderFilterForm(request.GET or None, user=user)
    queryset = Order.objects.visible_to(user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        text = (data["q"] or "").strip()
        if text:
            queryset = queryset.search(text)
        status = data["status"]
        if status == "open":
            queryset = services.open_orders(queryset)
        elif status:
            queryset = queryset.filter(status=status)
        if data["salesperson"]:
            queryset = queryset.filter(salesperson=data["salesperson"])
        if data["customer"]:
            queryset = queryset.filter(customer=data["customer"])
        if data["month"]:
            queryset = queryset.filter(received_on__gte=data["month"], received_on__lt=add_months(data["month"], 1))
        queryset = apply_range(queryset, data, "received_on")
        queryset = apply_team(queryset, data, "salesperson", user)
        if data["late"]:
            queryset = services.late_orders(queryset, timezone.localdate())
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.lstrip("-") not in SORTS:
        sort = DEFAULT_SORT
    fields = SORTS[sort.lstrip("-")]
    ordering = [f"-{f}" for f in fields] if sort.startswith("-") else list(fields)
    return form, queryset.order_by(*ordering), sort


def applied_filters(form) -> list[tuple[str, str]]:
    if not form.is_bound or not form.is_valid():
        return []
    applied = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", False):
            continue
        field = form.fields[name]
        if name == "month":
            shown = f"{value:%Y-%m}"
        elif name == "late":
            shown = _("yes")
        elif hasattr(field, "queryset"):
            shown = field.label_from_instance(value)
        elif hasattr(field, "choices"):
            shown = dict(field.choices).get(value, value)
        else:
            shown = value
        applied.append((field.label, str(shown)))
    return applied


class OrderListView(LoginRequiredMixin, HtmxTemplateMixin, ListView):
    template_name = "orders/order_list.html"
    fragment_template_name = "orders/_order_rows.html"
    paginate_by = 50
    paginator_class = DeferredJoinPaginator
    context_object_name = "orders"

    def get_queryset(self):
        self.filter_form, queryset, self.sort = filtered_orders(self.request)
        return queryset.select_related("customer", "salesperson")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            filter_form=self.filter_form,
            sort=self.sort,
            today=timezone.localdate(),
            active_filters=applied_filters(self.filter_form),
            can_create=services.salespersons_for(self.request.user).exists(),
            section="orders",
        )
        return context


def _person(row: dict, prefix: str) -> str:
    full = f"{row[prefix + '__last_name']}{row[prefix + '__first_name']}".strip()
    return row[prefix + "__display_name"] or full or row[prefix + "__username"]


class OrderExportView(LoginRequiredMixin, BackgroundExportMixin, View):
    """The filtered list as Excel, same scope; values() and a chunked iterator keep 100,000 rows cheap.
    Past settings.EXPORT_INLINE_MAX_ROWS a worker builds it and the user sees its progress."""

    export_title = gettext_lazy("Orders")

    def export_row_count(self, request) -> int:
        return filtered_orders(request)[1].count()

    def build_export(self, request):
        _form, queryset, _sort = filtered_orders(request)
        labels = choice_labels(Order.Status.choices)
        rows = queryset.values(
            "number", "received_on", "customer__code", "customer__name", "customer__name_en", "customer_po",
            "salesperson__username", "salesperson__display_name", "salesperson__first_name", "salesperson__last_name",
            "status", "currency", "total", "requested_delivery", "confirmed_delivery", "incoterm", "payment_terms",
            "closed_on",
        ).iterator(chunk_size=2000)  # fmt: skip
        columns = [
            Column(_("Order number"), lambda r: r["number"], 16),
            Column(_("Received on"), lambda r: r["received_on"], 12, DATE_FORMAT),
            Column(_("Customer code"), lambda r: r["customer__code"], 12),
            Column(_("Customer"), lambda r: r["customer__name"], 32),
            Column(_("English name"), lambda r: r["customer__name_en"], 28),
            Column(_("Customer PO"), lambda r: r["customer_po"], 18),
            Column(_("Salesperson"), lambda r: _person(r, "salesperson"), 16),
            Column(_("Status"), lambda r: labels.get(r["status"], r["status"]), 14),
            Column(_("Currency"), lambda r: r["currency"], 8),
            Column(_("Total"), lambda r: r["total"], 14, MONEY_FORMAT),
            Column(_("Requested delivery"), lambda r: r["requested_delivery"], 12, DATE_FORMAT),
            Column(_("Confirmed delivery"), lambda r: r["confirmed_delivery"], 12, DATE_FORMAT),
            Column(_("Incoterm"), lambda r: r["incoterm"], 8),
            Column(_("Payment terms"), lambda r: r["payment_terms"], 24),
            Column(_("Closed on"), lambda r: r["closed_on"], 12, DATE_FORMAT),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"orders-{stamp}.xlsx", [(_("Orders"), columns, rows)]


class OrderCreateView(LoginRequiredMixin, TemplateView):
    """Two steps: choose the salesperson (skipped when there is only one), then the order and its lines."""

    template_name = "orders/order_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.salespersons = services.salespersons_for(request.user).order_by("username")
        if not self.salespersons.exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_salesperson(self):
        raw = self.request.POST.get("salesperson") or self.request.GET.get("salesperson")
        if raw is None:
            # A salesperson files for themselves; everyone else chooses first (SPEC section 1).
            user = self.request.user
            return (
                user if user.role == user.Role.SALESPERSON and self.salespersons.filter(pk=user.pk).exists() else None
            )
        if not str(raw).isdigit():
            raise Http404
        # Someone the user does not file for: not found, whatever was posted.
        return get_object_or_404(self.salespersons, pk=int(raw))

    def get(self, request, *args, **kwargs):
        salesperson = self.get_salesperson()
        if salesperson is None:
            return self.render_to_response(
                self.get_context_data(step=1, salesperson_form=SalespersonForm(user=request.user))
            )
        form = OrderHeaderForm(
            user=request.user,
            salesperson=salesperson,
            initial={"received_on": timezone.localdate(), "currency": "CNY"},
        )
        return self.render_to_response(self.form_context(salesperson, form, line_formset()))

    def post(self, request, *args, **kwargs):
        salesperson = self.get_salesperson()
        if salesperson is None:
            raise Http404
        form = OrderHeaderForm(request.POST, user=request.user, salesperson=salesperson)
        formset = line_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                order = services.order_create(
                    actor=request.user,
                    salesperson=salesperson,
                    customer=data["customer"],
                    customer_po=data["customer_po"],
                    currency=data["currency"],
                    lines=formset.lines(),
                    quotation=data.get("quotation_number"),
                    received_on=data["received_on"],
                    requested_delivery=data["requested_delivery"],
                    confirmed_delivery=data["confirmed_delivery"],
                    incoterm=data["incoterm"],
                    payment_terms=data["payment_terms"],
                    factory=data["factory"],
                    notes=data["notes"],
                )
            except ValidationError as error:
                add_error(form, error)
            else:
                if order.intake_flags:
                    messages.warning(
                        request,
                        _("Order %(number)s was filed; it differs from the quotation or list prices in %(n)s place(s).")
                        % {"number": order.number, "n": len(order.intake_flags)},
                    )
                else:
                    messages.success(request, _("Order %(number)s was filed.") % {"number": order.number})
                return redirect(order)
        return self.render_to_response(self.form_context(salesperson, form, formset))

    def form_context(self, salesperson, form, formset):
        return self.get_context_data(
            step=2,
            salesperson=salesperson,
            form=form,
            formset=formset,
            can_change_salesperson=self.salespersons.count() > 1,
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "section": "orders"}


class OrderDetailView(ScopedMixin, DetailView):
    model = Order
    template_name = "orders/order_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("customer", "salesperson", "maker", "factory", "quotation", "flags_acknowledged_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order: Order = self.object
        lines = list(order.lines.select_related("product"))
        flagged = {flag.get("line") for flag in order.intake_flags or []}
        for n, line in enumerate(lines, start=1):
            line.position = n
            line.flagged = line.pk in flagged
            line.shown = {
                "ordered": services.qty(line.quantity),
                "shipped": services.qty(line.shipped_quantity),
                "open": services.qty(line.open_quantity),
                "reference": services.qty(line.reference_quantity),
            }
        transitions = [
            {
                "status": status,
                "label": Order.Status(status).label,
                "destructive": status in DESTRUCTIVE,
                "needs_comment": status in DESTRUCTIVE,
            }
            for status in order.allowed_transitions()
        ]
        shipments = (
            Shipment.objects.filter(order=order)
            .select_related("prepared_by", "checked_by")
            .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line__product")))
        )
        context.update(
            section="orders",
            today=timezone.localdate(),
            lines=lines,
            shipped_total=sum(line.shipped_quantity for line in lines),
            events=OrderEvent.objects.filter(order=order).select_related("actor"),
            shipments=shipments,
            transitions=transitions,
            # can_edit: the user may act on this order (the panels use it too); finance and
            # people without a role only read.
            can_edit=can_act(self.request.user),
            can_edit_header=can_act(self.request.user) and order.status in services.HEADER_EDITABLE,
            flags_pending=services.flags_pending(order),
        )
        # The production panel's rows: one per milestone kind with its lateness, failed QC items.
        production = production_panel_context(order=order, user=self.request.user, today=context["today"])
        context.update(
            {key: production[key] for key in ("milestones", "quality_checks", "abnormalities", "milestones_editable")}
        )
        return context


class OrderUpdateView(ScopedMixin, SingleObjectMixin, TemplateView):
    model = Order
    template_name = "orders/order_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if self.object.status not in services.HEADER_EDITABLE:
            messages.error(
                request,
                _("Order %(number)s is %(status)s; it can no longer be edited.")
                % {"number": self.object.number, "status": self.object.get_status_display().lower()},
            )
            return redirect(self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "salesperson")

    def lines_editable(self) -> bool:
        return self.object.status == Order.Status.RECEIVED

    def get(self, request, *args, **kwargs):
        order = self.object
        form = OrderHeaderForm(instance=order, user=request.user, salesperson=order.salesperson)
        formset = None
        if self.lines_editable():
            initial = [
                {
                    "id": line.pk, "product": line.product_id, "description": line.description,
                    "quantity": line.quantity, "unit_price": line.unit_price,
                }
                for line in order.lines.all()
            ]  # fmt: skip
            formset = line_formset(initial=initial, extra=0)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        order = self.object
        form = OrderHeaderForm(request.POST, instance=order, user=request.user, salesperson=order.salesperson)
        formset = line_formset(data=request.POST) if self.lines_editable() else None
        if form.is_valid() and (formset is None or formset.is_valid()):
            fields = {name: form.cleaned_data[name] for name in services.HEADER_FIELDS if name in form.cleaned_data}
            if formset is not None:
                fields["lines"] = formset.lines()
            # The form wrote the posted values onto the instance; the service starts from the stored row.
            try:
                order = services.order_update(order=Order.objects.get(pk=order.pk), actor=request.user, **fields)
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Changes to order %(number)s were saved.") % {"number": order.number})
                return redirect(order)
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "order": self.object,
            "salesperson": self.object.salesperson,
            "step": 2,
            "section": "orders",
        }


class OrderActionMixin(ScopedMixin, SingleObjectMixin, View):
    """POST-only actions on an order in scope (outside scope: 404)."""

    model = Order
    http_method_names = ["post"]


class OrderTransitionView(OrderActionMixin):
    def post(self, request, pk):
        order = self.get_object()
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a valid status."))
            return redirect(order)
        to_status = form.cleaned_data["to_status"]
        try:
            order = services.order_transition(
                order=order, to_status=to_status, actor=request.user, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Order %(number)s is now %(status)s.")
                % {"number": order.number, "status": order.get_status_display().lower()},
            )
        return redirect(order)


class OrderAcknowledgeView(OrderActionMixin):
    def post(self, request, pk):
        order = self.get_object()
        try:
            services.order_acknowledge_flags(order=order, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The differences on order %(number)s were acknowledged; it can now be confirmed.")
                % {"number": order.number},
            )
        return redirect(order)


# Statistics ------------------------------------------------------------------------------


class StatisticsMixin(LoginRequiredMixin):
    def get_month(self):
        month = parse_month(self.request.GET.get("month"))
        return month or timezone.localdate().replace(day=1)

    def get_statistics(self) -> services.OrderStatistics:
        return services.order_statistics(self.request.user, self.get_month())


class OrderStatisticsView(KeptFiguresMixin, StatisticsMixin, TemplateView):
    template_name = "orders/order_statistics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        stats = self.kept(self.get_statistics)
        month = stats.month
        context.update(
            section="statistics",
            stats=stats,
            month=month,
            **month_navigation(month, stats.months[0], timezone.localdate()),
            list_url=reverse("orders:list") + f"?month={month:%Y-%m}",
        )
        return context


class OrderStatisticsExportView(StatisticsMixin, View):
    """The statistics as one workbook: By month / By salesperson / By customer."""

    def get(self, request):
        stats = self.get_statistics()
        label = f"{stats.month:%Y-%m}"

        def value_columns(key: str, title: str) -> list[Column]:
            return [
                Column(f"{title} {cur}", lambda r, cur=cur: r[key].get(cur, 0), 16, MONEY_FORMAT)
                for cur in stats.currencies
            ]

        counts = [
            Column(_("Received"), lambda r: r["received"], 10, "0"),
            Column(_("Completed"), lambda r: r["completed"], 10, "0"),
            Column(_("Open"), lambda r: r["open"], 10, "0"),
            Column(_("Cancelled"), lambda r: r["cancelled"], 10, "0"),
        ]
        month_counts = [
            Column(_("Received in %(month)s") % {"month": label}, lambda r: r["m_received"], 12, "0"),
            Column(_("Completed in %(month)s") % {"month": label}, lambda r: r["m_completed"], 12, "0"),
            Column(_("Open in %(month)s") % {"month": label}, lambda r: r["m_open"], 12, "0"),
        ]
        window = _("13 months")
        sheets = [
            (
                _("By month"),
                [Column(_("Month"), lambda r: f"{r['month']:%Y-%m}", 10), *counts, *value_columns("value", _("Value"))],
                stats.by_month,
            ),
            (
                _("By salesperson"),
                [
                    Column(_("Salesperson"), lambda r: str(r["salesperson"]), 18),
                    *month_counts,
                    *value_columns("m_value", label),
                    *[Column(f"{c.header} ({window})", c.value, c.width, c.number_format) for c in counts],
                    *value_columns("value", window),
                ],
                stats.by_salesperson,
            ),
            (
                _("By customer"),
                [
                    Column(_("Customer code"), lambda r: r["customer"].code, 12),
                    Column(_("Customer"), lambda r: r["customer"].name, 32),
                    Column(_("English name"), lambda r: r["customer"].name_en, 28),
                    *month_counts,
                    *value_columns("m_value", label),
                    *[Column(f"{c.header} ({window})", c.value, c.width, c.number_format) for c in counts],
                    *value_columns("value", window),
                ],
                stats.by_customer,
            ),
        ]
        return xlsx_response(f"order-statistics-{label}.xlsx", sheets)
