"""A test-only URLconf with a view that forgets its scope, to show the crawler catches it."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import DetailView

from tests.scoping.models import Thing
from tests.scoping.views import ThingDetail


class UnscopedThingDetail(DetailView):  # the mistake: no ScopedMixin, no login
    model = Thing

    def render_to_response(self, context, **kwargs):
        return HttpResponse(self.object.title)


urlpatterns = [
    path("things/<int:pk>/", ThingDetail.as_view(), name="thing-detail"),
    path("unscoped/things/<int:pk>/", UnscopedThingDetail.as_view(), name="unscoped-thing-detail"),
    path("", include("config.urls")),  # the error pages link to the project's URLs
]
