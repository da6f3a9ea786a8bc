from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.WeeklyReportListView.as_view(), name="list"),
    path("export.xlsx", views.WeeklyReportExportView.as_view(), name="export"),
    path("new/", views.WeeklyReportCreateView.as_view(), name="create"),
    path("<int:pk>/", views.WeeklyReportDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.WeeklyReportUpdateView.as_view(), name="edit"),
    path("<int:pk>/submit/", views.WeeklyReportSubmitView.as_view(), name="submit"),
    path("funnel/", views.FunnelView.as_view(), name="funnel"),
    path("funnel/export.xlsx", views.FunnelExportView.as_view(), name="funnel-export"),
]
