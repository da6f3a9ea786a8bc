"""Big Excel downloads are built by a worker with a progress page (core.background_exports)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.background_exports import export_run, requeue_stale_exports
from core.models import Export
from tests.orders.factories import make_order

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def orders(cast):
    for _ in range(4):
        make_order(cast.sales1, cast.customer_of_assistant1)
    make_order(cast.sales3, cast.customer_of_sales3)


def test_small_export_is_streamed_at_once(client, cast, orders, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 100
    client.force_login(cast.sales1)
    response = client.get(reverse("orders:export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(rows_of(response)) == 1 + 4
    assert not Export.objects.exists()


def test_big_export_runs_in_the_background_and_keeps_the_scope_and_filters(
    client, cast, orders, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    client.force_login(cast.assistant1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("orders:export"), {"status": "received"})
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == export.get_absolute_url()
    # CELERY_TASK_ALWAYS_EAGER in tests: the task ran when the request's transaction committed.
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert export.rows_total == 4 and export.rows_done == 4 and export.query == "status=received"
    page = client.get(export.get_absolute_url())
    assert b'data-status="done"' in page.content and b"export-download" in page.content
    rows = rows_of(client.get(reverse("export-download", args=[export.pk])))
    assert len(rows) == 1 + 4  # sales3's order is outside assistant1's scope


def test_progress_fragment_polls_until_done(client, cast, settings):
    export = Export.objects.create(owner=cast.sales1, view_name="orders:export", title="Orders", rows_total=10)
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, rows_done=4)
    client.force_login(cast.sales1)
    fragment = client.get(export.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "40%" in fragment
    assert "<html" not in fragment


@pytest.mark.parametrize("who", ["sales3", "assistant1", "manager1", "gm"])
def test_someone_elses_export_is_404(client, cast, orders, settings, who):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(cast.sales1)
    client.get(reverse("orders:export"))
    export = Export.objects.get()
    client.force_login(getattr(cast, who))
    assert client.get(export.get_absolute_url()).status_code == 404
    assert client.get(reverse("export-download", args=[export.pk])).status_code == 404
    assert export not in client.get(reverse("export-list")).context["object_list"]


def test_list_shows_own_exports(client, cast, orders, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(cast.sales1)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("orders:export"))
    html = client.get(reverse("export-list")).content.decode()
    assert "Download" in html and reverse("export-download", args=[Export.objects.get().pk]) in html


def test_a_failure_is_recorded_and_shown(client, cast, monkeypatch):
    export = Export.objects.create(owner=cast.sales1, view_name="orders:export", title="Orders", query="month=oops")

    def broken(self, request):
        raise RuntimeError("disk full")

    monkeypatch.setattr("orders.views.orders.OrderExportView.build_export", broken)
    assert export_run(export.pk) == Export.Status.FAILED
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED and "disk full" in export.error
    client.force_login(cast.sales1)
    assert "could not be built" in client.get(export.get_absolute_url()).content.decode()


def test_an_export_runs_once(cast, orders):
    export = Export.objects.create(owner=cast.sales1, view_name="orders:export", title="Orders", rows_total=4)
    assert export_run(export.pk) == Export.Status.DONE
    first = Export.objects.get(pk=export.pk).file.name
    assert export_run(export.pk) == Export.Status.DONE  # a redelivered task finds it done
    assert Export.objects.get(pk=export.pk).file.name == first


def test_waiting_exports_are_queued_again_by_the_sweep(cast, orders, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    time_machine.move_to(timezone.now() - timedelta(minutes=5))
    export = Export.objects.create(owner=cast.sales1, view_name="orders:export", title="Orders", rows_total=4)
    time_machine.move_to(timezone.now() + timedelta(minutes=5))
    assert requeue_stale_exports() == 1  # e.g. the broker was down when it was requested
    export.refresh_from_db()
    assert export.status == Export.Status.DONE
