"""Company files: list, Excel, detail, create, edit, assignment and transfer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView
from django.views.generic.detail import SingleObjectMixin

from accounts.scope import visible_salespersons
from core.audit import visible_history
from core.exports import Column, xlsx_response
from core.mixins import HtmxTemplateMixin, ScopedMixin
from core.pagination import DeferredJoinPaginator
from customers import rules
from customers.forms.companies import AssignForm, CompanyFilterForm, CompanyForm, TransferForm
from customers.models import Company, CompanyAssignment, Contact
from customers.services.companies import company_assign, company_create, company_transfer, company_unassign
from customers.services.interactions import follow_up_refresh

SORTS = {
    "code": "code",
    "name": "name",
    "grade": "grade",
    "owner": "owner__username",
    "region": "region",
    "follow_up": "next_follow_up_on",
    "created": "created_at",
}


def filtered_companies(request) -> tuple[CompanyFilterForm, object, str]:
    """The list page's queryset with its filters and sort, shared by the page and its Excel."""
    user = request.user
    visible = Company.objects.visible_to(user)
    owners = visible_salespersons(user).order_by("username")
    form = CompanyFilterForm(request.GET or None, owners=owners)
    queryset = visible.select_related("owner")
    if form.is_valid():
        data = form.cleaned_data
        queryset = queryset.search(data["q"])
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        if data["grade"]:
            queryset = queryset.filter(grade=data["grade"])
        if data["owner"]:
            queryset = queryset.filter(owner=data["owner"])
        if data["region"]:
            queryset = queryset.filter(region__icontains=data["region"])
        if data["follow_up"] == "due":
            queryset = queryset.follow_up_due(timezone.localdate())
    sort = request.GET.get("sort", "code")
    field = SORTS.get(sort.lstrip("-"), "code")
    ordering = f"-{field}" if sort.startswith("-") else field
    return form, queryset.order_by(ordering, "pk"), sort


def applied_filters(form) -> list[tuple[str, str]]:
    """(label, shown value) of each filter in use, for the "Applied:" chips."""
    if not form.is_bound or not form.is_valid():
        return []
    applied = []
    for name, value in form.cleaned_data.items():
        if value in (None, ""):
            continue
        field = form.fields[name]
        shown = (
            dict(field.choices).get(value, value)
            if hasattr(field, "choices") and not hasattr(field, "queryset")
            else value
        )
        applied.append((field.label, str(shown)))
    return applied


class CompanyListView(LoginRequiredMixin, HtmxTemplateMixin, ListView):
    template_name = "customers/company_list.html"
    fragment_template_name = "customers/_company_rows.html"
    paginate_by = 50
    paginator_class = DeferredJoinPaginator  # deep pages walk the keys alone
    context_object_name = "companies"

    def get_queryset(self):
        self.filter_form, queryset, self.sort = filtered_companies(self.request)
        return queryset.prefetch_related(
            Prefetch("assignments", queryset=CompanyAssignment.objects.select_related("assistant"))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            filter_form=self.filter_form,
            sort=self.sort,
            today=timezone.localdate(),
            can_create=rules.can_create_company(self.request.user),
            active_filters=applied_filters(self.filter_form),
        )
        return context


class CompanyExportView(LoginRequiredMixin, View):
    """The list as Excel: same filters, same scope."""

    def get(self, request):
        _form, queryset, _sort = filtered_companies(request)
        queryset = queryset.prefetch_related(
            Prefetch("assignments", queryset=CompanyAssignment.objects.select_related("assistant")),
            Prefetch("contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts"),
        )
        columns = [
            Column(_("Code"), lambda c: c.code, 12),
            Column(_("Kind"), lambda c: c.get_kind_display(), 10),
            Column(_("Legal name"), lambda c: c.name, 36),
            Column(_("English name"), lambda c: c.name_en, 32),
            Column(_("Short name"), lambda c: c.short_name, 16),
            Column(_("Grade"), lambda c: c.get_grade_display(), 10),
            Column(_("Country / region"), lambda c: c.region, 14),
            Column(_("Industry"), lambda c: c.industry, 16),
            Column(_("Owner"), lambda c: str(c.owner), 18),
            Column(_("Assigned assistants"), lambda c: ", ".join(str(a.assistant) for a in c.assignments.all()), 24),
            Column(_("Primary contact"), lambda c: c.primary_contacts[0].name if c.primary_contacts else "", 16),
            Column(_("Currency"), lambda c: c.currency, 8),
            Column(_("Credit limit"), lambda c: c.credit_limit, 14, "#,##0.00"),
            Column(_("Payment terms"), lambda c: c.payment_terms, 24),
            Column(_("Tax id"), lambda c: c.tax_id, 22),
            Column(_("Next follow-up"), lambda c: c.next_follow_up_on, 14, "yyyy-mm-dd"),
            Column(_("Created"), lambda c: c.created_at, 18, "yyyy-mm-dd hh:mm"),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(f"companies-{stamp}.xlsx", [(_("Companies"), columns, queryset.iterator(chunk_size=2000))])


class CompanyDetailView(ScopedMixin, DetailView):
    model = Company
    template_name = "customers/company_detail.html"
    context_object_name = "company"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("owner", "owner__team", "created_by")
            .prefetch_related(
                Prefetch("assignments", queryset=CompanyAssignment.objects.select_related("assistant", "assigned_by")),
                "contacts",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        company: Company = self.object
        user = self.request.user
        can_assign = rules.can_assign(user, company)
        context.update(
            today=timezone.localdate(),
            contacts=company.contacts.all(),
            documents=company.documents.select_related("uploaded_by"),
            interactions=company.interactions.select_related("user", "contact")[:20],
            complaints=company.complaints.select_related("handler")[:20],
            surveys=company.surveys.select_related("surveyed_by"),
            ownership_changes=company.ownership_changes.select_related("from_owner", "to_owner", "changed_by"),
            audit_history=visible_history(user, company),
            can_assign=can_assign,
            can_transfer=rules.can_transfer(user, company),
            assign_form=AssignForm(company=company) if can_assign else None,
        )
        return context


class CompanyCreateView(LoginRequiredMixin, CreateView):
    model = Company
    form_class = CompanyForm
    template_name = "customers/company_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not rules.can_create_company(request.user):
            raise PermissionDenied(_("Sales assistants cannot create customers or factories."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        company = form.save(commit=False)
        try:
            company.next_follow_up_on = company.compute_next_follow_up(timezone.localdate())
            self.object = company_create(actor=self.request.user, company=company)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(company)s was created. You own it.") % {"company": company})
        return redirect(self.object)


class CompanyUpdateView(ScopedMixin, UpdateView):
    model = Company
    form_class = CompanyForm
    template_name = "customers/company_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        company = form.save(commit=False)
        # Save only what the form edits: an interaction logged meanwhile keeps its dates.
        company.save(update_fields=[*form.changed_data, "updated_at"] if form.changed_data else ["updated_at"])
        if "follow_up_days" in form.changed_data:
            follow_up_refresh(company=company)
        messages.success(self.request, _("Changes to %(company)s were saved.") % {"company": company})
        return redirect(company)


class CompanyActionMixin(ScopedMixin, SingleObjectMixin, View):
    """POST-only actions on a company in scope (outside scope: 404)."""

    model = Company
    http_method_names = ["post"]


class CompanyAssignView(CompanyActionMixin):
    def post(self, request, pk):
        company = self.get_object()
        if not rules.can_assign(request.user, company):
            raise Http404
        form = AssignForm(request.POST, company=company)
        if not form.is_valid():
            messages.error(request, _("Choose an assistant who works for %(owner)s.") % {"owner": company.owner})
            return redirect(company)
        assistant = form.cleaned_data["assistant"]
        try:
            company_assign(company=company, assistant=assistant, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request, _("%(assistant)s can now work on %(company)s.") % {"assistant": assistant, "company": company}
            )
        return redirect(company)


class CompanyUnassignView(CompanyActionMixin):
    def post(self, request, pk, assistant_pk):
        company = self.get_object()
        if not rules.can_assign(request.user, company):
            raise Http404
        assignment = get_object_or_404(
            CompanyAssignment.objects.select_related("assistant"), company=company, assistant_id=assistant_pk
        )
        company_unassign(company=company, assistant=assignment.assistant, actor=request.user)
        messages.success(
            request,
            _("%(assistant)s no longer works on %(company)s.")
            % {"assistant": assignment.assistant, "company": company},
        )
        return redirect(company)


class CompanyTransferView(ScopedMixin, SingleObjectMixin, FormView):
    model = Company
    template_name = "customers/company_transfer.html"
    form_class = TransferForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not rules.can_transfer(request.user, self.object):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "company": self.object, "user": self.request.user}

    def form_valid(self, form):
        try:
            company_transfer(
                company=self.object, new_owner=form.cleaned_data["new_owner"], actor=self.request.user,
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(company)s now belongs to %(owner)s.")
            % {"company": self.object, "owner": form.cleaned_data["new_owner"]},
        )
        return redirect(self.object)


class CompanyLookupView(LoginRequiredMixin, View):
    """Type-ahead for company pickers: ?q=text&kind=customer|factory&owner=<salesperson id>, scoped, 20 at most."""

    def get(self, request):
        queryset = Company.objects.visible_to(request.user).search(request.GET.get("q", ""))
        if request.GET.get("kind") in Company.Kind.values:
            queryset = queryset.filter(kind=request.GET["kind"])
        if request.GET.get("owner", "").isdigit():
            # An assistant filing for a salesperson: only that salesperson's companies.
            queryset = queryset.filter(owner_id=int(request.GET["owner"]))
        results = [
            {
                "id": c.pk,
                "text": f"{c.code} {c.name}" + (f" / {c.name_en}" if c.name_en and c.name_en != c.name else ""),
            }
            for c in queryset.only("pk", "code", "name", "name_en").order_by("code")[:20]
        ]
        return JsonResponse({"results": results})
