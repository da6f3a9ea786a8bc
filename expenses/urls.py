from django.urls import path

from . import views

app_name = "expenses"

urlpatterns = [
    path("", views.ClaimListView.as_view(), name="list"),
    path("export.xlsx", views.ClaimExportView.as_view(), name="export"),
    path("new/", views.ClaimCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ClaimDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ClaimEditView.as_view(), name="edit"),
    path("<int:pk>/lines/", views.LineAddView.as_view(), name="line-add"),
    path(
        "<int:pk>/<slug:action>/",
        views.ClaimActionView.as_view(),
        name="action",
    ),
    path("lines/<int:pk>/delete/", views.LineDeleteView.as_view(), name="line-delete"),
    path("lines/<int:pk>/receipt/", views.ReceiptView.as_view(), name="receipt"),
    path("advances/", views.AdvanceListView.as_view(), name="advances"),
    path("advances/export.xlsx", views.AdvanceExportView.as_view(), name="advance-export"),
    path("advances/new/", views.AdvanceCreateView.as_view(), name="advance-create"),
    path("advances/<int:pk>/", views.AdvanceDetailView.as_view(), name="advance-detail"),
    path("advances/<int:pk>/<slug:action>/", views.AdvanceActionView.as_view(), name="advance-action"),
    path("budgets/", views.BudgetView.as_view(), name="budgets"),
    path("budgets/export.xlsx", views.BudgetExportView.as_view(), name="budget-export"),
]
