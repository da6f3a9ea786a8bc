from django.urls import path

from . import views

app_name = "travel"

urlpatterns = [
    path("", views.TripListView.as_view(), name="list"),
    path("export/", views.TripExportView.as_view(), name="export"),
    path("new/", views.TripCreateView.as_view(), name="create"),
    path("on-the-road/", views.OnTheRoadView.as_view(), name="on-the-road"),
    path("on-the-road/export.xlsx", views.OnTheRoadExportView.as_view(), name="on-the-road-export"),
    path("findings/", views.FindingsView.as_view(), name="findings"),
    path("findings/export.xlsx", views.FindingsExportView.as_view(), name="findings-export"),
    path("<int:pk>/", views.TripDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.TripUpdateView.as_view(), name="edit"),
    path("<int:pk>/submit/", views.TripSubmitView.as_view(), name="submit"),
    path("<int:pk>/review/", views.TripReviewView.as_view(), name="review"),
    path("<int:pk>/approve/", views.TripApproveView.as_view(), name="approve"),
    path("<int:pk>/reject/", views.TripRejectView.as_view(), name="reject"),
    path("<int:pk>/cancel/", views.TripCancelView.as_view(), name="cancel"),
    path("<int:pk>/bookings/", views.BookingAddView.as_view(), name="booking-add"),
    path("<int:pk>/bookings/<int:booking_pk>/remove/", views.BookingRemoveView.as_view(), name="booking-remove"),
    path("<int:pk>/check-in/", views.CheckInView.as_view(), name="check-in"),
    path("<int:pk>/report/", views.TripReportView.as_view(), name="report"),
    path("<int:pk>/itinerary/", views.ItineraryView.as_view(), name="itinerary"),
    path("<int:pk>/itinerary.pdf", views.ItineraryPdfView.as_view(), name="itinerary-pdf"),
    path("visits/", views.VisitListView.as_view(), name="visits"),
    path("visits/export.xlsx", views.VisitExportView.as_view(), name="visit-export"),
    path("visits/new/", views.VisitCreateView.as_view(), name="visit-create"),
    path("visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit-detail"),
    path("visits/<int:pk>/edit/", views.VisitUpdateView.as_view(), name="visit-edit"),
]
