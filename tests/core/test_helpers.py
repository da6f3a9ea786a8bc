"""Shared helpers: numbers, once-only emails, Excel cells, PDFs, uploads, the money filter."""

from __future__ import annotations

import io
import threading
import time
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from openpyxl import load_workbook

from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, excel_value, xlsx_response
from core.models import Notice
from core.notify import send_once
from core.sequences import next_number, reserve_numbers
from core.templatetags.backdesk import money
from core.uploads import safe_filename, validate_upload
from tests.conftest import require


def test_numbers_are_sequential_per_prefix_and_year(db):
    assert next_number("SO", year=2026) == "SO-2026-00001"
    assert next_number("SO", year=2026) == "SO-2026-00002"
    assert next_number("QT", year=2026) == "QT-2026-00001"
    assert next_number("SO", year=2027) == "SO-2027-00001"
    assert reserve_numbers("SO", 3, year=2026) == ["SO-2026-00003", "SO-2026-00004", "SO-2026-00005"]
    assert next_number("SO", year=2026) == "SO-2026-00006"


@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_under_concurrent_creation():
    # Real threads, each with its own connection: row locks on PostgreSQL, the write lock on
    # SQLite (a file database in tests, BEGIN IMMEDIATE).
    numbers: list[str] = []
    errors: list[Exception] = []

    def worker():
        from django.db import connections

        try:
            for _ in range(20):
                numbers.append(next_number("CT", year=2026))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(numbers) == 80 and len(set(numbers)) == 80


def test_send_once_sends_one_email_per_key(db):
    message = EmailMessage("Reminder", "body", to=["a@example.com"])
    assert send_once("doc-expiry:1:2026-12-01", message) is True
    assert send_once("doc-expiry:1:2026-12-01", message) is False
    assert len(mail.outbox) == 1
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.SENT and notice.recipients == "a@example.com"


def test_send_once_failure_can_be_retried(db, monkeypatch):
    message = EmailMessage("Reminder", "body", to=["a@example.com"])

    def boom(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(EmailMessage, "send", boom)
    with pytest.raises(OSError):
        send_once("k", message)
    assert Notice.objects.get().status == Notice.Status.PENDING
    monkeypatch.undo()
    assert send_once("k", message) is True
    assert len(mail.outbox) == 1


def test_a_notice_left_sending_by_a_dead_worker_is_taken_back(db):
    from datetime import timedelta

    from django.utils import timezone

    Notice.objects.create(key="k", status=Notice.Status.SENDING, updated_at=timezone.now() - timedelta(hours=1))
    assert send_once("k", EmailMessage("s", "b", to=["x@example.com"])) is True
    Notice.objects.filter(key="k").update(status=Notice.Status.SENDING, updated_at=timezone.now())
    assert send_once("k", EmailMessage("s", "b", to=["x@example.com"])) is False  # a live worker has it


def test_excel_cells_keep_numbers_and_refuse_formulas():
    assert excel_value(Decimal("12.30")) == Decimal("12.30")
    assert excel_value('=HYPERLINK("http://x")').startswith("'=")
    assert excel_value("-1+2").startswith("'")
    aware = datetime(2026, 12, 1, 1, 30, tzinfo=ZoneInfo("UTC"))
    assert excel_value(aware) == datetime(2026, 12, 1, 9, 30)  # Shanghai local, naive
    assert excel_value("") is None  # no cell written at all, rather than an empty text cell


def test_xlsx_response_writes_a_real_workbook():
    rows = [{"n": "A", "v": Decimal("1.10")}, {"n": "B", "v": Decimal("2.20")}]
    response = xlsx_response(
        "t.xlsx",
        [("Sheet", [Column("Name", lambda r: r["n"]), Column("Value", lambda r: r["v"], 10, "#,##0.00")], rows)],
    )
    assert response["Content-Disposition"].startswith('attachment; filename="t.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["Name", "Value"], ["A", 1.1], ["B", 2.2]]


def test_xlsx_cells_keep_their_formats_row_after_row():
    """The writer reuses one styled cell per column: every row must keep its own value and the
    column's format, dates keep openpyxl's yyyy-mm-dd, and an empty value stays empty."""
    rows = [
        {"d": date(2026, 1, 2), "v": Decimal("1234.50"), "t": "x"},
        {"d": None, "v": None, "t": "=1+1"},
        {"d": date(2026, 3, 4), "v": Decimal("7.25"), "t": None},
    ]
    columns = [
        Column("Date", lambda r: r["d"], 12, DATE_FORMAT),
        Column("Amount", lambda r: r["v"], 12, MONEY_FORMAT),
        Column("Text", lambda r: r["t"]),
    ]
    response = xlsx_response("t.xlsx", [("Sheet", columns, rows)])
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values == [
        [datetime(2026, 1, 2), 1234.5, "x"],
        [None, None, "'=1+1"],
        [datetime(2026, 3, 4), 7.25, None],
    ]
    assert [sheet.cell(row, 1).number_format for row in (2, 4)] == [DATE_FORMAT, DATE_FORMAT]
    assert [sheet.cell(row, 2).number_format for row in (2, 4)] == [MONEY_FORMAT, MONEY_FORMAT]
    assert sheet.cell(2, 1).is_date and sheet.cell(2, 2).data_type == "n"


def test_money_filter_needs_a_currency():
    assert "CNY" in money(Decimal("1234.5"), "CNY") and "1,234.50" in money(Decimal("1234.5"), "CNY")
    assert "1,235" in money(Decimal("1234.5"), "JPY")
    with pytest.raises(ValueError):
        money(Decimal("1"), "")


@pytest.mark.parametrize(
    "content, name, ok",
    [
        (b"%PDF-1.4\n...", "licence.pdf", True),
        (b"\x89PNG\r\n\x1a\n....", "scan.png", True),
        (b"\xff\xd8\xff\xe0....", "photo.jpg", True),
        (b"MZ\x90\x00 windows exe", "invoice.pdf", False),
        (b"<html><script>", "page.png", False),
    ],
)
def test_upload_type_is_sniffed_from_content(content, name, ok):
    upload = SimpleUploadedFile(name, content)
    if ok:
        assert validate_upload(upload)
    else:
        with pytest.raises(ValidationError):
            validate_upload(upload)


def test_upload_size_limit():
    with pytest.raises(ValidationError, match="limit"):
        validate_upload(SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)))


def test_safe_filename():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename('a<b>:"c".PDF', "application/pdf") == "a_b_c_.pdf"
    assert safe_filename("scan.exe", "image/png") == "scan.png"
    assert safe_filename("营业执照.pdf", "application/pdf") == "营业执照.pdf"


def test_chinese_pdf_renders_fast_with_the_cjk_font():
    from core.checks import has_cjk_font, has_harfbuzz_subset
    from core.pdf import render_pdf

    require(has_cjk_font() and has_harfbuzz_subset(), "fonts-noto-cjk and libharfbuzz-subset0 are not installed")
    render_pdf("pdf/base.html", {})  # warm up fontconfig and pango
    started = time.perf_counter()
    content = render_pdf("pdf/base.html", {"company_name": "百达贸易有限公司 合同 大写金额"})
    elapsed = time.perf_counter() - started
    assert content.startswith(b"%PDF")
    assert elapsed < 2.0, f"a one-page Chinese PDF took {elapsed:.2f}s: the slow font path?"


def test_months():
    from datetime import date

    from core.months import add_months, as_date, month_range, parse_month, trailing_months

    assert parse_month("2026-03") == date(2026, 3, 1)
    assert parse_month("2026-13") is None and parse_month("") is None and parse_month(None) is None
    assert add_months(date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert add_months(date(2026, 11, 5), 2) == date(2027, 1, 1)
    assert month_range(date(2028, 2, 1)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert trailing_months(date(2026, 2, 1), 3) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert as_date(datetime(2026, 3, 1, 0, 0)) == date(2026, 3, 1)
