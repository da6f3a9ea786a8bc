"""A list page's Excel download in a few lines: subclass the list view, name the columns.

``class ThingExportView(ListExportMixin, ThingListView)`` reuses the list's own
``get_queryset()`` (its scope, filters and sort), so the file holds exactly the rows the list
counts, every page of them; small files stream at once, big ones are built by a worker
(``BackgroundExportMixin``).
"""

from __future__ import annotations

from django.utils import timezone

from .background_exports import BackgroundExportMixin
from .exports import Column


class ListExportMixin(BackgroundExportMixin):
    export_name: str = "export"

    def export_columns(self) -> list[Column]:  # pragma: no cover - every view defines it
        raise NotImplementedError

    def export_queryset(self):
        return self.get_queryset()

    def export_row_count(self, request) -> int:
        return self.export_queryset().count()

    def build_export(self, request):
        filename = f"{self.export_name}-{timezone.localdate():%Y%m%d}.xlsx"
        rows = self.export_queryset().iterator(chunk_size=500)
        return filename, [(str(self.export_title), self.export_columns(), rows)]
