"""The benchmark machinery (core/bench.py) at a tiny scale, so `make bench` cannot rot between runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core import bench
from tests.orders.factories import make_order, make_product


@pytest.fixture
def orders(cast):
    product = make_product()
    for customer in (cast.customer_of_assistant1, cast.customer_of_assistant2, cast.customer_shared):
        make_order(cast.sales1, customer, lines=[(product, 3, Decimal("2.50")), (product, 1, Decimal("4"))])


def test_every_page_resolves(cast, orders):
    """Each page of every module's PAGES list gives a URL that resolves (None: nothing to show)."""
    from django.urls import resolve

    from accounts.models import User

    names = [p.name for p in bench.PAGES]
    assert len(names) == len(set(names))
    assert {"home", "home: dashboard (?part=dashboard, htmx)", "orders: list", "orders: list, deep page"} <= set(names)
    for username in ("gm", "assistant2"):
        user = User.objects.get(username=username)
        for page in bench.PAGES:
            url = page.url(user)
            assert url is None or resolve(url.split("?")[0]), page.name
    assert {name for name, *_ in bench.EXPORTS} >= {"orders: Excel of all orders", "orders: Excel of all order lines"}


def test_pages_report_and_targets(cast, orders):
    pages = [p for p in bench.PAGES if p.name in ("home", "orders: list", "orders: detail")]
    report = {
        "machine": bench.machine(),
        "seed": {"scale": 100, "seconds": 301.0},
        "counts": bench.counts(),
        "pages": bench.measure_pages(["assistant2"], repeat=2, pages=pages),
        "exports": [
            {
                "export": "orders",
                "user": "gm",
                "view": "orders:export",
                "status": 200,
                "seconds": 16.0,
                "bytes": 2048,
                "rows": 3,
                "rss_before_mb": 90.0,
                "peak_rss_mb": 100.0,
            },
        ],  # fmt: skip
        "jobs": bench.job_dunning(),
        "http": {"skipped": "wrk is not installed"},
    }
    assert report["counts"]["orders.Order"] == 3 and report["counts"]["orders.OrderLine"] == 6
    assert [r["page"] for r in report["pages"]] == ["home", "orders: list", "orders: detail"]
    bench.check_targets(report)
    assert all(r["status"] == 200 and r["queries"] <= 20 for r in report["pages"]), report["pages"]
    limit = bench.TARGETS["page_p95_ms"][report["machine"]["database"]]  # 300 ms SQLite, 150 ms PostgreSQL
    report["pages"][0]["p95_ms"] = limit + 0.1
    report["pages"][1]["p95_ms"] = limit
    bench.check_targets(report)
    assert report["pages"][0]["ok"] is False and report["pages"][1]["ok"] is True
    assert report["exports"][0]["ok"] is False  # 16 s > 15 s for all orders
    assert report["seed"]["ok"] is False  # 301 s > 5 min
    first, again = report["jobs"]
    assert first["job"] == "run_dunning" and again["emails"] == 0 and again["ok"] is True
    assert first["reminders"] == 0 and first["ok"] is False  # nothing overdue here: nothing proven
    text = bench.markdown(report)
    assert "| orders: list | assistant2 |" in text and "✗" in text and "Skipped: wrk is not installed" in text


def test_export_in_process_reports_rows_and_memory(cast, orders, settings, django_capture_on_commit_callbacks):
    inline = bench.run_export("gm", "orders:line-export")
    assert inline["status"] == 200 and inline["rows"] == 6 and not inline["background"]
    assert inline["peak_rss_mb"] >= inline["rss_before_mb"] > 0
    settings.EXPORT_INLINE_MAX_ROWS = 1  # the worker path, run eagerly in the measuring process
    with django_capture_on_commit_callbacks(execute=True):
        background = bench.run_export("gm", "orders:export")
    assert background["status"] == "done" and background["rows"] == 3 and background["background"]


def test_contract_pdf_job_without_contracts(cast):
    assert bench.job_contract_pdf()["status"] == "no contract"


def test_openpyxl_reference_writes_its_rows_and_is_reported_beside_the_downloads():
    row = bench.job_openpyxl_reference(rows=200)
    assert row["rows"] == 200 and row["bytes"] > 0 and row["seconds"] >= 0
    report = {"machine": bench.machine(), "counts": {}, "pages": [], "exports": [], "jobs": [row]}
    bench.check_targets(report)
    assert row["ok"] is None  # a reference, not a target
    text = bench.markdown(report)
    assert f"openpyxl alone writes 200 rows of 12 mixed columns in {row['seconds']} s on this machine" in text
    assert "| openpyxl alone, 200 rows × 12 mixed columns (reference) |" in text


def test_wrk_output_is_parsed():
    output = """Running 10s test @ http://127.0.0.1:8001/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    25.10ms    5.20ms  80.00ms   90.00%
  Latency Distribution
     50%   24.50ms
     75%   27.00ms
     90%   31.00ms
     99%    1.20s
  1589 requests in 10.01s, 40.12MB read
  Non-2xx or 3xx responses: 2
Requests/sec:    158.75
Transfer/sec:      4.01MB
"""
    assert bench.parse_wrk(output) == {"rps": 158.75, "p50_ms": 24.5, "p99_ms": 1200.0, "requests": 1589,
                                       "non_2xx": 2}  # fmt: skip


def test_dunning_job_on_a_day_off_is_measured_on_the_next_working_day(cast):
    """On a Sunday run_dunning rightly sends nothing; the bench measures Monday's run instead, which
    sends the reminders, and the second run of that day sends nothing."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    import time_machine

    from receivables.models import Reminder
    from tests.receivables.factories import make_invoice

    make_invoice(cast, customer=cast.customer_of_assistant1, due_on=date(2026, 11, 20))
    sunday = datetime(2026, 12, 6, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(sunday, tick=False):
        first, again = bench.job_dunning()
    assert first["day"] == again["day"] == "2026-12-07"  # Monday
    assert first["reminders"] >= 1 and first["emails"] >= 1 and again["emails"] == 0
    bench.check_targets({"machine": bench.machine(), "counts": {}, "pages": [], "exports": [], "jobs": [first, again]})
    assert first["ok"] is True and again["ok"] is True
    assert not Reminder.objects.exists()  # measured, then rolled back


def test_settle_database_after_the_seed(db):
    """A CHECKPOINT on PostgreSQL (the test database's superuser may run it), nothing on SQLite."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        bench.settle_database()
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements == (["CHECKPOINT"] if connection.vendor == "postgresql" else [])
