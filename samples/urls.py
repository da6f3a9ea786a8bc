from django.urls import path

from . import views

app_name = "samples"

urlpatterns = [
    path("", views.SampleListView.as_view(), name="list"),
    path("export.xlsx", views.SampleExportView.as_view(), name="export"),
    path("new/", views.SampleCreateView.as_view(), name="create"),
    path("follow-ups/", views.FollowUpListView.as_view(), name="follow-ups"),
    path("follow-ups/export.xlsx", views.FollowUpExportView.as_view(), name="follow-ups-export"),
    path("conversion/", views.ConversionView.as_view(), name="conversion"),
    path("couriers/", views.CourierReconciliationView.as_view(), name="couriers"),
    path("couriers/export.xlsx", views.CourierExportView.as_view(), name="couriers-export"),
    path("<int:pk>/", views.SampleDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SampleEditView.as_view(), name="edit"),
    path("<int:pk>/decide/", views.SampleDecideView.as_view(), name="decide"),
    path("<int:pk>/cancel/", views.SampleCancelView.as_view(), name="cancel"),
    path("<int:pk>/dispatch/", views.SampleDispatchView.as_view(), name="dispatch"),
    path("<int:pk>/check/", views.SampleCheckView.as_view(), name="check"),
    path("<int:pk>/feedback/", views.SampleFeedbackView.as_view(), name="feedback"),
    path("<int:pk>/convert/", views.SampleConvertView.as_view(), name="convert"),
    path("<int:pk>/link-order/", views.SampleLinkOrderView.as_view(), name="link-order"),
    path("items/", views.ItemListView.as_view(), name="item-list"),
    path("items/export.xlsx", views.ItemExportView.as_view(), name="item-export"),
    path("items/new/", views.ItemCreateView.as_view(), name="item-create"),
    path("loans/", views.LoanListView.as_view(), name="loan-list"),
    path("loans/export.xlsx", views.LoanExportView.as_view(), name="loan-export"),
    path("loans/new/", views.LoanCreateView.as_view(), name="loan-create"),
    path("loans/<int:pk>/return/", views.LoanReturnView.as_view(), name="loan-return"),
]
