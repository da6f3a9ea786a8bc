"""STUB: being written (orders issue). Replace every class here."""

from django.http import Http404
from django.views import View


class ShipmentListView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class ShipmentCreateView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class ShipmentDetailView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class ShipmentCheckView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404
