"""Samples: list, two-step request form, detail with the actions allowed now, decision, dispatch
with double review, feedback and conversion, loans, conversion rates, courier reconciliation.

Every sample is fetched through ``SampleRequest.objects.visible_to(user)`` (``ScopedMixin``), so
one outside the user's scope is a 404 on every URL; writes go through ``samples.services``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, xlsx_response
from core.forms import add_error
from core.list_exports import ListExportMixin
from core.mixins import HtmxTemplateMixin, ScopedMixin
from core.months import add_months, month_navigation, parse_month
from core.search import matching_keys
from customers.models import Company
from orders.forms.orders import SalespersonForm
from orders.models import Order
from samples import services
from samples.forms import (
    CancelForm,
    CheckForm,
    ConvertForm,
    DecisionForm,
    DispatchForm,
    FeedbackForm,
    ItemForm,
    LinkOrderForm,
    LoanForm,
    ReturnForm,
    SampleEditForm,
    SampleFilterForm,
    SampleRequestForm,
    line_formset,
)
from samples.models import SampleItem, SampleLoan, SamplePolicy, SampleRequest

Status = SampleRequest.Status
STATUS_RANK = Case(
    *[When(status=value, then=Value(rank)) for rank, value in enumerate(Status.values)], output_field=IntegerField()
)
SORTS = {
    "number": ("number",),
    "created": ("created_at", "pk"),
    "customer": ("customer__code", "pk"),
    "salesperson": ("salesperson__username", "pk"),
    "status": ("status_rank", "pk"),
    "needed": ("needed_by", "pk"),
    "sent": ("sent_on", "pk"),
    "follow_up": ("follow_up_on", "pk"),
}
DEFAULT_SORT = "-created"


class SampleListView(ScopedMixin, HtmxTemplateMixin, ListView):
    model = SampleRequest
    template_name = "samples/sample_list.html"
    fragment_template_name = "samples/_sample_rows.html"
    paginate_by = 50
    context_object_name = "samples"

    def get(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.is_finance and not user.role and not user.is_superuser:
            # Finance reads the courier charges, not the requests themselves.
            return redirect("samples:couriers")
        return super().get(request, *args, **kwargs)

    def get_filter_form(self) -> SampleFilterForm:
        if not hasattr(self, "_filter_form"):
            params = self.request.GET.copy()
            for key in ("page", "sort"):
                params.pop(key, None)
            self._filter_form = SampleFilterForm(params or None, user=self.request.user)
            if self._filter_form.is_bound:
                self._filter_form.is_valid()
        return self._filter_form

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", DEFAULT_SORT)
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def get_queryset(self):
        qs = super().get_queryset().select_related("customer", "salesperson", "order")
        data = getattr(self.get_filter_form(), "cleaned_data", {})
        if text := (data.get("q") or "").strip():
            qs = qs.filter(
                Q(number__icontains=text)
                | Q(tracking_number__icontains=text)
                | Q(customer_id__in=matching_keys(Company.objects.search(text)))
                | Q(order_id__in=matching_keys(Order.objects.search(text, by_customer=False)))
            )
        status = data.get("status")
        today = timezone.localdate()
        if status == "open":
            qs = qs.filter(status__in=SampleRequest.OPEN_STATUSES)
        elif status == "to_send":
            qs = qs.filter(status__in=(Status.APPROVED, Status.PREPARED))
        elif status == "due":
            qs = qs.feedback_due(today)
        elif status:
            qs = qs.filter(status=status)
        if data.get("salesperson"):
            qs = qs.filter(salesperson=data["salesperson"])
        if data.get("charge"):
            qs = qs.filter(charge=data["charge"])
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
            today=timezone.localdate(),
            can_create=services.can_request(self.request.user),
        )
        return context


class SampleExportView(SampleListView):
    """The list as Excel, with the page's filters and scope."""

    def get(self, request, *args, **kwargs):
        if request.user.is_finance and not request.user.role and not request.user.is_superuser:
            raise Http404
        columns = [
            Column(_("Sample"), lambda s: s.number, 16),
            Column(_("Requested"), lambda s: s.created_at, 18, "yyyy-mm-dd hh:mm"),
            Column(_("Customer code"), lambda s: s.customer.code, 12),
            Column(_("Customer"), lambda s: s.customer.name, 30),
            Column(_("Salesperson"), lambda s: s.salesperson, 16),
            Column(_("Status"), lambda s: s.get_status_display(), 18),
            Column(pgettext("sample request", "Purpose"), lambda s: s.purpose, 30),
            Column(_("Charge"), lambda s: s.get_charge_display(), 12),
            Column(_("Amount charged"), lambda s: s.amount, 14, MONEY_FORMAT),
            Column(_("Currency"), lambda s: s.currency, 10),
            Column(_("Courier fee"), lambda s: s.get_courier_fee_display(), 12),
            Column(_("Courier"), lambda s: s.courier, 18),
            Column(_("Tracking number"), lambda s: s.tracking_number, 20),
            Column(_("Date sent"), lambda s: s.sent_on, 12, DATE_FORMAT),
            Column(_("Courier cost"), lambda s: s.cost, 12, MONEY_FORMAT),
            Column(_("Likelihood of an order"), lambda s: s.get_likelihood_display(), 14),
            Column(_("Order"), lambda s: s.order.number if s.order_id else "", 16),
        ]
        rows = self.get_queryset().iterator(chunk_size=500)
        return xlsx_response(f"samples-{timezone.localdate():%Y%m%d}.xlsx", [(_("Sample requests"), columns, rows)])


class FollowUpListView(SampleListView):
    """Samples due for the customer's feedback (the assistant's follow-up queue, in full)."""

    template_name = "samples/follow_up_list.html"
    fragment_template_name = "samples/_sample_rows.html"

    def get_queryset(self):
        return (
            SampleRequest.objects.visible_to(self.request.user)
            .feedback_due(timezone.localdate())
            .select_related("customer", "salesperson", "order")
            .order_by("follow_up_on", "pk")
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "empty_text": _("No sample is waiting for feedback today."),
            "active_filters": [],
        }


class FollowUpExportView(FollowUpListView):
    """The feedback-due list as Excel: the sample list's columns, this list's rows."""

    get = SampleExportView.get


class SampleCreateView(LoginRequiredMixin, TemplateView):
    """Two steps: whom the sample is for (skipped for a salesperson), then customer, lines and charge."""

    template_name = "samples/sample_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.salespersons = services.salespersons_for(request.user).order_by("username")
        if not services.can_work(request.user) or not self.salespersons.exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_salesperson(self):
        raw = self.request.POST.get("salesperson") or self.request.GET.get("salesperson")
        if raw is None:
            user = self.request.user
            return user if user.role == user.Role.SALESPERSON else None
        if not str(raw).isdigit():
            raise Http404
        return get_object_or_404(self.salespersons, pk=int(raw))

    def get(self, request, *args, **kwargs):
        salesperson = self.get_salesperson()
        if salesperson is None:
            return self.render_to_response(
                self.get_context_data(step=1, salesperson_form=SalespersonForm(user=request.user))
            )
        form = SampleRequestForm(user=request.user, salesperson=salesperson, initial={"currency": "CNY"})
        return self.render_to_response(self.form_context(salesperson, form, line_formset()))

    def post(self, request, *args, **kwargs):
        salesperson = self.get_salesperson()
        if salesperson is None:
            raise Http404
        form = SampleRequestForm(request.POST, user=request.user, salesperson=salesperson)
        formset = line_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                sample = services.sample_request(
                    actor=request.user,
                    salesperson=salesperson,
                    customer=data["customer"],
                    lines=formset.lines(),
                    purpose=data["purpose"],
                    needed_by=data["needed_by"],
                    ship_to=data["ship_to"],
                    charge=data["charge"] or None,
                    amount=data["amount"],
                    currency=data["currency"],
                    courier_fee=data["courier_fee"] or None,
                    exception_reason=data["exception_reason"],
                )
            except ValidationError as error:
                add_error(form, error)
            else:
                if sample.status == Status.DECISION:
                    messages.warning(
                        request,
                        _("Sample request %(number)s needs the manager's decision on the charge; they have been told.")
                        % {"number": sample.number},
                    )
                else:
                    messages.success(
                        request,
                        _("Sample request %(number)s is approved under the company rule and ready to dispatch.")
                        % {"number": sample.number},
                    )
                return redirect(sample)
        return self.render_to_response(self.form_context(salesperson, form, formset))

    def form_context(self, salesperson, form, formset):
        policy = SamplePolicy.current()
        return self.get_context_data(
            step=2,
            salesperson=salesperson,
            form=form,
            formset=formset,
            policy=policy,
            can_change_salesperson=self.salespersons.count() > 1,
        )


class SampleDetailView(ScopedMixin, DetailView):
    model = SampleRequest
    template_name = "samples/sample_detail.html"
    context_object_name = "sample"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "customer", "salesperson", "salesperson__team", "maker", "order", "decided_by", "prepared_by",
                "checked_by",
            )
        )  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sample: SampleRequest = self.object
        user = self.request.user
        lines = list(sample.lines.select_related("product"))
        values = services.list_value([{"product": line.product, "quantity": line.quantity} for line in lines])
        for line in lines:
            line.value = (line.product.list_price * line.quantity).quantize(Decimal("0.01"))
        context.update(
            lines=lines,
            list_values=sorted(values.items()),
            events=list(sample.events.select_related("actor")),
            can_decide=services.can_decide(user, sample),
            can_edit=services.can_edit(user, sample),
            can_prepare=services.can_prepare(user, sample),
            can_check=services.can_check(user, sample),
            can_withdraw=services.can_withdraw(user, sample),
            can_feedback=services.can_feedback(user, sample),
            can_convert=services.can_convert(user, sample),
            decider=services.decider_for(sample) if sample.status == Status.DECISION else None,
            decision_form=DecisionForm(
                initial={
                    "charge": sample.charge,
                    "amount": sample.amount,
                    "currency": sample.currency,
                    "courier_fee": sample.courier_fee,
                }
            ),  # fmt: skip
            today=timezone.localdate(),
        )
        return context


class SampleActionMixin(ScopedMixin, SingleObjectMixin):
    """POST actions on one sample: outside scope 404; a refused move is a message, nothing changes."""

    model = SampleRequest
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def run(self, func, success: str, **kwargs):
        try:
            func(sample=self.object, actor=self.request.user, **kwargs)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
        else:
            messages.success(self.request, success % {"number": self.object.number})
        return redirect(self.object)


class SampleDecideView(SampleActionMixin, View):
    def post(self, request, pk):
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(self.object)
        data = form.cleaned_data
        decision = data["decision"]
        text = {
            "approve": _("Sample request %(number)s approved."),
            "change": _("Sample request %(number)s approved with changed terms."),
            "refuse": _("Sample request %(number)s refused."),
        }[decision]
        return self.run(
            services.sample_decide, text, decision=decision, comment=data["comment"], charge=data["charge"] or None,
            amount=data["amount"], currency=data["currency"] or None, courier_fee=data["courier_fee"] or None,
        )  # fmt: skip


class SampleCancelView(SampleActionMixin, View):
    def post(self, request, pk):
        form = CancelForm(request.POST)
        comment = form.cleaned_data["comment"] if form.is_valid() else ""
        return self.run(services.sample_cancel, _("Sample request %(number)s cancelled."), comment=comment)


class SampleCheckView(SampleActionMixin, View):
    """action=check (a colleague confirms the dispatch) or action=withdraw (the preparer)."""

    def post(self, request, pk):
        form = CheckForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose to check or to withdraw the dispatch."))
            return redirect(self.object)
        if form.cleaned_data["action"] == "withdraw":
            return self.run(
                services.dispatch_withdraw,
                _("The dispatch of %(number)s was withdrawn."),
                comment=form.cleaned_data["comment"],
            )
        return self.run(
            services.dispatch_check,
            _("Sample %(number)s checked and sent; the salesperson has been emailed the tracking number."),
            comment=form.cleaned_data["comment"],
        )


class SampleFormMixin(ScopedMixin, SingleObjectMixin):
    """A page with a form acting on one sample (GET shows it, POST calls a service)."""

    model = SampleRequest
    context_object_name = "sample"
    allowed = staticmethod(lambda user, sample: False)
    refused_message = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()  # outside scope: 404
        if not services.can_work(request.user):
            raise Http404
        if not type(self).allowed(request.user, self.object):
            messages.error(request, self.refused_message % {"number": self.object.number})
            return redirect(self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "salesperson")


class SampleEditView(SampleFormMixin, FormView):
    template_name = "samples/sample_edit.html"
    form_class = SampleEditForm
    allowed = staticmethod(services.can_edit)
    refused_message = _("Sample request %(number)s can no longer be edited.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.sample_update(
                sample=self.object, actor=self.request.user, purpose=data["purpose"], needed_by=data["needed_by"],
                ship_to=data["ship_to"],
            )  # fmt: skip
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Sample request %(number)s saved.") % {"number": self.object.number})
        return redirect(self.object)


class SampleDispatchView(SampleFormMixin, FormView):
    template_name = "samples/dispatch_form.html"
    form_class = DispatchForm
    allowed = staticmethod(services.can_prepare)
    refused_message = _("Sample request %(number)s is not ready to dispatch.")

    def get_initial(self):
        return {"sent_on": timezone.localdate(), "cost_currency": "CNY"}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.dispatch_prepare(
                sample=self.object, actor=self.request.user, courier=data["courier"],
                tracking_number=data["tracking_number"], sent_on=data["sent_on"], cost=data["cost"],
                cost_currency=data["cost_currency"], expected_arrival=data["expected_arrival"],
                comment=data["comment"],
            )  # fmt: skip
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Dispatch of %(number)s prepared. A colleague must now check it before it goes out.")
            % {"number": self.object.number},
        )
        return redirect(self.object)

    def get_context_data(self, **kwargs):
        couriers = (
            SampleRequest.objects.exclude(courier="").values_list("courier", flat=True).distinct().order_by("courier")
        )
        return {
            **super().get_context_data(**kwargs),
            "lines": list(self.object.lines.select_related("product")),
            "couriers": list(couriers[:30]),
        }


class SampleFeedbackView(SampleFormMixin, FormView):
    template_name = "samples/feedback_form.html"
    form_class = FeedbackForm
    allowed = staticmethod(services.can_feedback)
    refused_message = _("Feedback can be recorded only for a sample that was sent.")

    def get_initial(self):
        sample = self.object
        return {
            "feedback_on": timezone.localdate(), "likelihood": sample.likelihood or None,
            "opinion": sample.opinion, "order": sample.order_id,
        }  # fmt: skip

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "orders": services.orders_to_link(self.request.user, self.object)[:50]}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # The picker shows the 50 most recent; validation accepts any order the service accepts.
        form.fields["order"].queryset = services.orders_to_link(self.request.user, self.object)
        form.fields["order"].widget.choices = [("", form.fields["order"].empty_label)] + [
            (o.pk, form.fields["order"].label_from_instance(o))
            for o in services.orders_to_link(self.request.user, self.object)[:50]
        ]
        return form

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            sample = services.feedback_record(
                sample=self.object, actor=self.request.user, opinion=data["opinion"], likelihood=data["likelihood"],
                feedback_on=data["feedback_on"], order=data["order"],
            )  # fmt: skip
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Feedback on %(number)s recorded.") % {"number": sample.number})
        return redirect(sample)


class SampleConvertView(SampleFormMixin, FormView):
    """Convert to order: a new sales order from the sample lines (orders.services.orders.order_create)."""

    template_name = "samples/convert_form.html"
    form_class = ConvertForm
    allowed = staticmethod(services.can_convert)
    refused_message = _("Sample request %(number)s cannot be converted now.")

    def get_lines(self):
        if not hasattr(self, "_lines"):
            self._lines = list(self.object.lines.select_related("product"))
        return self._lines

    def get_initial(self):
        lines = self.get_lines()
        currency = lines[0].product.currency if lines else "CNY"
        return {"received_on": timezone.localdate(), "currency": currency}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lines": self.get_lines()}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            order = services.sample_convert(
                sample=self.object, actor=self.request.user, customer_po=data["customer_po"],
                currency=data["currency"], lines=form.order_lines(), received_on=data["received_on"],
            )  # fmt: skip
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Order %(order)s filed from sample %(number)s.") % {"order": order.number, "number": self.object.number},
        )
        return redirect(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        orders = services.orders_to_link(self.request.user, self.object)[:50]
        context["link_form"] = LinkOrderForm(orders=orders)
        context["has_orders"] = bool(orders)
        return context


class SampleLinkOrderView(SampleActionMixin, View):
    def post(self, request, pk):
        form = LinkOrderForm(request.POST, orders=services.orders_to_link(request.user, self.object))
        if not form.is_valid():
            messages.error(request, _("Choose an order of this customer received since the sample was sent."))
            return redirect(self.object)
        return self.run(
            services.sample_link_order, _("Sample %(number)s linked to its order."), order=form.cleaned_data["order"]
        )


# Reports ---------------------------------------------------------------------------------


class ConversionView(LoginRequiredMixin, TemplateView):
    """Conversion rate (samples sent → orders) per customer, product and salesperson."""

    template_name = "samples/conversion.html"
    BY = ("salesperson", "customer", "product")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by = self.request.GET.get("by")
        by = by if by in self.BY else "salesperson"
        samples = SampleRequest.objects.visible_to(self.request.user)
        start, end = parse_date(self.request.GET.get("from")), parse_date(self.request.GET.get("to"))
        if start:
            samples = samples.filter(sent_on__gte=start)
        if end:
            samples = samples.filter(sent_on__lte=end)
        rows = services.conversion_rates(samples, by).order_by("-sent", "-rate")[:200]
        context.update(by=by, rows=list(rows), totals=services.conversion_totals(samples), start=start, end=end)
        return context


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def courier_totals(summary: list[dict]) -> list[dict]:
    """What finance checks against the couriers' statements: the month's total, per currency."""
    totals: dict[str, dict] = {}
    for row in summary:
        total = totals.setdefault(row["cost_currency"], {"currency": row["cost_currency"], "parcels": 0,
                                                         "total": Decimal("0.00")})  # fmt: skip
        total["parcels"] += row["parcels"]
        total["total"] += row["total"] or Decimal("0.00")
    return sorted(totals.values(), key=lambda t: t["currency"] or "")


# The reconciliation page lists this many parcels, and says the Excel has them all: 500 rows
# were 0.24 s of rendering at scale 100.
PARCELS_SHOWN = 200


class CourierReconciliationView(LoginRequiredMixin, TemplateView):
    """快递单对账: courier charges of a month, per courier, for finance (before the 15th)."""

    template_name = "samples/couriers.html"

    def get_month(self) -> date:
        month = parse_month(self.request.GET.get("month") or "")
        return month or add_months(timezone.localdate().replace(day=1), -1)

    def get_samples(self, month: date):
        return services.dispatched_in_month(SampleRequest.objects.for_reconciliation(self.request.user), month)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        month = self.get_month()
        samples = self.get_samples(month)
        parcels = samples.select_related("customer", "salesperson").order_by("courier", "sent_on", "pk")
        summary = services.courier_summary(samples)
        context.update(
            month=month,
            summary=summary,
            totals=courier_totals(summary),
            parcels=list(parcels[:PARCELS_SHOWN]),
            parcel_count=samples.count(),
            **month_navigation(month, month, timezone.localdate()),
        )
        return context

    def export(self):
        month = self.get_month()
        samples = self.get_samples(month)
        summary_columns = [
            Column(_("Courier"), lambda r: r["courier"], 24),
            Column(_("Parcels"), lambda r: r["parcels"], 10),
            Column(_("Currency"), lambda r: r["cost_currency"], 10),
            Column(_("Courier cost"), lambda r: r["total"], 14, MONEY_FORMAT),
        ]
        detail_columns = [
            Column(_("Courier"), lambda s: s.courier, 20),
            Column(_("Tracking number"), lambda s: s.tracking_number, 22),
            Column(_("Date sent"), lambda s: s.sent_on, 12, DATE_FORMAT),
            Column(_("Sample"), lambda s: s.number, 16),
            Column(_("Customer code"), lambda s: s.customer.code, 12),
            Column(_("Customer"), lambda s: s.customer.name, 30),
            Column(_("Salesperson"), lambda s: s.salesperson, 16),
            Column(_("Courier fee"), lambda s: s.get_courier_fee_display(), 14),
            Column(_("Currency"), lambda s: s.cost_currency, 10),
            Column(_("Courier cost"), lambda s: s.cost, 14, MONEY_FORMAT),
        ]
        parcels = samples.select_related("customer", "salesperson").order_by("courier", "sent_on", "pk")
        summary = services.courier_summary(samples)
        totals = [{"courier": _("Total"), "parcels": t["parcels"], "cost_currency": t["currency"], "total": t["total"]}
                  for t in courier_totals(summary)]  # fmt: skip
        return xlsx_response(
            f"courier-charges-{month:%Y-%m}.xlsx",
            [
                (_("Per courier"), summary_columns, [*summary, *totals]),
                (pgettext("list of parcels sent", "Parcels"), detail_columns, parcels.iterator(chunk_size=500)),
            ],
        )


class CourierExportView(CourierReconciliationView):
    def get(self, request, *args, **kwargs):
        return self.export()


# Sample items and loans ----------------------------------------------------------------------


class LoanListView(LoginRequiredMixin, ListView):
    """The register of sample items kept outside stock, with who has each one and until when."""

    template_name = "samples/loan_list.html"
    paginate_by = 50
    context_object_name = "loans"

    def get_queryset(self):
        qs = SampleLoan.objects.visible_to(self.request.user).select_related("item", "customer", "salesperson")
        state = self.request.GET.get("state", "out")
        today = timezone.localdate()
        if state == "overdue":
            qs = qs.overdue(today)
        elif state == "out":
            qs = qs.out()
        if (item := self.request.GET.get("item", "")).isdigit():
            qs = qs.filter(item_id=int(item))
        return qs.order_by("returned_on", "due_back", "pk") if state != "all" else qs.order_by("-lent_on", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        open_loans = SampleLoan.objects.out().values("item_id")
        items = SampleItem.objects.visible_to(self.request.user).filter(active=True)
        context.update(
            state=self.request.GET.get("state", "out"),
            today=timezone.localdate(),
            items_total=items.count(),
            items_available=items.exclude(pk__in=open_loans).count(),
            can_lend=services.can_work(self.request.user),
            return_form=ReturnForm(initial={"returned_on": timezone.localdate()}),
        )
        return context


class LoanCreateView(LoginRequiredMixin, FormView):
    template_name = "samples/loan_form.html"
    form_class = LoanForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.can_request(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            loan = services.loan_create(
                actor=self.request.user, item=data["item"], salesperson=data["salesperson"], due_back=data["due_back"],
                customer=data["customer"], borrower=data["borrower"], lent_on=data["lent_on"], note=data["note"],
            )  # fmt: skip
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("%(item)s lent to %(borrower)s.") % {"item": loan.item, "borrower": loan.borrower_label}
        )
        return redirect("samples:loan-list")


class LoanReturnView(ScopedMixin, SingleObjectMixin, View):
    model = SampleLoan
    http_method_names = ["post"]

    def post(self, request, pk):
        loan = self.get_object()  # outside scope: 404
        form = ReturnForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter the date it came back."))
            return redirect("samples:loan-list")
        try:
            services.loan_return(
                loan=loan, actor=request.user, returned_on=form.cleaned_data["returned_on"],
                condition=form.cleaned_data["condition"],
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(item)s is back in the register.") % {"item": loan.item})
        return redirect(reverse("samples:loan-list"))


class ItemListView(LoginRequiredMixin, ListView):
    template_name = "samples/item_list.html"
    paginate_by = 50
    context_object_name = "items"

    def get_queryset(self):
        from django.db.models import Prefetch

        qs = SampleItem.objects.visible_to(self.request.user).filter(active=True).select_related("product")
        if text := self.request.GET.get("q", "").strip():
            qs = qs.filter(Q(code__icontains=text) | Q(name__icontains=text) | Q(serial_number__icontains=text))
        return qs.prefetch_related(
            Prefetch("loans", queryset=SampleLoan.objects.out().select_related("customer"), to_attr="open_loans")
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "today": timezone.localdate(),
            "can_add": services.can_work(self.request.user),
        }


class ItemCreateView(LoginRequiredMixin, FormView):
    template_name = "samples/item_form.html"
    form_class = ItemForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.can_work(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        item = form.save()
        messages.success(self.request, _("%(item)s added to the register.") % {"item": item})
        return redirect("samples:item-list")


class LoanExportView(ListExportMixin, LoanListView):
    """The loan register as Excel: same scope, the same state/item choice and order."""

    export_title = gettext_lazy("Sample loans")
    export_name = "sample-loans"

    def export_columns(self):
        return [
            Column(_("Register number"), lambda loan: loan.item.code, 14),
            Column(_("Sample item"), lambda loan: loan.item.name, 28),
            Column(_("Salesperson"), lambda loan: loan.salesperson, 16),
            Column(_("Borrower"), lambda loan: loan.borrower_label, 28),
            Column(_("Lent on"), lambda loan: loan.lent_on, 12, DATE_FORMAT),
            Column(_("Due back"), lambda loan: loan.due_back, 12, DATE_FORMAT),
            Column(_("Returned on"), lambda loan: loan.returned_on, 12, DATE_FORMAT),
        ]


class ItemExportView(ListExportMixin, ItemListView):
    """The sample register as Excel, with who has each item now."""

    export_title = gettext_lazy("Sample register")
    export_name = "sample-register"

    def export_columns(self):
        return [
            Column(_("Register number"), lambda item: item.code, 14),
            Column(_("Name"), lambda item: item.name, 28),
            Column(_("Product"), lambda item: item.product.sku if item.product else None, 16),
            Column(_("Serial number"), lambda item: item.serial_number, 16),
            Column(_("Kept at"), lambda item: item.location, 16),
            Column(_("Out with"), lambda item: ", ".join(loan.borrower_label for loan in item.open_loans), 28),
            Column(
                _("Due back"),
                lambda item: min((loan.due_back for loan in item.open_loans), default=None),
                12,
                DATE_FORMAT,
            ),
            Column(_("Note"), lambda item: item.note, 30),
        ]
