"""The invoice and payment lists' Excel: inline when small, a background export with progress when big."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Export
from receivables.services.payments import payment_record

from .factories import make_invoice

pytestmark = pytest.mark.django_db
D = Decimal


def rows_of(response) -> list[tuple]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def invoices(cast):
    mine = [make_invoice(cast, amount=D("100.00") * (i + 1)) for i in range(3)]
    make_invoice(cast, salesperson=cast.sales3, customer=cast.customer_of_sales3, amount=D("999.00"))
    return mine


def test_small_invoice_export_is_streamed_with_open_amounts(client, cast, invoices, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 100
    client.force_login(cast.sales1)
    response = client.get(reverse("receivables:export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = rows_of(response)
    assert len(rows) == 1 + 3 and not Export.objects.exists()
    assert sorted(r[-1] for r in rows[1:]) == [100, 200, 300]  # open amount column, to the cent


def test_old_list_link_goes_to_the_export_url_with_its_filters(client, cast, invoices):
    client.force_login(cast.sales1)
    response = client.get(reverse("receivables:list"), {"export": "xlsx", "status": "issued"})
    assert response.status_code == 302 and response["Location"] == reverse("receivables:export") + "?status=issued"


def test_big_invoice_export_runs_in_the_background_in_scope(
    client, cast, invoices, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    client.force_login(cast.finance1)  # finance sees every invoice, sales3's too
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("receivables:export"), {"q": invoices[0].customer.code})
    export = Export.objects.get()
    assert response.status_code == 302 and response["Location"] == export.get_absolute_url()
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    assert export.rows_total == 3 and export.rows_done == 3
    rows = rows_of(client.get(reverse("export-download", args=[export.pk])))
    assert {r[0] for r in rows[1:]} == {i.number for i in invoices}


def test_big_payment_export_runs_in_the_background(client, cast, settings, django_capture_on_commit_callbacks):
    for amount in ("10", "20", "30"):
        payment_record(actor=cast.finance1, customer=cast.customer_of_assistant1, amount=D(amount), currency="CNY",
                       received_on=date(2026, 7, 1))  # fmt: skip
    settings.EXPORT_INLINE_MAX_ROWS = 2
    client.force_login(cast.finance1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("receivables:payment-export"))
    export = Export.objects.get()
    assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == Export.Status.DONE and export.rows_done == 3
    rows = rows_of(client.get(reverse("export-download", args=[export.pk])))
    assert sorted(r[8] for r in rows[1:]) == [10, 20, 30]


@pytest.mark.parametrize("who, rows", [("sales1", 3), ("sales3", 1), ("sales2", 0), ("finance1", 4)])
def test_invoice_export_keeps_each_roles_scope(client, cast, invoices, settings, who, rows):
    settings.EXPORT_INLINE_MAX_ROWS = 100
    client.force_login(getattr(cast, who))
    assert len(rows_of(client.get(reverse("receivables:export")))) == 1 + rows
