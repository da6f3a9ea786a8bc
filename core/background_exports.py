"""Excel downloads that may be big: inline when small, built by a worker with progress when not.

An export view keeps one method, ``build_export(request) -> (filename, sheets)`` with sheets as
for ``core.exports.xlsx_response``, and says how many rows a request would produce. Up to
``settings.EXPORT_INLINE_MAX_ROWS`` rows the file is streamed at once, as before; above that an
``Export`` row is made and ``export_task`` rebuilds the same view for the same user and query
string in a worker, writing rows to disk and counting them for the progress bar. The enqueue
happens after commit; when the broker is down the export stays "waiting" and the heartbeat
sweep queues it again (``requeue_stale_exports``), so nothing is lost.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.files import File
from django.db import transaction
from django.shortcuts import redirect
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook

from .exports import write_sheet, xlsx_response
from .models import Export

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 2000
QUEUE_DOWN = "queue unavailable"  # prefix of Export.error while a pending export could not be queued
DELAYED_MESSAGE = _lazy(
    "The job runner cannot be reached just now. Your file is queued and will be built as soon as it is back."
)


def stale_after() -> timedelta:
    return timedelta(seconds=settings.STALE_CLAIM_SECONDS)


class BackgroundExportMixin:
    """For a View with ``get``: inline when small, a background Export when big."""

    export_title: str = ""

    def build_export(self, request) -> tuple[str, list]:  # pragma: no cover - every view defines it
        raise NotImplementedError

    def export_row_count(self, request) -> int:
        """Rows the download would hold; a cheap COUNT on the page's own queryset."""
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        rows = self.export_row_count(request)
        if rows <= settings.EXPORT_INLINE_MAX_ROWS and request.GET.get("background") != "1":
            filename, sheets = self.build_export(request)
            return xlsx_response(filename, sheets)
        query = request.GET.copy()
        query.pop("background", None)
        export = export_start(
            owner=request.user,
            view_name=request.resolver_match.view_name,
            title=str(self.export_title),
            query=query.urlencode(),
            rows_total=rows,
        )
        export.refresh_from_db(fields=["error"])  # _enqueue ran on commit (at once, outside a transaction)
        if export.error:  # the broker did not take the job: say so instead of a bar that never moves
            messages.warning(request, DELAYED_MESSAGE)
        else:
            messages.info(request, _("The file is being prepared; this page shows its progress."))
        return redirect(export)


def export_start(*, owner, view_name: str, title: str, query: str, rows_total: int) -> Export:
    export = Export.objects.create(owner=owner, view_name=view_name, title=title, query=query, rows_total=rows_total)
    transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def _enqueue(export_id: int) -> bool:
    """Publish the job; False when the broker is down (bounded wait, see CELERY_TASK_PUBLISH_RETRY_POLICY).

    ignore_result: the Export row is the result. With a Redis result backend, a task whose result
    is kept makes ``delay`` subscribe to the result channel first, and with Redis down that retried
    for ~20 s inside the request and then left the process unable to queue anything until restarted.
    """
    from .tasks import export_task

    try:
        export_task.apply_async(args=[export_id], ignore_result=True)
    except Exception as error:  # the broker is down: the sweep queues it again later, nothing is lost
        logger.warning("could not queue export %s; it stays waiting for the sweep: %r", export_id, error)
        Export.objects.filter(pk=export_id, status=Export.Status.PENDING).update(
            error=f"{QUEUE_DOWN}: {type(error).__name__}: {error}"[:2000]
        )
        return False
    return True


def requeue_stale_exports() -> int:
    """Queue again exports left waiting (broker down) or running on a worker that died."""
    stale = timezone.now() - stale_after()
    waiting = Export.objects.filter(status=Export.Status.PENDING, created_at__lt=timezone.now() - timedelta(minutes=1))
    dead = Export.objects.filter(status=Export.Status.RUNNING, updated_at__lt=stale)
    ids = list(waiting.values_list("pk", flat=True)) + list(dead.values_list("pk", flat=True))
    Export.objects.filter(pk__in=ids, status=Export.Status.RUNNING).update(status=Export.Status.PENDING)
    queued = [pk for pk in ids if _enqueue(pk)]
    Export.objects.filter(pk__in=queued, status=Export.Status.PENDING, error__startswith=QUEUE_DOWN).update(error="")
    return len(queued)


def _counted(rows: Iterable[Any], export: Export, counter: list[int]) -> Iterator[Any]:
    for row in rows:
        counter[0] += 1
        if counter[0] % PROGRESS_EVERY == 0:
            Export.objects.filter(pk=export.pk).update(rows_done=counter[0], updated_at=timezone.now())
        yield row


def export_run(export_id: int) -> str:
    """Build the file of one export (the body of export_task). Returns its final status."""
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.PENDING).update(
        status=Export.Status.RUNNING, updated_at=timezone.now()
    )
    if not claimed:  # done already, or another worker has it
        return Export.objects.filter(pk=export_id).values_list("status", flat=True).first() or "missing"
    export = Export.objects.select_related("owner").get(pk=export_id)
    try:
        with translation.override(export.owner.language or settings.LANGUAGE_CODE):
            request = RequestFactory().get(reverse(export.view_name) + ("?" + export.query if export.query else ""))
            request.user = export.owner
            match = resolve(request.path_info)
            request.resolver_match = match
            view = match.func.view_class()
            view.setup(request, *match.args, **match.kwargs)
            filename, sheets = view.build_export(request)
            counter = [0]
            workbook = Workbook(write_only=True)
            for title, columns, rows in sheets:
                write_sheet(workbook, title, columns, _counted(rows, export, counter))
            fd, path = tempfile.mkstemp(suffix=".xlsx")
            os.close(fd)
            try:
                workbook.save(path)
                with open(path, "rb") as handle:
                    export.file.save(f"{export.pk}-{os.urandom(8).hex()}.xlsx", File(handle), save=False)
            finally:
                os.unlink(path)
        export.filename = filename
        export.rows_done = counter[0]
        export.status = Export.Status.DONE
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "filename", "rows_done", "status", "finished_at", "updated_at"])
    except Exception as error:
        logger.exception("export %s failed", export_id)
        Export.objects.filter(pk=export_id).update(
            status=Export.Status.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        return Export.Status.FAILED
    return Export.Status.DONE
