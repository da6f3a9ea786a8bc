"""The benchmark: server time and SQL queries of each page, and heavy work, at real volume.

Pages are requested in-process through Django's test client as several demo users (so
the scope subqueries are part of what is measured). Each module adds its pages to PAGES
and its heavy jobs to EXPORTS. Run with ``make bench`` (seeds --scale 100 first).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[object], str | None]  # user -> URL, or None when the user has nothing to show


def _first_visible(model_path: str, order: str = "pk"):
    from django.apps import apps

    model = apps.get_model(model_path)

    def pick(user):
        return model.objects.visible_to(user).order_by(order).values_list("pk", flat=True).first()

    return pick


def _detail(url_name: str, model_path: str) -> Callable[[object], str | None]:
    pick = _first_visible(model_path)

    def url(user):
        pk = pick(user)
        return reverse(url_name, args=[pk]) if pk else None

    return url


def _deep(url_name: str, model_path: str, per_page: int = 50) -> Callable[[object], str | None]:
    from django.apps import apps

    model = apps.get_model(model_path)

    def url(user):
        pages = max(1, model.objects.visible_to(user).count() // per_page)
        return f"{reverse(url_name)}?page={max(1, pages // 2)}"

    return url


PAGES: list[Page] = [
    Page("home", lambda user: reverse("home")),
    Page("customers: list", lambda user: reverse("customers:list")),
    Page("customers: list, deep page", _deep("customers:list", "customers.Company")),
    Page("customers: list, search", lambda user: reverse("customers:list") + "?q=%E7%B2%BE%E5%AF%86"),
    Page("customers: detail", _detail("customers:detail", "customers.Company")),
    Page("customers: follow-ups", lambda user: reverse("customers:follow-ups")),
    Page("customers: expiring documents", lambda user: reverse("customers:documents-expiring")),
    Page("customers: complaints", lambda user: reverse("customers:complaint-list")),
    Page("customers: complaint analysis", lambda user: reverse("customers:complaint-analysis")),
    Page("customers: satisfaction", lambda user: reverse("customers:survey-trend")),
    Page("orders: list", lambda user: reverse("orders:list")),
    Page("orders: list, deep page", _deep("orders:list", "orders.Order")),
    Page("orders: list, search", lambda user: reverse("orders:list") + "?q=PO-1"),
    Page("orders: detail", _detail("orders:detail", "orders.Order")),
    Page("orders: monthly statistics", lambda user: reverse("orders:statistics")),
    Page("orders: quotations", lambda user: reverse("orders:quotation-list")),
    Page("orders: quotation detail", _detail("orders:quotation-detail", "orders.Quotation")),
    Page("orders: shipments", lambda user: reverse("orders:shipment-list")),
    Page("orders: shipment detail", _detail("orders:shipment-detail", "orders.Shipment")),
    Page("orders: abnormal orders", lambda user: reverse("orders:abnormal-list")),
    Page("orders: abnormal statistics", lambda user: reverse("orders:abnormal-statistics")),
    Page("orders: products", lambda user: reverse("orders:product-list")),
]

# Heavy downloads, each run in a fresh process so its peak memory is its own.
EXPORTS: list[tuple[str, str, str]] = [
    ("customers: Excel of all companies", "gm", "customers:export"),
    ("customers: complaints Excel", "gm", "customers:complaint-export"),
    ("orders: Excel of all orders", "gm", "orders:export"),
    ("orders: monthly statistics Excel", "gm", "orders:statistics-export"),
]

# Modules built later keep their entries in ``<app>/bench.py`` (PAGES and EXPORTS lists of
# the same shapes, using Page, _detail and _deep from here).
BENCH_MODULES = ["contracts", "receivables", "samples", "travel", "expenses", "reports"]


def _module_entries() -> None:
    import importlib

    for app in BENCH_MODULES:
        module = importlib.import_module(f"{app}.bench")
        PAGES.extend(module.PAGES)
        EXPORTS.extend(module.EXPORTS)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


@override_settings(ALLOWED_HOSTS=["*"], DEBUG=False)
def measure_pages(usernames: list[str], repeat: int) -> list[dict]:
    from accounts.models import User

    results = []
    for username in usernames:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for page in PAGES:
            url = page.url(user)
            if url is None:
                continue
            try:
                client.get(url)  # warm caches, as a user's second visit
            except Exception as error:  # a broken page is reported, not fatal to the run
                results.append(
                    {
                        "page": page.name,
                        "user": username,
                        "url": url,
                        "status": f"error: {error!r}"[:80],
                        "p50_ms": None,
                        "p95_ms": None,
                        "queries": None,
                    }
                )
                continue
            times = []
            statements: list[str] = []

            def count(execute, sql, params, many, context, statements=statements):
                statements.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                response = client.get(url)
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            results.append({
                "page": page.name, "user": username, "url": url, "status": response.status_code,
                "p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 95), 1),
                "queries": len(statements),
            })  # fmt: skip
    return results


@override_settings(ALLOWED_HOSTS=["*"], DEBUG=False)
def run_export(username: str, url_name: str) -> dict:
    """Called in a child process: download one export and report time, size, peak RSS."""
    from accounts.models import User
    from core.models import Export

    client = Client()
    user = User.objects.get(username=username)
    client.force_login(user)
    started = time.perf_counter()
    response = client.get(reverse(url_name))
    size = sum(len(chunk) for chunk in response.streaming_content) if response.streaming else len(response.content)
    status = response.status_code
    if status == 302:  # a big download: built by export_task (eager here, so within this process)
        export = Export.objects.filter(owner=user).latest("created_at")
        status, size = export.status, export.file.size if export.file else 0
    seconds = time.perf_counter() - started
    return {
        "status": status, "seconds": round(seconds, 2), "bytes": size,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }  # fmt: skip


def measure_exports() -> list[dict]:
    results = []
    for name, username, url_name in EXPORTS:
        completed = subprocess.run(
            [sys.executable, "manage.py", "bench", "--export", f"{username}:{url_name}"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        data = json.loads(completed.stdout.strip().splitlines()[-1])
        results.append({"export": name, "user": username, **data})
    return results


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0] if Path("/proc/meminfo").exists() else ""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cores": os.cpu_count(), "memory": " ".join(meminfo.split()[1:]), "python": platform.python_version(),
        "database": connection.vendor, "commit": commit, "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }  # fmt: skip


def counts() -> dict:
    from django.apps import apps

    wanted = [
        "customers.Company", "customers.Contact", "customers.Complaint", "customers.CompanyDocument",
        "orders.Order", "orders.OrderLine", "orders.Quotation", "orders.Shipment", "orders.AbnormalOrder",
    ]  # fmt: skip
    return {name: apps.get_model(name).objects.count() for name in wanted}


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"# Backdesk benchmark ({m['database']}, commit {m['commit']})",
        "",
        f"{m['cores']} cores, {m['memory']} memory, Python {m['python']}, {m['at']}.",
        "",
        "Rows: " + ", ".join(f"{k.split('.')[1]} {v:,}" for k, v in report["counts"].items()),
        "",
        "| page | user | p50 ms | p95 ms | queries | status |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in report["pages"]:
        lines.append(f"| {r['page']} | {r['user']} | {r['p50_ms']} | {r['p95_ms']} | {r['queries']} | {r['status']} |")
    lines += ["", "| export | user | seconds | size KB | peak RSS MB |", "| --- | --- | ---: | ---: | ---: |"]
    for r in report["exports"]:
        lines.append(f"| {r['export']} | {r['user']} | {r['seconds']} | {r['bytes'] // 1024:,} | {r['peak_rss_mb']} |")
    return "\n".join(lines) + "\n"


_module_entries()
