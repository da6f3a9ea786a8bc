"""STUB: being written (orders issue). Replace every class here."""

from django.http import Http404
from django.views import View


class OrderListView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class OrderExportView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class OrderCreateView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class OrderStatisticsView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class OrderStatisticsExportView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class OrderDetailView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class OrderUpdateView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class OrderAcknowledgeView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class OrderTransitionView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404
