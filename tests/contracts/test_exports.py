"""Big contract Excel downloads (the list, the performance checklist) are built by a worker with a
progress page (core.background_exports); small ones still stream at once, same scope and filters."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from contracts.models import Contract
from core.models import Export
from tests.contracts.factories import make_contract

pytestmark = pytest.mark.django_db
S = Contract.Status


def rows_of(response) -> list[tuple]:
    content = response.getvalue() if not response.streaming else b"".join(response.streaming_content)
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def contracts(cast):
    mine = [make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1, status=S.SIGNED)
            for _ in range(3)]  # fmt: skip
    make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1, status=S.DRAFT)
    make_contract(cast.sales3, cast.customer_of_sales3, status=S.SIGNED)  # outside assistant1's scope
    return mine


@pytest.mark.parametrize("url", ["contracts:export", "contracts:performance-export"])
def test_small_export_is_streamed_at_once(client, cast, contracts, settings, url):
    settings.EXPORT_INLINE_MAX_ROWS = 100
    client.force_login(cast.assistant1)
    response = client.get(reverse(url))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    expected = 4 if url == "contracts:export" else 3  # drafts are not on the performance checklist
    assert len(rows_of(response)) == 1 + expected
    assert not Export.objects.exists()


@pytest.mark.parametrize(
    ("url", "query", "expected"),
    [("contracts:export", {"status": "signed"}, 3), ("contracts:performance-export", {}, 3)],
)
def test_big_export_runs_in_the_background_with_scope_and_filters(
    client, cast, contracts, settings, django_capture_on_commit_callbacks, url, query, expected
):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    client.force_login(cast.assistant1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse(url), query)
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == export.get_absolute_url()
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert export.rows_total == expected and export.rows_done == expected
    assert export.view_name == url
    rows = rows_of(client.get(reverse("export-download", args=[export.pk])))
    assert len(rows) == 1 + expected  # sales3's contract stays outside assistant1's file
    numbers = {row[0] for row in rows[1:]}
    assert numbers == {c.number for c in contracts}


def test_someone_elses_contract_export_is_404(client, cast, contracts, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(cast.assistant1)
    client.get(reverse("contracts:export"))
    export = Export.objects.get()
    client.force_login(cast.assistant2)
    assert client.get(export.get_absolute_url()).status_code == 404
    assert client.get(reverse("export-download", args=[export.pk])).status_code == 404
