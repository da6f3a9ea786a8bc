from django.urls import path

from .views import catalogue, line_export, orders, production, quotations, shipments

app_name = "orders"

urlpatterns = [
    # sales orders (orders/views/orders.py)
    path("", orders.OrderListView.as_view(), name="list"),
    path("export.xlsx", orders.OrderExportView.as_view(), name="export"),
    path("lines/export.xlsx", line_export.OrderLineExportView.as_view(), name="line-export"),
    path("new/", orders.OrderCreateView.as_view(), name="create"),
    path("statistics/", orders.OrderStatisticsView.as_view(), name="statistics"),
    path("statistics/export.xlsx", orders.OrderStatisticsExportView.as_view(), name="statistics-export"),
    path("<int:pk>/", orders.OrderDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", orders.OrderUpdateView.as_view(), name="edit"),
    path("<int:pk>/acknowledge/", orders.OrderAcknowledgeView.as_view(), name="acknowledge"),
    path("<int:pk>/transition/", orders.OrderTransitionView.as_view(), name="transition"),
    # catalogue (orders/views/catalogue.py)
    path("products/", catalogue.ProductListView.as_view(), name="product-list"),
    path("products/export.xlsx", catalogue.ProductExportView.as_view(), name="product-export"),
    path("products/lookup/", catalogue.ProductLookupView.as_view(), name="product-lookup"),
    # quotations (orders/views/quotations.py)
    path("quotations/", quotations.QuotationListView.as_view(), name="quotation-list"),
    path("quotations/export.xlsx", quotations.QuotationExportView.as_view(), name="quotation-export"),
    path("quotations/new/", quotations.QuotationCreateView.as_view(), name="quotation-create"),
    path("quotations/<int:pk>/", quotations.QuotationDetailView.as_view(), name="quotation-detail"),
    path("quotations/<int:pk>/edit/", quotations.QuotationUpdateView.as_view(), name="quotation-edit"),
    path("quotations/<int:pk>/status/", quotations.QuotationStatusView.as_view(), name="quotation-status"),
    path("quotations/<int:pk>/revise/", quotations.QuotationReviseView.as_view(), name="quotation-revise"),
    path("quotations/<int:pk>/order/", quotations.QuotationToOrderView.as_view(), name="quotation-order"),
    path("quotations/<int:pk>/pdf/", quotations.QuotationPdfView.as_view(), name="quotation-pdf"),
    # production follow-up and abnormal orders (orders/views/production.py)
    path("<int:pk>/milestones/", production.MilestoneEditView.as_view(), name="milestones"),
    path("<int:pk>/qc/new/", production.QualityCheckCreateView.as_view(), name="qc-create"),
    path("<int:pk>/production-notice.pdf", production.ProductionNoticePdfView.as_view(), name="production-notice"),
    path("<int:pk>/abnormal/new/", production.AbnormalCreateView.as_view(), name="abnormal-create"),
    path("abnormal/", production.AbnormalListView.as_view(), name="abnormal-list"),
    path("abnormal/export.xlsx", production.AbnormalExportView.as_view(), name="abnormal-export"),
    path("abnormal/<int:pk>/edit/", production.AbnormalUpdateView.as_view(), name="abnormal-edit"),
    path("abnormal/statistics/", production.AbnormalStatisticsView.as_view(), name="abnormal-statistics"),
    path(
        "abnormal/statistics/export.xlsx",
        production.AbnormalStatisticsExportView.as_view(),
        name="abnormal-statistics-export",
    ),
    # shipments with double review (orders/views/shipments.py)
    path("shipments/", shipments.ShipmentListView.as_view(), name="shipment-list"),
    path("<int:pk>/shipments/new/", shipments.ShipmentCreateView.as_view(), name="shipment-create"),
    path("shipments/<int:pk>/", shipments.ShipmentDetailView.as_view(), name="shipment-detail"),
    path("shipments/<int:pk>/check/", shipments.ShipmentCheckView.as_view(), name="shipment-check"),
]
