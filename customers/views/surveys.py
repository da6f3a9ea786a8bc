"""Satisfaction surveys (客户满意度调查): record a customer's monthly score; trend overall and per customer."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from core.forms import add_error
from core.mixins import ScopedMixin
from core.months import parse_month
from customers.forms.complaints import SurveyForm
from customers.models import Company, SatisfactionSurvey
from customers.services import complaints as services


class SurveyCreateView(ScopedMixin, SingleObjectMixin, FormView):
    """Add a survey to one of the user's customers (any other company: 404)."""

    model = Company
    form_class = SurveyForm
    template_name = "customers/survey_form.html"
    context_object_name = "company"

    def get_queryset(self):
        return super().get_queryset().customers()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"period": timezone.localdate().replace(day=1)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["previous_surveys"] = self.object.surveys.order_by("-period")[:6]
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            survey = services.survey_create(
                actor=self.request.user,
                company=self.object,
                period=data["period"],
                score=data["score"],
                comments=data["comments"],
            )
        except ValidationError as error:
            add_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Survey of %(company)s for %(month)s saved: %(score)s / 5.")
            % {"company": self.object.display_name, "month": f"{survey.period:%Y-%m}", "score": survey.score},
        )
        return redirect(self.object.get_absolute_url() + "#surveys")


class SurveyTrendView(ScopedMixin, TemplateView):
    """Average score per month over 12 months (scoped); ?company=<pk> for one customer's trend."""

    model = SatisfactionSurvey
    template_name = "customers/survey_trend.html"

    def get_company(self) -> Company | None:
        pk = self.request.GET.get("company")
        if not pk:
            return None
        if not pk.isdigit():
            raise Http404
        return get_object_or_404(Company.objects.visible_to(self.request.user).customers(), pk=pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        month = parse_month(self.request.GET.get("month")) or timezone.localdate().replace(day=1)
        company = self.get_company()
        trend = services.survey_trend(user, month, company=company)
        context.update(
            trend=trend,
            company=company,
            month=month,
            month_value=f"{month:%Y-%m}",
            window_label=f"{trend.months[0]:%Y-%m} – {month:%Y-%m}",
            surveyed_count=sum(row["count"] for row in trend.overall),
        )
        return context
