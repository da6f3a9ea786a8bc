from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from django.views.generic import TemplateView
from django.views.i18n import set_language as django_set_language

from accounts.models import User

from . import dashboard, home


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role lands on its own home page (SPEC section 2, Dashboards)."""

    def get_template_names(self):
        return [f"home/{self.request.user.home_kind}.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        kind = user.home_kind
        today = timezone.localdate()
        context["today"] = today
        context["queues"] = home.queues_for(user, kind, today)
        if kind == "assistant":
            context["served"] = user.serves.annotate(
                assigned_count=Count("owned_companies", filter=Q(owned_companies__assignments__assistant=user))
            ).order_by("username")
        elif kind == "salesperson":
            context["my_assistants"] = user.assistants.order_by("username")
            context["my_company_count"] = user.owned_companies.count()
            context["mine"] = dashboard.salesperson_home(user, today)
        elif kind == "manager":
            context.update(dashboard.manager_dashboard(user, self.request.GET, today))
        return context


def set_language(request):
    """Django's language switch, remembered on the user for the emails Backdesk sends them."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response


def healthz(request):
    """Liveness for the load balancer and docker-compose: the app answers and the database too."""
    User.objects.exists()
    return HttpResponse("ok", content_type="text/plain")
