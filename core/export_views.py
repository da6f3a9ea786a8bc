"""My downloads: the progress and files of background exports (core.background_exports)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils import timezone
from django.views.generic import DetailView, ListView

from .background_exports import QUEUE_DOWN
from .mixins import HtmxTemplateMixin
from .models import Export
from .uploads import file_response

WAITING_TOO_LONG = timedelta(seconds=30)


class OwnExportsMixin(LoginRequiredMixin):
    model = Export

    def get_queryset(self):
        return Export.objects.visible_to(self.request.user)  # someone else's export: 404


class ExportListView(OwnExportsMixin, ListView):
    template_name = "core/export_list.html"
    paginate_by = 50


class ExportDetailView(OwnExportsMixin, HtmxTemplateMixin, DetailView):
    template_name = "core/export_detail.html"
    fragment_template_name = "core/_export_progress.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = self.object
        # Not taken by a worker: the broker was down when it was queued, or no worker has run it for
        # a while. Say it waits for the job runner instead of showing a bar that does not move.
        context["delayed"] = export.status == Export.Status.PENDING and (
            export.error.startswith(QUEUE_DOWN) or export.created_at < timezone.now() - WAITING_TOO_LONG
        )
        return context


class ExportDownloadView(OwnExportsMixin, DetailView):
    def get(self, request, *args, **kwargs):
        export = self.get_object()
        if export.status != Export.Status.DONE or not export.file:
            raise Http404
        return file_response(
            export.file,
            filename=export.filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
