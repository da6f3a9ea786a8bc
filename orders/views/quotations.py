"""Quotations (报价): list with Excel, two-step create, edit while draft, detail, status moves,
new versions, PDF, and one click from an accepted quotation to an order.

Every object is fetched through ``Quotation.objects.visible_to(user)`` (``ScopedMixin``), so a
quotation outside the user's scope is a 404 on every URL; writes go through
``orders.services.quotations``, which checks again.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView
from django.views.generic.detail import SingleObjectMixin

from accounts.models import User
from accounts.scope import visible_salespersons
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, xlsx_response
from core.forms import add_error
from core.mixins import HtmxTemplateMixin, ScopedMixin
from core.pagination import DeferredJoinPaginator
from core.pdf import pdf_response
from core.search import matching_keys
from customers.models import Company
from orders.forms.quotations import (
    CustomerPoForm,
    LostForm,
    QuotationFilterForm,
    QuotationForm,
    QuotationLineFormSet,
    SalespersonForm,
)
from orders.models import Order, Quotation, QuotationLine
from orders.services import quotations as services

Status = Quotation.Status
SORTS = {
    "number": ("number",),
    "customer": ("customer__code", "number"),
    "salesperson": ("salesperson__username", "number"),
    "status": ("status", "number"),
    "total": ("total", "number"),
    "valid": ("valid_until", "number"),
    "created": ("created_at", "pk"),
}
DEFAULT_SORT = "-created"
LINE_PREFIX = "lines"


def show_error(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- list and Excel --------------------------------------------------------------------------


class QuotationListView(ScopedMixin, HtmxTemplateMixin, ListView):
    """Search, filters, sortable columns, 50 a page; htmx gets just the rows."""

    model = Quotation
    template_name = "orders/quotation_list.html"
    fragment_template_name = "orders/_quotation_rows.html"
    paginate_by = 50
    # A deep page walks the keys alone; the page's 50 rows are then loaded with their joins.
    paginator_class = DeferredJoinPaginator
    context_object_name = "quotations"

    def get_filter_form(self) -> QuotationFilterForm:
        if not hasattr(self, "_filter_form"):
            salespersons = visible_salespersons(self.request.user).order_by("username")  # not a scan of the rows
            self._filter_form = QuotationFilterForm(
                self.request.GET or None, user=self.request.user, salespersons=salespersons
            )
            if self._filter_form.is_bound:
                self._filter_form.is_valid()
        return self._filter_form

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", DEFAULT_SORT)
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def get_queryset(self):
        qs = super().get_queryset().select_related("customer", "salesperson", "maker")
        data = getattr(self.get_filter_form(), "cleaned_data", {})
        if text := (data.get("q") or "").strip():
            qs = qs.filter(Q(number__icontains=text) | Q(customer_id__in=matching_keys(Company.objects.search(text))))
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("salesperson"):
            qs = qs.filter(salesperson=data["salesperson"])
        if data.get("customer"):
            qs = qs.filter(customer=data["customer"])
        if month := data.get("month"):
            first = month.replace(day=1)
            following = (
                first.replace(year=first.year + 1, month=1)
                if first.month == 12
                else first.replace(month=first.month + 1)
            )
            tz = timezone.get_current_timezone()
            qs = qs.filter(
                created_at__gte=timezone.make_aware(datetime.combine(first, time.min), tz),
                created_at__lt=timezone.make_aware(datetime.combine(following, time.min), tz),
            )
        sort = self.get_sort()
        order = SORTS[sort.lstrip("-")]
        if sort.startswith("-"):
            order = tuple(f"-{f}" for f in order)
        return qs.order_by(*order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        context.update(
            filter_form=form,
            active_filters=form.applied(),
            sort=self.get_sort(),
            is_htmx=bool(self.request.headers.get("HX-Request")),
            can_create=services.can_quote(self.request.user),
        )
        return context


class QuotationExportView(QuotationListView):
    """The filtered list as Excel: same scope, filters and order, every page."""

    def get(self, request, *args, **kwargs):
        queryset = self.get_queryset().annotate(line_count=Count("lines"))
        columns = [
            Column(_("Number"), lambda q: q.number, 20),
            Column(_("Version"), lambda q: q.version, 8, "0"),
            Column(_("Status"), lambda q: q.get_status_display(), 10),
            Column(_("Customer code"), lambda q: q.customer.code, 12),
            Column(_("Customer"), lambda q: q.customer.name, 30),
            Column(_("English name"), lambda q: q.customer.name_en, 30),
            Column(_("Salesperson"), lambda q: str(q.salesperson), 16),
            Column(_("Made by"), lambda q: str(q.maker), 16),
            Column(_("Lines"), lambda q: q.line_count, 8, "0"),
            Column(_("Currency"), lambda q: q.currency, 8),
            Column(_("Total"), lambda q: q.total, 14, MONEY_FORMAT),
            Column(_("Valid until"), lambda q: q.valid_until, 12, DATE_FORMAT),
            Column(_("Incoterm"), lambda q: q.incoterm, 9),
            Column(_("Payment terms"), lambda q: q.payment_terms, 24),
            Column(_("Sent"), lambda q: q.sent_at, 18, "yyyy-mm-dd hh:mm"),
            Column(_("Created"), lambda q: q.created_at, 18, "yyyy-mm-dd hh:mm"),
        ]
        filename = f"quotations-{timezone.localdate():%Y%m%d}.xlsx"
        return xlsx_response(filename, [(_("Quotations"), columns, queryset.iterator(chunk_size=500))])


# --- create and edit -------------------------------------------------------------------------


def line_initial(quotation: Quotation) -> list[dict]:
    return [
        {
            "product": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
        }
        for line in quotation.lines.all()
    ]


class QuotationCreateView(ScopedMixin, View):
    """Step 1 (assistant, manager): choose the salesperson; step 2: header and lines.

    A salesperson skips step 1; so does anyone who can quote for one salesperson only, and a
    link from a customer (?customer=<pk>) takes that customer's owner.
    """

    model = Quotation
    template_name = "orders/quotation_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.salespersons = services.quoting_salespersons(request.user)
        if not self.salespersons.exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def chosen_salesperson(self, source) -> tuple[User | None, SalespersonForm]:
        value = source.get("salesperson")
        customer_id = self.request.GET.get("customer", "")
        if not value and customer_id.isdigit():
            customer = Company.objects.visible_to(self.request.user).filter(pk=int(customer_id)).first()
            if customer is not None:
                value = customer.owner_id
        if not value and self.salespersons.count() == 1:
            value = self.salespersons.get().pk
        form = SalespersonForm({"salesperson": value} if value else None, salespersons=self.salespersons)
        if form.is_bound and form.is_valid():
            return form.cleaned_data["salesperson"], form
        return None, form

    def render(self, **context):
        return TemplateResponse(
            self.request, self.template_name, {"only_one": self.salespersons.count() == 1, **context}
        )

    def get(self, request):
        salesperson, step1 = self.chosen_salesperson(request.GET)
        if salesperson is None:
            return self.render(step1=step1)
        initial = {"valid_until": timezone.localdate() + timedelta(days=30)}
        customer_id = request.GET.get("customer", "")
        if customer_id.isdigit():
            initial["customer"] = int(customer_id)
        form = QuotationForm(user=request.user, salesperson=salesperson, initial=initial)
        formset = QuotationLineFormSet(prefix=LINE_PREFIX)
        return self.render(form=form, formset=formset, salesperson=salesperson)

    def post(self, request):
        salesperson, step1 = self.chosen_salesperson(request.POST)
        if salesperson is None:
            return self.render(step1=step1)
        form = QuotationForm(request.POST, user=request.user, salesperson=salesperson)
        formset = QuotationLineFormSet(request.POST, prefix=LINE_PREFIX)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                quotation = services.quotation_create(
                    actor=request.user,
                    salesperson=salesperson,
                    customer=data["customer"],
                    lines=formset.lines(),
                    currency=data["currency"],
                    valid_until=data["valid_until"],
                    incoterm=data["incoterm"],
                    payment_terms=data["payment_terms"],
                    notes=data["notes"],
                )
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(
                    request,
                    _("Quotation %(number)s for %(customer)s was saved as a draft.")
                    % {"number": quotation.number, "customer": quotation.customer.display_name},
                )
                return redirect(quotation)
        return self.render(form=form, formset=formset, salesperson=salesperson)


class QuotationUpdateView(ScopedMixin, SingleObjectMixin, View):
    """Edit header and lines while the quotation is a draft."""

    model = Quotation
    template_name = "orders/quotation_form.html"

    def get_queryset(self):
        return super().get_queryset().select_related("salesperson", "customer")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not services.quoting_salespersons(request.user).filter(pk=self.object.salesperson_id).exists():
            raise Http404
        if self.object.status != Status.DRAFT:
            messages.error(request, _("Only a draft can be edited; make a new version of a sent quotation instead."))
            return redirect(self.object)
        return super().dispatch(request, *args, **kwargs)

    def product_ids(self) -> list[int]:
        return list(self.object.lines.values_list("product_id", flat=True))

    def render(self, form, formset):
        return TemplateResponse(
            self.request,
            self.template_name,
            {"quotation": self.object, "form": form, "formset": formset, "salesperson": self.object.salesperson},
        )

    def get(self, request, pk):
        form = QuotationForm(instance=self.object, user=request.user, salesperson=self.object.salesperson)
        formset = QuotationLineFormSet(
            prefix=LINE_PREFIX, initial=line_initial(self.object), product_ids=self.product_ids()
        )
        return self.render(form, formset)

    def post(self, request, pk):
        quotation = self.object
        form = QuotationForm(request.POST, instance=quotation, user=request.user, salesperson=quotation.salesperson)
        formset = QuotationLineFormSet(
            request.POST, prefix=LINE_PREFIX, initial=line_initial(quotation), product_ids=self.product_ids()
        )
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                services.quotation_update(
                    quotation=Quotation(pk=quotation.pk),
                    actor=request.user,
                    customer=data["customer"],
                    lines=formset.lines(),
                    currency=data["currency"],
                    valid_until=data["valid_until"],
                    incoterm=data["incoterm"],
                    payment_terms=data["payment_terms"],
                    notes=data["notes"],
                )
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Quotation %(number)s was saved.") % {"number": quotation.number})
                return redirect(quotation)
        # The ModelForm wrote the typed values onto the instance; show the stored one in the header.
        self.object = self.get_object()
        return self.render(form, formset)


# --- detail, actions, PDF --------------------------------------------------------------------


class QuotationDetailView(ScopedMixin, DetailView):
    """Header with number, version, status and the actions allowed now; lines; versions; timeline."""

    model = Quotation
    template_name = "orders/quotation_detail.html"
    context_object_name = "quotation"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("customer", "salesperson", "maker", "previous")
            .prefetch_related(Prefetch("lines", queryset=QuotationLine.objects.select_related("product")))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        quotation: Quotation = self.object
        user = self.request.user
        can_act = services.quoting_salespersons(user).filter(pk=quotation.salesperson_id).exists()
        newer = Quotation.objects.filter(previous=quotation).only("pk", "number").first()
        order = Order.objects.visible_to(user).filter(quotation=quotation).order_by("pk").first()
        allowed = services.allowed_statuses(quotation.status) if can_act else ()
        timeline = services.quotation_timeline(quotation)
        context.update(
            lines=quotation.lines.all(),
            can_act=can_act,
            can_edit=can_act and quotation.status == Status.DRAFT,
            can_send=Status.SENT in allowed,
            can_accept=Status.ACCEPTED in allowed,
            can_lose=Status.LOST in allowed,
            can_revise=can_act and quotation.status in services.REVISABLE and newer is None,
            can_order=can_act and quotation.status == Status.ACCEPTED and order is None,
            newer=newer,
            order=order,
            versions=services.versions_of(quotation, user),
            timeline=timeline,
            lost_reason=next((e.comment for e in timeline if e.status == Status.LOST and e.comment), ""),
            lost_form=LostForm(),
            po_form=CustomerPoForm(),
        )
        return context


class QuotationActionMixin(ScopedMixin, SingleObjectMixin, View):
    """POST-only actions on a quotation in scope (outside scope: 404)."""

    model = Quotation
    http_method_names = ["post"]


class QuotationStatusView(QuotationActionMixin):
    MESSAGES = {
        Status.SENT: gettext_lazy("Quotation %(number)s is marked as sent."),
        Status.ACCEPTED: gettext_lazy(
            "Quotation %(number)s was accepted. Turn it into an order when the customer's PO arrives."
        ),
        Status.LOST: gettext_lazy("Quotation %(number)s is marked as lost."),
    }

    def post(self, request, pk):
        quotation = self.get_object()
        status = request.POST.get("status", "")
        try:
            quotation = services.quotation_set_status(
                quotation=quotation, actor=request.user, status=status, reason=request.POST.get("reason", "")
            )
        except ValidationError as error:
            show_error(request, error)
        else:
            messages.success(request, str(self.MESSAGES[status]) % {"number": quotation.number})
        return redirect(quotation)


class QuotationReviseView(QuotationActionMixin):
    def post(self, request, pk):
        quotation = self.get_object()
        try:
            new = services.quotation_revise(quotation=quotation, actor=request.user)
        except ValidationError as error:
            show_error(request, error)
            return redirect(quotation)
        messages.success(
            request,
            _("Version %(version)s (%(number)s) was made from %(old)s; edit it and send it.")
            % {"version": new.version, "number": new.number, "old": quotation.number},
        )
        return redirect(new)


class QuotationToOrderView(QuotationActionMixin):
    """One click: an accepted quotation becomes an order (once)."""

    def post(self, request, pk):
        quotation = self.get_object()
        existing = Order.objects.visible_to(request.user).filter(quotation=quotation).order_by("pk").first()
        if existing is not None:
            messages.info(
                request,
                _("%(quotation)s is already order %(order)s.")
                % {"quotation": quotation.number, "order": existing.number},
            )
            return redirect(existing)
        form = CustomerPoForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter the customer's PO number to make the order."))
            return redirect(quotation)
        try:
            order = services.quotation_to_order(
                quotation=quotation, actor=request.user, customer_po=form.cleaned_data["customer_po"]
            )
        except ValidationError as error:
            show_error(request, error)
            return redirect(quotation)
        messages.success(
            request,
            _("Order %(order)s was made from quotation %(quotation)s.")
            % {"order": order.number, "quotation": quotation.number},
        )
        return redirect(order)


def pdf_context(quotation: Quotation) -> dict:
    lines = list(quotation.lines.select_related("product"))
    return {
        "quotation": quotation,
        "lines": lines,
        "has_discount": any(line.discount_percent for line in lines),
        "today": timezone.localdate(),
    }


class QuotationPdfView(ScopedMixin, DetailView):
    model = Quotation

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "salesperson", "maker")

    def get(self, request, *args, **kwargs):
        quotation = self.get_object()
        return pdf_response(
            "pdf/quotation.html", pdf_context(quotation), filename=f"{quotation.number}.pdf", request=request
        )
