from django.http import HttpResponse
from django.views.generic import DetailView

from core.mixins import ScopedMixin

from .models import Thing


class ThingDetail(ScopedMixin, DetailView):
    model = Thing

    def render_to_response(self, context, **kwargs):
        return HttpResponse(self.object.title)
