"""The interaction log of a company and the follow-up list of customers with a call cadence."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView
from django.views.generic.detail import SingleObjectMixin

from core.exports import DATE_FORMAT, Column
from core.list_exports import ListExportMixin
from core.mixins import ScopedMixin
from customers.forms.interactions import InteractionForm
from customers.models import Company, Interaction
from customers.services.interactions import follow_up_days_overdue, interaction_log


class InteractionCreateView(ScopedMixin, SingleObjectMixin, FormView):
    """Log a call, visit, email or meeting for a company in scope (outside scope: 404)."""

    model = Company
    context_object_name = "company"
    form_class = InteractionForm
    template_name = "customers/interaction_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "company": self.object}

    def get_initial(self):
        kind = self.request.GET.get("kind")
        return {"kind": kind} if kind in Interaction.Kind.values else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            contacts=self.object.contacts.all(),
            recent=self.object.interactions.select_related("user", "contact")[:5],
            next_url=self._next_url(),
        )

    def _next_url(self) -> str:
        url = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(url, {self.request.get_host()}, self.request.is_secure())
        return url if safe else ""

    def form_valid(self, form):
        try:
            interaction_log(company=self.object, actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(kind)s with %(company)s was logged.")
            % {"kind": Interaction.Kind(form.cleaned_data["kind"]).label, "company": self.object.display_name},
        )
        return redirect(self._next_url() or self.object.get_absolute_url() + "#interactions")


class FollowUpListView(ScopedMixin, ListView):
    """Companies with a follow-up cadence, the most overdue first."""

    model = Company
    template_name = "customers/follow_up_list.html"
    context_object_name = "companies"
    paginate_by = 50

    def get_queryset(self):
        self.today = timezone.localdate()
        self.due_only = self.request.GET.get("due") == "1"
        queryset = super().get_queryset().filter(follow_up_days__isnull=False)
        if self.due_only:
            queryset = queryset.follow_up_due(self.today)
        return queryset.select_related("owner").order_by(F("next_follow_up_on").asc(nulls_first=True), "code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs, today=self.today, due_only=self.due_only)
        for company in context["companies"]:
            company.days_overdue = follow_up_days_overdue(company, self.today)
        return context


class FollowUpExportView(ListExportMixin, FollowUpListView):
    """The follow-up list as Excel: same scope, the same "due only" choice and order."""

    export_title = gettext_lazy("Follow-ups")
    export_name = "follow-ups"

    def export_columns(self):
        today = self.today
        return [
            Column(_("Code"), lambda c: c.code, 12),
            Column(_("Company"), lambda c: c.name, 32),
            Column(_("Owner"), lambda c: c.owner, 16),
            Column(_("Every (days)"), lambda c: c.follow_up_days, 10, "0"),
            Column(_("Last contact"), lambda c: c.last_contact_on, 12, DATE_FORMAT),
            Column(_("Next follow-up"), lambda c: c.next_follow_up_on, 14, DATE_FORMAT),
            Column(_("Days overdue"), lambda c: follow_up_days_overdue(c, today), 12, "0"),
        ]
