from django.urls import path

from .views import invoices, payments, reports

app_name = "receivables"

urlpatterns = [
    path("", invoices.InvoiceListView.as_view(), name="list"),
    path("export.xlsx", invoices.InvoiceExportView.as_view(), name="export"),
    path("new/", invoices.InvoiceCreateView.as_view(), name="create"),
    path("orders/lookup/", invoices.OrderLookupView.as_view(), name="order-lookup"),
    path("<int:pk>/", invoices.InvoiceDetailView.as_view(), name="detail"),
    path("<int:pk>/check/", invoices.InvoiceCheckView.as_view(), name="check"),
    path("<int:pk>/cancel/", invoices.InvoiceCancelView.as_view(), name="cancel"),
    path("<int:pk>/promise/", invoices.PromiseCreateView.as_view(), name="promise"),
    path("payments/", payments.PaymentListView.as_view(), name="payment-list"),
    path("payments/export.xlsx", payments.PaymentExportView.as_view(), name="payment-export"),
    path("payments/new/", payments.PaymentCreateView.as_view(), name="payment-create"),
    path("payments/customers/lookup/", payments.CustomerLookupView.as_view(), name="customer-lookup"),
    path("payments/<int:pk>/", payments.PaymentDetailView.as_view(), name="payment-detail"),
    path("payments/<int:pk>/allocate/", payments.PaymentAllocateView.as_view(), name="payment-allocate"),
    path("payments/<int:pk>/confirm/", payments.PaymentConfirmView.as_view(), name="payment-confirm"),
    path("payments/<int:pk>/reverse/", payments.PaymentReverseView.as_view(), name="payment-reverse"),
    path("aging/", reports.AgingView.as_view(), name="aging"),
    path("aging/export.xlsx", reports.AgingExportView.as_view(), name="aging-export"),
    path("reminders/", reports.ReminderListView.as_view(), name="reminder-list"),
    path("reminders/export.xlsx", reports.ReminderExportView.as_view(), name="reminder-export"),
    path("customers/<int:pk>/", reports.CustomerReceivablesView.as_view(), name="customer"),
    path("customers/<int:pk>/pause/", reports.CustomerPauseView.as_view(), name="customer-pause"),
    path("customers/<int:pk>/statement/", reports.StatementView.as_view(), name="statement"),
    path("customers/<int:pk>/statement.pdf", reports.StatementPdfView.as_view(), name="statement-pdf"),
    path("customers/<int:pk>/statement.xlsx", reports.StatementExcelView.as_view(), name="statement-xlsx"),
    path("customers/<int:pk>/statement/confirm/", reports.StatementConfirmView.as_view(), name="statement-confirm"),
    path("statements/<int:pk>/scan/", reports.StatementScanView.as_view(), name="statement-scan"),
    path("reconciliation/", reports.ReconciliationView.as_view(), name="reconciliation"),
    path("reconciliation/export.xlsx", reports.ReconciliationExportView.as_view(), name="reconciliation-export"),
]
