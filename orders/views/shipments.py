"""Shipments with double review (双人复核): list, prepare, detail, check or cancel.

Every object comes through ``visible_to(user)`` (``ScopedMixin``): an order or shipment outside
the user's scope is a 404 on every URL. Writes go through ``orders.services.shipments``.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView
from django.views.generic.detail import SingleObjectMixin

from core.audit import visible_history
from core.exports import DATE_FORMAT, Column, xlsx_response
from core.forms import add_error
from core.mixins import HtmxTemplateMixin, ScopedMixin
from core.pagination import DeferredJoinPaginator
from core.search import matching_keys
from orders.forms.shipments import ShipmentCheckForm, ShipmentFilterForm, ShipmentForm
from orders.models import Order, OrderLine, Shipment, ShipmentLine
from orders.services import shipments as services

STATUS_RANK = Case(
    *[When(status=value, then=Value(rank)) for rank, value in enumerate(Shipment.Status.values)],
    output_field=IntegerField(),
)
# ?sort=<key> (ascending) or ?sort=-<key>; pk breaks ties so pages are stable.
SORTS = {
    "number": ("number",),
    "date": ("shipped_on", "pk"),
    "order": ("order__number", "pk"),
    "customer": ("order__customer__code", "pk"),
    "carrier": ("carrier", "pk"),
    "tracking": ("tracking_number", "pk"),
    "status": ("status_rank", "pk"),
    "prepared": ("prepared_at", "pk"),
}
DEFAULT_SORT = "-date"


class ShipmentListView(ScopedMixin, HtmxTemplateMixin, ListView):
    """Filters (status, month, carrier), search, sortable columns, 50 a page; ?export=xlsx for Excel."""

    model = Shipment
    template_name = "orders/shipment_list.html"
    fragment_template_name = "orders/_shipment_rows.html"
    paginate_by = 50
    # A deep page walks the keys alone; the page's 50 rows are then loaded with their joins.
    paginator_class = DeferredJoinPaginator
    context_object_name = "shipments"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def get_filter_form(self) -> ShipmentFilterForm:
        if not hasattr(self, "_filter_form"):
            params = self.request.GET.copy()
            params.pop("export", None)
            self._filter_form = ShipmentFilterForm(params or None)
            if self._filter_form.is_bound:
                self._filter_form.is_valid()
        return self._filter_form

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", DEFAULT_SORT)
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def get_queryset(self):
        qs = super().get_queryset().select_related("order", "order__customer", "prepared_by", "checked_by")
        data = getattr(self.get_filter_form(), "cleaned_data", {})
        if text := (data.get("q") or "").strip():
            qs = qs.filter(
                Q(number__icontains=text)
                | Q(tracking_number__icontains=text)
                | Q(order_id__in=matching_keys(Order.objects.search(text)))
            )
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if month := data.get("month"):
            qs = qs.filter(shipped_on__year=month.year, shipped_on__month=month.month)
        if carrier := (data.get("carrier") or "").strip():
            qs = qs.filter(carrier__icontains=carrier)
        sort = self.get_sort()
        order = SORTS[sort.lstrip("-")]
        if sort.startswith("-"):
            order = tuple(f"-{f}" for f in order)
        return qs.annotate(status_rank=STATUS_RANK).order_by(*order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        context.update(
            filter_form=form,
            active_filters=form.applied(),
            sort=self.get_sort(),
            user_pk=self.request.user.pk,
        )
        return context

    def export(self):
        columns = [
            Column(_("Shipment"), lambda s: s.number, 16),
            Column(_("Ship date"), lambda s: s.shipped_on, 12, DATE_FORMAT),
            Column(_("Order"), lambda s: s.order.number, 16),
            Column(_("Customer PO"), lambda s: s.order.customer_po, 16),
            Column(_("Customer code"), lambda s: s.order.customer.code, 12),
            Column(_("Customer"), lambda s: s.order.customer.name, 30),
            Column(_("Carrier"), lambda s: s.carrier, 18),
            Column(_("Tracking / B/L number"), lambda s: s.tracking_number, 20),
            Column(_("Customs declaration"), lambda s: s.customs_declaration, 20),
            Column(_("L/C reference"), lambda s: s.lc_reference, 16),
            Column(_("Status"), lambda s: status_label(s.status), 14),
            Column(_("Prepared by"), lambda s: s.prepared_by, 16),
            Column(_("Prepared at"), lambda s: s.prepared_at, 18, "yyyy-mm-dd hh:mm"),
            Column(_("Checked by"), lambda s: s.checked_by or "", 16),
            Column(_("Checked at"), lambda s: s.checked_at, 18, "yyyy-mm-dd hh:mm"),
            Column(_("Note"), lambda s: s.note, 30),
        ]
        filename = f"shipments-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(filename, [(_("Shipments"), columns, self.get_queryset().iterator(chunk_size=500))])


def status_label(status: str) -> str:
    return _("Checked") if status == Shipment.Status.CHECKED else _("Awaiting check")


def order_lines_with_open(order: Order) -> list[OrderLine]:
    """The order's lines, each with ``pending_quantity`` and ``open_quantity_now``."""
    lines = list(OrderLine.objects.filter(order=order).select_related("product"))
    pending = services.pending_quantities(order)
    open_now = services.open_quantities(lines, pending)
    for line in lines:
        line.pending_quantity = pending.get(line.pk, Decimal("0"))
        line.open_quantity_now = open_now[line.pk]
    return lines


class ShipmentCreateView(ScopedMixin, SingleObjectMixin, FormView):
    """Prepare a shipment of an order in production, ready or partly shipped."""

    model = Order
    form_class = ShipmentForm
    template_name = "orders/shipment_form.html"
    context_object_name = "order"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()  # outside scope: 404
        if not services.can_ship(request.user):
            raise Http404
        if self.object.status not in services.SHIPPABLE_STATUSES:
            messages.error(request, services.not_shippable_message(self.object))
            return redirect(self.object)
        self.lines = order_lines_with_open(self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "salesperson")

    def get_initial(self):
        return {"shipped_on": timezone.localdate()}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lines": self.lines}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            shipment = services.shipment_prepare(
                order=self.object,
                actor=self.request.user,
                shipped_on=data["shipped_on"],
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                customs_declaration=data["customs_declaration"],
                lc_reference=data["lc_reference"],
                note=data["note"],
                quantities=form.quantities(),
            )
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Shipment %(number)s prepared. A colleague must now check it before it counts as shipped.")
            % {"number": shipment.number},
        )
        return redirect(shipment)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "lines": self.lines}


class ShipmentDetailView(ScopedMixin, DetailView):
    """Header with number, status and the actions allowed now; the double-review trail; lines."""

    model = Shipment
    template_name = "orders/shipment_detail.html"
    context_object_name = "shipment"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("order", "order__customer", "order__salesperson", "prepared_by", "checked_by")
            .prefetch_related(
                Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line", "order_line__product"))
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shipment: Shipment = self.object
        user = self.request.user
        lines = list(shipment.lines.all())
        # Previously shipped = checked before this one (for a prepared shipment: every checked one).
        earlier: dict[int, Decimal] = defaultdict(Decimal)
        checked = ShipmentLine.objects.filter(
            order_line_id__in=[line.order_line_id for line in lines], shipment__status=Shipment.Status.CHECKED
        ).exclude(shipment=shipment)
        if shipment.status == Shipment.Status.CHECKED:
            checked = checked.filter(
                Q(shipment__checked_at__lt=shipment.checked_at)
                | Q(shipment__checked_at=shipment.checked_at, shipment__pk__lt=shipment.pk)
            )
        for order_line_id, quantity in checked.values_list("order_line_id", "quantity"):
            earlier[order_line_id] += quantity
        for line in lines:
            line.previously_shipped = earlier[line.order_line_id]
            line.after_this = line.previously_shipped + line.quantity
            line.open_after = line.order_line.quantity - line.after_this
        history = list(shipment.history.select_related("history_user").order_by("history_date", "history_id"))
        context.update(
            lines=lines,
            status_label=status_label(shipment.status),
            is_preparer=shipment.prepared_by_id == user.pk,
            can_check=services.can_check(user, shipment),
            can_cancel=services.can_cancel(user, shipment),
            timeline=timeline(history),
            audit_history=visible_history(user, shipment),
        )
        return context


def timeline(history) -> list[dict]:
    """The shipment's trail from its audit history: prepared, checked (with comment), other edits."""
    entries = []
    previous_status = None
    for record in history:
        if record.history_type == "+":
            kind, what = "prepared", _("prepared the shipment")
        elif record.status == Shipment.Status.CHECKED and previous_status == Shipment.Status.PREPARED:
            kind, what = "checked", _("checked and confirmed the shipment")
        else:
            kind, what = "changed", _("changed the shipment")
        previous_status = record.status
        entries.append(
            {
                "kind": kind,
                "who": record.history_user,
                "when": record.history_date,
                "what": what,
                "comment": record.history_change_reason or "",
            }
        )
    return entries


class ShipmentCheckView(ScopedMixin, SingleObjectMixin, View):
    """POST action=check (a colleague confirms, with an optional comment) or action=cancel (the preparer)."""

    model = Shipment
    http_method_names = ["post"]

    def get_queryset(self):
        return super().get_queryset().select_related("order", "prepared_by")

    def post(self, request, pk):
        shipment = self.get_object()  # outside scope: 404
        if not services.can_ship(request.user):
            raise Http404
        form = ShipmentCheckForm(request.POST or {"action": "check"})
        if not form.is_valid():
            messages.error(request, _("Choose to check or to cancel the shipment."))
            return redirect(shipment)
        action = form.cleaned_data["action"]
        try:
            if action == "cancel":
                number = services.shipment_cancel(shipment=shipment, actor=request.user)
            else:
                services.shipment_check(shipment=shipment, actor=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(shipment)
        if action == "cancel":
            messages.success(request, _("Shipment %(number)s was cancelled.") % {"number": number})
            return redirect(shipment.order)
        shipment.order.refresh_from_db(fields=["status"])
        messages.success(
            request,
            _("Shipment %(number)s checked: order %(order)s is now %(status)s.")
            % {
                "number": shipment.number,
                "order": shipment.order.number,
                "status": shipment.order.get_status_display().lower(),
            },
        )
        return redirect(shipment)
