"""STUB: being written (orders issue). Replace every class here."""

from django.http import Http404
from django.views import View


class MilestoneEditView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class QualityCheckCreateView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class ProductionNoticePdfView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class AbnormalCreateView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class AbnormalListView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class AbnormalUpdateView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class AbnormalStatisticsView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404


class AbnormalStatisticsExportView(View):
    def dispatch(self, request, *args, **kwargs):
        raise Http404
