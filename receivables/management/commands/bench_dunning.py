"""Measure run_dunning on the current database: time, SQL queries, peak memory.

Runs inside a transaction that is rolled back (nothing is recorded or kept) with mail sent to
memory, so it can be repeated on the benchmark database: ``manage.py bench_dunning [--date]``.
"""

import json
import resource
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import override_settings

from core.jobs import parse_day
from receivables.jobs import run_dunning
from receivables.models import Instalment


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time run_dunning (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day")

    def handle(self, *args, **options):
        day = parse_day(options.get("day"))
        open_instalments = Instalment.objects.open().count()
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        started = time.perf_counter()
        try:
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
                connection.execute_wrapper(count),
                transaction.atomic(),
            ):
                summary = run_dunning(day=day)
                elapsed = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        result = {
            "day": day.isoformat(),
            "database": connection.vendor,
            "open_instalments": open_instalments,
            "reminders": summary["reminders"],
            "emails": summary["emails"],
            "seconds": round(elapsed, 2),
            "queries": len(queries),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        self.stdout.write(json.dumps(result))
