"""STUB: being written (orders issue). Replace every class here."""

from django.http import Http404
from django.views import View


class QuotationListView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class QuotationExportView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class QuotationCreateView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class QuotationDetailView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class QuotationUpdateView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class QuotationStatusView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class QuotationReviseView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class QuotationToOrderView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class QuotationPdfView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404
