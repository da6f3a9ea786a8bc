"""Payments: list, record, detail with allocation, confirm (finance), reverse (finance)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from django.views.generic import CreateView, DetailView, ListView
from django.views.generic.detail import SingleObjectMixin

from core.audit import visible_history
from core.background_exports import BackgroundExportMixin
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column
from core.forms import add_error
from core.mixins import ScopedMixin
from core.pagination import DeferredJoinPaginator
from core.search import matching_keys
from customers.models import Company

from ..forms import PaymentForm, customers_for
from ..models import Allocation, Invoice, InvoiceEvent, Payment
from ..services import payments as services
from .invoices import timeline


class CustomerLookupView(LoginRequiredMixin, View):
    """Customers for the payment form: finance picks any customer, others their scope."""

    def get(self, request):
        queryset = customers_for(request.user).search(request.GET.get("q", ""))
        rows = queryset.select_related("owner").order_by("code")[:20]
        # The payment is the customer owner's (SPEC §1: an assistant works for a chosen salesperson):
        # name them, so an assistant serving several salespersons sees whose customer they pick.
        return JsonResponse({"results": [{"id": c.pk, "text": f"{c.code} {c.name} · {c.owner}"} for c in rows]})


def filtered_payments(request):
    queryset = Payment.objects.visible_to(request.user).with_allocated().select_related("customer", "salesperson")
    applied = []
    status = request.GET.get("status", "")
    if status in Payment.Status.values:
        queryset = queryset.filter(status=status)
        applied.append((_("Status"), Payment.Status(status).label))
    q = request.GET.get("q", "").strip()
    if q:
        queryset = queryset.filter(
            Q(number__icontains=q)
            | Q(bank_reference__icontains=q)
            | Q(customer_id__in=matching_keys(Company.objects.search(q)))
        )
        applied.append((_("Search"), q))
    customer = request.GET.get("customer", "")
    if customer.isdigit():
        queryset = queryset.filter(customer_id=int(customer))
        applied.append((_("Customer"), customer))
    return queryset.order_by("-received_on", "-pk"), applied


class PaymentExportView(LoginRequiredMixin, BackgroundExportMixin, View):
    """The filtered payment list as Excel; past settings.EXPORT_INLINE_MAX_ROWS a worker builds it."""

    export_title = gettext_lazy("Payments")

    def export_row_count(self, request) -> int:
        return filtered_payments(request)[0].order_by().count()

    def build_export(self, request):
        queryset, _applied = filtered_payments(request)
        columns = [
            Column(_("Payment"), lambda p: p.number),
            Column(pgettext("payment", "Received on"), lambda p: p.received_on, number_format=DATE_FORMAT),
            Column(_("Customer"), lambda p: f"{p.customer.code} {p.customer.name}", width=30),
            Column(_("Salesperson"), lambda p: str(p.salesperson)),
            Column(_("Method"), lambda p: p.get_method_display()),
            Column(_("Bank reference"), lambda p: p.bank_reference),
            Column(_("Status"), lambda p: p.get_status_display()),
            Column(_("Currency"), lambda p: p.currency, width=8),
            Column(_("Amount"), lambda p: p.amount, number_format=MONEY_FORMAT),
            Column(_("Unallocated"), lambda p: p.unallocated, number_format=MONEY_FORMAT),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"payments-{stamp}.xlsx", [(str(_("Payments")), columns, queryset.iterator(chunk_size=2000))]


class PaymentListView(ScopedMixin, ListView):
    model = Payment
    template_name = "receivables/payment_list.html"
    paginate_by = 50
    paginator_class = DeferredJoinPaginator  # deep pages walk the keys alone
    context_object_name = "payments"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":  # old links: the download has its own URL now
            query = request.GET.copy()
            query.pop("export")
            return redirect(reverse("receivables:payment-export") + (f"?{query.urlencode()}" if query else ""))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset, self.applied = filtered_payments(self.request)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            active_filters=self.applied,
            statuses=Payment.Status.choices,
            can_create=services.can_record_payment(self.request.user),
        )
        return context


class PaymentCreateView(LoginRequiredMixin, CreateView):
    model = Payment
    form_class = PaymentForm
    template_name = "receivables/payment_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.can_record_payment(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.request.GET.get("customer", "").isdigit():
            kwargs.setdefault("initial", {})["customer"] = int(self.request.GET["customer"])
        return kwargs

    def form_valid(self, form):
        try:
            payment = services.payment_record(actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Payment %(number)s recorded: now allocate it to the invoices it pays.") % {"number": payment.number},
        )
        return redirect(payment)


class PaymentDetailView(ScopedMixin, DetailView):
    model = Payment
    template_name = "receivables/payment_detail.html"
    context_object_name = "payment"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .with_allocated()
            .select_related("customer", "salesperson", "recorded_by", "confirmed_by", "reversed_by")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payment: Payment = self.object
        user = self.request.user
        can_allocate = (
            services.can_record_payment(user) and payment.status != Payment.Status.REVERSED and payment.unallocated > 0
        )
        open_invoices = []
        if can_allocate:
            open_invoices = list(
                Invoice.objects.visible_to(user)
                .issued()
                .filter(customer=payment.customer, currency=payment.currency)
                .with_open()
                .filter(open_amount__gt=0)
                .order_by("invoice_date", "pk")[:100]
            )
        context.update(
            allocations=Allocation.objects.filter(payment=payment)
            .select_related("instalment__invoice", "created_by")
            .order_by("pk"),
            events=timeline(InvoiceEvent.objects.filter(payment=payment).select_related("actor")),
            open_invoices=open_invoices,
            can_allocate=can_allocate,
            can_confirm=services.can_confirm(user) and payment.status == Payment.Status.RECORDED,
            can_reverse=services.can_confirm(user) and payment.status != Payment.Status.REVERSED,
            allocation_errors=kwargs.get("allocation_errors", {}),
            audit_history=visible_history(user, payment),
            today=timezone.localdate(),
        )
        return context


class PaymentActionView(ScopedMixin, SingleObjectMixin, View):
    model = Payment
    http_method_names = ["post"]

    def post(self, request, pk):
        payment = self.get_object()  # outside scope: 404
        try:
            message = self.act(payment)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, message)
        return redirect(payment)


class PaymentAllocateView(PaymentActionView):
    def act(self, payment):
        amounts = {}
        for key, value in self.request.POST.items():
            if key.startswith("alloc_") and key[6:].isdigit() and value.strip():
                try:
                    amounts[int(key[6:])] = Decimal(value.replace(",", "").strip())
                except InvalidOperation:
                    raise ValidationError(_("Enter amounts as numbers.")) from None
        made = services.payment_allocate(payment=payment, actor=self.request.user, amounts=amounts)
        total = sum((a.amount for a in made), Decimal("0"))
        return _("%(amount)s allocated to %(count)d invoice(s).") % {
            "amount": f"{payment.currency} {total:,.2f}",
            "count": len({a.instalment.invoice_id for a in made}),
        }


class PaymentConfirmView(PaymentActionView):
    def act(self, payment):
        services.payment_confirm(payment=payment, actor=self.request.user)
        return _("Payment %(number)s confirmed.") % {"number": payment.number}


class PaymentReverseView(PaymentActionView):
    def act(self, payment):
        services.payment_reverse(payment=payment, actor=self.request.user, reason=self.request.POST.get("reason", ""))
        return _("Payment %(number)s reversed; its allocations no longer count.") % {"number": payment.number}
