"""Contract pages: list and Excel, two-step form, detail with timeline, workflow actions, PDF,
attachments, performance checklist and statistics.

Every contract is fetched through ``Contract.objects.visible_to(user)`` (``ScopedMixin``), so
a contract outside the user's scope is a 404 on every URL; writes go through ``services``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from core.audit import visible_history
from core.background_exports import BackgroundExportMixin
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, choice_labels, xlsx_response
from core.forms import add_error
from core.kept import KeptFiguresMixin
from core.mixins import HtmxTemplateMixin, ScopedMixin
from core.pagination import DeferredJoinPaginator
from core.pdf import pdf_response
from core.search import matching_keys
from core.uploads import file_response, safe_filename
from customers.models import Company
from orders.models import Order
from orders.services.orders import salespersons_for

from . import services
from .documents import contract_pdf_context
from .forms import (
    AmendmentForm,
    ArchiveForm,
    AttachmentForm,
    CommentForm,
    ContractFilterForm,
    ContractHeaderForm,
    OrderContractForm,
    PerformanceFilterForm,
    SalespersonForm,
    SignForm,
    line_formset,
)
from .models import Contract, ContractAttachment, ContractEvent
from .performance import PERIODS, attach_billing, performance_statistics, with_performance
from .queues import awaiting_approval_queryset

SORTS = {
    "number": ("number",),
    "created": ("created_at", "pk"),
    "customer": ("customer__code", "pk"),
    "salesperson": ("salesperson__username", "pk"),
    "status": ("status", "pk"),
    "valid": ("valid_until", "pk"),
    "signed": ("signed_on", "pk"),
    "amount": ("amount", "pk"),
}
DEFAULT_SORT = "-created"


def _sorted(request, queryset):
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.lstrip("-") not in SORTS:
        sort = DEFAULT_SORT
    fields = SORTS[sort.lstrip("-")]
    ordering = [f"-{f}" for f in fields] if sort.startswith("-") else list(fields)
    return queryset.order_by(*ordering), sort


def filtered_contracts(request, form_class=ContractFilterForm):
    """The list's queryset with its filters and sort, shared by the page and its Excel."""
    user = request.user
    form = form_class(request.GET or None, user=user)
    queryset = Contract.objects.visible_to(user)
    if form_class is PerformanceFilterForm:
        queryset = queryset.filter(status__in=Contract.LINKABLE)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        text = (data["q"] or "").strip()
        if text:
            matching = matching_keys(Company.objects.search(text))
            queryset = queryset.filter(
                Q(number__icontains=text)
                | Q(register_number__icontains=text)
                | Q(title__icontains=text)
                | Q(customer_id__in=matching)
            )
        status = data["status"]
        if status == "awaiting":
            queryset = queryset.filter(status__in=Contract.AWAITING_APPROVAL)
        elif status == "returned":
            queryset = queryset.filter(status=Contract.Status.DRAFT, returned=True)
        elif status:
            queryset = queryset.filter(status=status)
        if data.get("mine"):
            queryset = queryset.filter(pk__in=awaiting_approval_queryset(user).values("pk"))
        if data["salesperson"]:
            queryset = queryset.filter(salesperson=data["salesperson"])
        if data["customer"]:
            queryset = queryset.filter(customer=data["customer"])
        if data["confidential"]:
            queryset = queryset.filter(confidential=True)
    queryset, sort = _sorted(request, queryset)
    return form, queryset, sort


def applied_filters(form) -> list[tuple[str, str]]:
    if not form.is_bound or not form.is_valid():
        return []
    applied = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", False) or name == "q" and not str(value).strip():
            continue
        field = form.fields[name]
        if isinstance(value, bool):
            shown = _("yes")
        elif hasattr(field, "queryset"):
            shown = field.label_from_instance(value)
        elif hasattr(field, "choices"):
            shown = dict(field.choices).get(value, value)
        else:
            shown = value
        applied.append((str(field.label), str(shown)))
    return applied


class ContractListView(LoginRequiredMixin, HtmxTemplateMixin, ListView):
    template_name = "contracts/contract_list.html"
    fragment_template_name = "contracts/_contract_rows.html"
    paginate_by = 50
    paginator_class = DeferredJoinPaginator  # deep pages walk the keys alone
    context_object_name = "contracts"

    def get_queryset(self):
        self.filter_form, queryset, self.sort = filtered_contracts(self.request)
        return queryset.select_related("customer", "salesperson", "maker")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            filter_form=self.filter_form,
            sort=self.sort,
            active_filters=applied_filters(self.filter_form),
            can_create=services.can_operate(self.request.user) and salespersons_for(self.request.user).exists(),
            section="contracts",
        )
        return context


def _person(user) -> str:
    return str(user) if user else ""


class ContractExportView(LoginRequiredMixin, BackgroundExportMixin, View):
    """The filtered list as Excel, same scope. Past settings.EXPORT_INLINE_MAX_ROWS (all 20,000
    contracts, say) a worker builds it and the user watches its progress instead of a hanging request."""

    export_title = gettext_lazy("Contracts")

    def export_row_count(self, request) -> int:
        return filtered_contracts(request)[1].count()

    def build_export(self, request) -> tuple[str, list]:
        _form, queryset, _sort = filtered_contracts(request)
        labels = choice_labels(Contract.Status.choices)
        rows = queryset.select_related("customer", "salesperson", "maker").iterator(chunk_size=2000)
        columns = [
            Column(_("Contract number"), lambda c: c.number, 16),
            Column(_("Created"), lambda c: c.created_at, 16, "yyyy-mm-dd hh:mm"),
            Column(_("Customer code"), lambda c: c.customer.code, 12),
            Column(_("Customer"), lambda c: c.customer.name, 32),
            Column(_("English name"), lambda c: c.customer.name_en, 28),
            Column(_("Subject"), lambda c: c.title, 24),
            Column(_("Salesperson"), lambda c: _person(c.salesperson), 16),
            Column(_("Made by"), lambda c: _person(c.maker), 16),
            Column(_("Status"), lambda c: labels.get(c.status, c.status), 14),
            Column(_("Confidential"), lambda c: c.confidential, 8),
            Column(_("Currency"), lambda c: c.currency, 8),
            Column(_("Amount"), lambda c: c.amount, 14, MONEY_FORMAT),
            Column(_("Valid from"), lambda c: c.valid_from, 12, DATE_FORMAT),
            Column(_("Valid until"), lambda c: c.valid_until, 12, DATE_FORMAT),
            Column(_("Signed on"), lambda c: c.signed_on, 12, DATE_FORMAT),
            Column(_("Register number"), lambda c: c.register_number, 16),
            Column(_("Archive location"), lambda c: c.archive_location, 24),
            Column(_("Amendments"), lambda c: c.amendment_count, 8, "0"),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"contracts-{stamp}.xlsx", [(_("Contracts"), columns, rows)]


class ContractFormMixin:
    template_name = "contracts/contract_form.html"

    def form_context(self, salesperson, form, formset, **extra):
        return {
            "step": 2,
            "salesperson": salesperson,
            "form": form,
            "formset": formset,
            "section": "contracts",
            **extra,
        }


class ContractCreateView(LoginRequiredMixin, ContractFormMixin, TemplateView):
    """Two steps: choose the salesperson (seed 003 區別 6), then the contract and its lines."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.salespersons = salespersons_for(request.user).order_by("username")
        if not services.can_operate(request.user) or not self.salespersons.exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_salesperson(self):
        raw = self.request.POST.get("salesperson") or self.request.GET.get("salesperson")
        if raw is None:
            user = self.request.user
            if user.role == user.Role.SALESPERSON and self.salespersons.filter(pk=user.pk).exists():
                return user
            return None
        if not str(raw).isdigit():
            raise Http404
        return get_object_or_404(self.salespersons, pk=int(raw))

    def get(self, request, *args, **kwargs):
        salesperson = self.get_salesperson()
        if salesperson is None:
            return self.render_to_response(
                {"step": 1, "salesperson_form": SalespersonForm(user=request.user), "section": "contracts"}
            )
        today = timezone.localdate()
        form = ContractHeaderForm(
            user=request.user,
            salesperson=salesperson,
            initial={"valid_from": today, "valid_until": today.replace(year=today.year + 1), "currency": "CNY"},
        )
        return self.render_to_response(self.create_context(salesperson, form, line_formset()))

    def create_context(self, salesperson, form, formset):
        return self.form_context(salesperson, form, formset, can_change_salesperson=self.salespersons.count() > 1)

    def post(self, request, *args, **kwargs):
        salesperson = self.get_salesperson()
        if salesperson is None:
            raise Http404
        form = ContractHeaderForm(request.POST, user=request.user, salesperson=salesperson)
        formset = line_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                contract = services.contract_create(
                    actor=request.user,
                    salesperson=salesperson,
                    lines=formset.lines(),
                    **{name: data[name] for name in services.HEADER_FIELDS},
                )
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Contract %(number)s was drafted.") % {"number": contract.number})
                return redirect(contract)
        return self.render_to_response(self.create_context(salesperson, form, formset))


class ContractUpdateView(ScopedMixin, ContractFormMixin, SingleObjectMixin, TemplateView):
    model = Contract

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not services.can_operate(request.user):
            raise Http404
        if self.object.status != Contract.Status.DRAFT:
            messages.error(request, _("Only a draft can be edited; return it for changes first."))
            return redirect(self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "factory", "salesperson")

    def get(self, request, *args, **kwargs):
        contract = self.object
        form = ContractHeaderForm(instance=contract, user=request.user, salesperson=contract.salesperson)
        initial = [
            {k: getattr(line, k) for k in ("description", "quantity", "unit", "unit_price")}
            | {"product": line.product_id}
            for line in contract.lines.all()
        ]
        formset = line_formset(initial=initial, extra=0)
        return self.render_to_response(self.form_context(contract.salesperson, form, formset, contract=contract))

    def post(self, request, *args, **kwargs):
        contract = self.object
        form = ContractHeaderForm(request.POST, instance=contract, user=request.user, salesperson=contract.salesperson)
        formset = line_formset(data=request.POST)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                contract = services.contract_update(
                    contract=Contract.objects.get(pk=contract.pk),
                    actor=request.user,
                    lines=formset.lines(),
                    **{name: data[name] for name in services.HEADER_FIELDS},
                )
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("Changes to contract %(number)s were saved.") % {"number": contract.number})
                return redirect(contract)
        return self.render_to_response(self.form_context(contract.salesperson, form, formset, contract=contract))


class ContractDetailView(ScopedMixin, DetailView):
    model = Contract
    template_name = "contracts/contract_detail.html"
    context_object_name = "contract"

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "factory", "salesperson__team__manager", "maker")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract: Contract = self.object
        user = self.request.user
        actions = services.allowed_actions(user, contract)
        events = list(ContractEvent.objects.filter(contract=contract).select_related("actor"))
        # A returned draft says why on top, not only deep in the timeline.
        rejections = [e for e in events if e.action == ContractEvent.Action.REJECTED]
        performance = None
        if contract.status in Contract.LINKABLE:
            performance = attach_billing(list(with_performance(Contract.objects.filter(pk=contract.pk))))[0]
        context.update(
            section="contracts",
            lines=list(contract.lines.select_related("product")),
            events=events,
            rejection=rejections[-1] if rejections else None,
            attachments=ContractAttachment.objects.filter(contract=contract).select_related("uploaded_by"),
            amendments=contract.amendments.select_related("made_by"),
            orders=Order.objects.visible_to(user).filter(contract=contract).select_related("customer"),
            actions=actions,
            approvers=services.next_approvers(contract) if contract.status in Contract.AWAITING_APPROVAL else [],
            performance=performance,
            audit_history=visible_history(user, contract),
            self_involved=services._involved(user, contract),
            sign_form=SignForm(initial={"signed_on": timezone.localdate()}),
            archive_form=ArchiveForm(),
            amendment_form=AmendmentForm(),
            attachment_form=AttachmentForm(),
        )
        return context


class ContractActionMixin(ScopedMixin, SingleObjectMixin, View):
    """POST-only actions on a contract in scope (outside scope: 404)."""

    model = Contract
    http_method_names = ["post"]

    def act(self, request, contract):  # pragma: no cover - each action defines it
        raise NotImplementedError

    def post(self, request, pk):
        contract = self.get_object()
        try:
            message = self.act(request, contract)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if message:
                messages.success(request, message)
        return redirect(contract)


class ContractSubmitView(ContractActionMixin):
    def act(self, request, contract):
        form = CommentForm(request.POST)
        form.is_valid()
        contract = services.contract_submit(
            contract=contract, actor=request.user, comment=form.cleaned_data.get("comment", "")
        )
        names = ", ".join(str(p) for p in services.next_approvers(contract))
        return _("Contract %(number)s was submitted; %(who)s will decide.") % {
            "number": contract.number,
            "who": names or _("the general manager"),
        }


class ContractApproveView(ContractActionMixin):
    def act(self, request, contract):
        form = CommentForm(request.POST)
        form.is_valid()
        contract = services.contract_approve(
            contract=contract, actor=request.user, comment=form.cleaned_data.get("comment", "")
        )
        if contract.status == Contract.Status.MANAGER_APPROVED:
            return _("Contract %(number)s was approved; it now goes to the general manager.") % {
                "number": contract.number
            }
        return _("Contract %(number)s is approved.") % {"number": contract.number}


class ContractRejectView(ContractActionMixin):
    def act(self, request, contract):
        form = CommentForm(request.POST)
        form.is_valid()
        contract = services.contract_reject(
            contract=contract, actor=request.user, comment=form.cleaned_data.get("comment", "")
        )
        return _("Contract %(number)s was returned for changes.") % {"number": contract.number}


class ContractSignView(ContractActionMixin):
    def act(self, request, contract):
        form = SignForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        contract = services.contract_sign(
            contract=contract,
            actor=request.user,
            scan=form.cleaned_data["scan"],
            signed_on=form.cleaned_data["signed_on"],
            comment=form.cleaned_data["comment"],
        )
        return _("Contract %(number)s is signed; register number %(register)s.") % {
            "number": contract.number,
            "register": contract.register_number,
        }


class ContractArchiveView(ContractActionMixin):
    def act(self, request, contract):
        form = ArchiveForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Say where the paper original is kept."))
        contract = services.contract_archive(
            contract=contract, actor=request.user, archive_location=form.cleaned_data["archive_location"]
        )
        return _("Contract %(number)s is archived.") % {"number": contract.number}


class AmendmentCreateView(ContractActionMixin):
    def act(self, request, contract):
        form = AmendmentForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Say what changed and why."))
        amendment = services.amendment_create(contract=contract, actor=request.user, **form.cleaned_data)
        return _("Amendment %(n)s to contract %(number)s was recorded; the people concerned were told.") % {
            "n": amendment.number,
            "number": contract.number,
        }


class AttachmentUploadView(ContractActionMixin):
    def act(self, request, contract):
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError(_("Choose a file to upload."))
        attachment = services.contract_attach(contract=contract, actor=request.user, file=form.cleaned_data["file"])
        return _("%(name)s was attached.") % {"name": attachment.original_name}


class AttachmentDownloadView(ScopedMixin, SingleObjectMixin, View):
    model = Contract

    def get(self, request, pk, attachment_pk):
        contract = self.get_object()  # outside scope: 404
        attachment = get_object_or_404(ContractAttachment, contract=contract, pk=attachment_pk)
        try:
            return file_response(
                attachment.file,
                filename=safe_filename(attachment.original_name, attachment.content_type),
                content_type=attachment.content_type,
                inline=attachment.content_type == "application/pdf" or attachment.content_type.startswith("image/"),
            )
        except FileNotFoundError as error:
            raise Http404(_("The file is missing.")) from error


class ContractPdfView(ScopedMixin, SingleObjectMixin, View):
    model = Contract

    def get_queryset(self):
        return super().get_queryset().select_related("customer", "factory", "salesperson", "maker")

    def get(self, request, pk):
        contract = self.get_object()
        return pdf_response(
            "pdf/contract.html", contract_pdf_context(contract), filename=f"{contract.number}.pdf", request=request
        )


# Orders ----------------------------------------------------------------------------------------


class OrderContractLinkView(ScopedMixin, SingleObjectMixin, View):
    """The contract picker on an order page (the order must be in scope: else 404)."""

    model = Order
    http_method_names = ["post"]

    def post(self, request, pk):
        order = self.get_object()
        form = OrderContractForm(request.POST, user=request.user, order=order)
        if not form.is_valid():
            messages.error(request, _("Choose an approved or signed contract of the same salesperson and customer."))
            return redirect(order)
        try:
            services.order_link_contract(order=order, contract=form.cleaned_data["contract"], actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            contract = form.cleaned_data["contract"]
            if contract:
                messages.success(request, _("Order linked to contract %(number)s.") % {"number": contract.number})
            else:
                messages.success(request, _("The order is no longer linked to a contract."))
        return redirect(order)


# Performance -----------------------------------------------------------------------------------


class PerformanceListView(LoginRequiredMixin, ListView):
    template_name = "contracts/performance_list.html"
    paginate_by = 50
    # Deep pages walk the keys alone: PostgreSQL computes a row's ordered and shipped sums even
    # for the rows an OFFSET skips (0.3 s for page 200 at scale 100).
    paginator_class = DeferredJoinPaginator
    context_object_name = "contracts"

    def get_queryset(self):
        self.filter_form, queryset, self.sort = performance_queryset(self.request)
        return queryset.select_related("customer", "salesperson")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contracts"] = attach_billing(list(context["contracts"]))
        context.update(
            filter_form=self.filter_form,
            sort=self.sort,
            active_filters=applied_filters(self.filter_form),
            section="performance",
        )
        return context


def performance_queryset(request):
    form, queryset, sort = filtered_contracts(request, PerformanceFilterForm)
    queryset = with_performance(queryset)
    if form.is_bound and form.is_valid():
        fulfilment = form.cleaned_data.get("fulfilment")
        if fulfilment == "open":
            queryset = queryset.filter(shipped__lt=F("amount"))
        elif fulfilment == "done":
            queryset = queryset.filter(shipped__gte=F("amount"))
    return form, queryset, sort


class PerformanceExportView(LoginRequiredMixin, BackgroundExportMixin, View):
    """The performance checklist as Excel; a big one is built by a worker (core.background_exports)."""

    export_title = gettext_lazy("Contract performance checklist")

    def export_row_count(self, request) -> int:
        return performance_queryset(request)[1].count()

    def build_export(self, request) -> tuple[str, list]:
        _form, queryset, _sort = performance_queryset(request)
        rows = queryset.select_related("customer", "salesperson")

        def chunks():
            # The receivables API answers per batch of ids; a page of 2,000 rows at a time.
            batch: list[Contract] = []
            for contract in rows.iterator(chunk_size=2000):
                batch.append(contract)
                if len(batch) == 2000:
                    yield from attach_billing(batch)
                    batch = []
            yield from attach_billing(batch)

        labels = choice_labels(Contract.Status.choices)
        columns = [
            Column(_("Contract number"), lambda c: c.number, 16),
            Column(_("Customer code"), lambda c: c.customer.code, 12),
            Column(_("Customer"), lambda c: c.customer.name, 32),
            Column(_("Salesperson"), lambda c: _person(c.salesperson), 16),
            Column(_("Status"), lambda c: labels.get(c.status, c.status), 12),
            Column(_("Signed on"), lambda c: c.signed_on, 12, DATE_FORMAT),
            Column(_("Currency"), lambda c: c.currency, 8),
            Column(_("Contract amount"), lambda c: c.amount, 14, MONEY_FORMAT),
            Column(_("Ordered value"), lambda c: c.ordered, 14, MONEY_FORMAT),
            Column(_("Shipped"), lambda c: c.shipped, 14, MONEY_FORMAT),
            Column(_("Invoiced"), lambda c: c.invoiced, 14, MONEY_FORMAT),
            Column(_("Paid"), lambda c: c.paid, 14, MONEY_FORMAT),
            Column(_("Fulfilled"), lambda c: c.percent_fulfilled, 10, "0.0"),
            Column(_("Open balance"), lambda c: c.open_balance, 14, MONEY_FORMAT),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"contract-performance-{stamp}.xlsx", [(_("Performance"), columns, chunks())]


class StatisticsMixin(LoginRequiredMixin):
    def get_params(self) -> tuple[str, int]:
        kind = self.request.GET.get("period", "month")
        if kind not in PERIODS:
            kind = "month"
        today = timezone.localdate()
        raw = self.request.GET.get("year", "")
        year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year + 1 else today.year
        return kind, year


class StatisticsView(KeptFiguresMixin, StatisticsMixin, TemplateView):
    template_name = "contracts/statistics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind, year = self.get_params()
        stats = self.kept(lambda: performance_statistics(self.request.user, kind=kind, year=year))
        context.update(
            section="statistics",
            stats=stats,
            kind=kind,
            year=year,
            previous_year=year - 1,
            next_year=year + 1 if year < timezone.localdate().year else None,
            chart=stats.chart(),
            base_currency=settings.BASE_CURRENCY,
            periods=[("month", _("Monthly")), ("quarter", _("Quarterly")), ("year", _("Annual"))],
        )
        return context


class StatisticsExportView(StatisticsMixin, View):
    def get(self, request):
        kind, year = self.get_params()
        stats = performance_statistics(request.user, kind=kind, year=year)
        names = {"signed": _("Signed"), "shipped": _("Shipped"), "invoiced": _("Invoiced"), "paid": _("Paid")}

        def value_columns() -> list[Column]:
            return [
                Column(f"{names[m]} {cur}", lambda r, m=m, cur=cur: r[m].get(cur, Decimal("0")), 14, MONEY_FORMAT)
                for m in names
                for cur in stats.currencies
            ]

        sheets = [
            (_("By period"), [Column(_("Period"), lambda r: r["label"], 12), *value_columns()], list(stats.rows())),
            (
                _("By salesperson"),
                [Column(_("Salesperson"), lambda r: r["person"], 18), *value_columns()],
                [{"person": str(p), **d} for p, d in stats.by_salesperson],
            ),
        ]
        return xlsx_response(f"contract-statistics-{kind}-{year}.xlsx", sheets)
