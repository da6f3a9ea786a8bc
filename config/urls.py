from django.contrib import admin
from django.urls import include, path

from core import export_views
from core import views as core_views

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("dashboard/export/<slug:panel>.xlsx", core_views.DashboardExportView.as_view(), name="dashboard-export"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("downloads/", export_views.ExportListView.as_view(), name="export-list"),
    path("downloads/<int:pk>/", export_views.ExportDetailView.as_view(), name="export-detail"),
    path("downloads/<int:pk>/file/", export_views.ExportDownloadView.as_view(), name="export-download"),
    path("customers/", include("customers.urls")),
    path("orders/", include("orders.urls")),
    path("contracts/", include("contracts.urls")),
    path("receivables/", include("receivables.urls")),
    path("samples/", include("samples.urls")),
    path("expenses/", include("expenses.urls")),
    path("travel/", include("travel.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Backdesk"
admin.site.site_title = "Backdesk"
