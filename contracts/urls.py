from django.urls import path

from . import views

app_name = "contracts"

urlpatterns = [
    path("", views.ContractListView.as_view(), name="list"),
    path("export.xlsx", views.ContractExportView.as_view(), name="export"),
    path("new/", views.ContractCreateView.as_view(), name="create"),
    path("performance/", views.PerformanceListView.as_view(), name="performance"),
    path("performance/export.xlsx", views.PerformanceExportView.as_view(), name="performance-export"),
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("statistics/export.xlsx", views.StatisticsExportView.as_view(), name="statistics-export"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ContractUpdateView.as_view(), name="edit"),
    path("<int:pk>/submit/", views.ContractSubmitView.as_view(), name="submit"),
    path("<int:pk>/approve/", views.ContractApproveView.as_view(), name="approve"),
    path("<int:pk>/reject/", views.ContractRejectView.as_view(), name="reject"),
    path("<int:pk>/sign/", views.ContractSignView.as_view(), name="sign"),
    path("<int:pk>/archive/", views.ContractArchiveView.as_view(), name="archive"),
    path("<int:pk>/amend/", views.AmendmentCreateView.as_view(), name="amend"),
    path("<int:pk>/attachments/", views.AttachmentUploadView.as_view(), name="attach"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.AttachmentDownloadView.as_view(), name="attachment"),
    path("<int:pk>/pdf/", views.ContractPdfView.as_view(), name="pdf"),
    path("orders/<int:pk>/contract/", views.OrderContractLinkView.as_view(), name="order-link"),
]
