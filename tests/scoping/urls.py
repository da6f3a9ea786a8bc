from django.urls import include, path

from .views import ThingDetail

urlpatterns = [
    path("things/<int:pk>/", ThingDetail.as_view(), name="thing-detail"),
    path("", include("config.urls")),
]
