from __future__ import annotations

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView
from django.views.i18n import set_language as django_set_language

from accounts.models import User

from . import dashboard, dashboard_exports, home
from .exports import xlsx_response

DASHBOARD_KINDS = ("manager", "salesperson")
# Queue sections whose figures the dashboard shows itself, with the filters and drill-down
# (receivables' overdue total and top 10 overdue customers = the dashboard's aging panel).
SHOWN_ON_DASHBOARD = {"manager": ("overdue_total", "top_overdue_customers")}


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role lands on its own home page (SPEC section 2, Dashboards).

    The manager's dashboard and the salesperson's own figures come in a second request
    (``?part=dashboard``, fetched by htmx as the page loads; a full page without htmx): the
    home-queue sections of every module already cost about one query each, and the figures
    about as many again, so each response stays within its own bounded number of queries.
    """

    def is_dashboard(self) -> bool:
        return self.request.GET.get("part") == "dashboard" and self.request.user.home_kind in DASHBOARD_KINDS

    def get_template_names(self):
        kind = self.request.user.home_kind
        if self.is_dashboard():
            if self.request.headers.get("HX-Request"):
                return [f"home/_{kind}_dashboard.html"]
            return ["home/dashboard_page.html"]
        return [f"home/{kind}.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        kind = user.home_kind
        today = timezone.localdate()
        context["today"] = today
        if self.is_dashboard():
            context["fragment"] = f"home/_{kind}_dashboard.html"
            if kind == "manager":
                context.update(dashboard.manager_dashboard(user, self.request.GET, today))
            else:
                context["mine"] = dashboard.salesperson_home(user, today)
            return context
        queues = [
            home.Queue(section=s, items=s.items(user, today))
            for s in sorted(home.SECTIONS.values(), key=lambda s: (s.order, s.key))
            if kind in s.roles and s.key not in SHOWN_ON_DASHBOARD.get(kind, ())
        ]
        context["queues"] = queues
        context["busy_queues"] = [q for q in queues if q.items]
        context["quiet_queues"] = [q for q in queues if not q.items]
        if kind in DASHBOARD_KINDS:
            params = self.request.GET.copy()
            params["part"] = "dashboard"
            context["dashboard_url"] = f"{reverse('home')}?{params.urlencode()}"
        if kind == "assistant":
            context["served"] = (
                user.serves.select_related("team")
                .annotate(
                    assigned_count=Count("owned_companies", filter=Q(owned_companies__assignments__assistant=user))
                )
                .order_by("username")
            )
        elif kind == "salesperson":
            context["my_assistants"] = user.assistants.order_by("username")
            context["my_company_count"] = user.owned_companies.count()
        return context


class DashboardExportView(LoginRequiredMixin, View):
    """One dashboard panel as Excel, with the dashboard's filters (``?period=&month=&team=&salesperson=``)
    and the viewer's scope: built from the panel's own function, so the file equals the panel.
    A panel the user's home page does not show is a 404."""

    def get(self, request, panel: str):
        if not dashboard_exports.panel_allowed(request.user, panel):
            raise Http404
        filename, sheets = dashboard_exports.panel_workbook(request.user, panel, request.GET, timezone.localdate())
        return xlsx_response(filename, sheets)


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
