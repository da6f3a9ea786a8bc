"""Time the heavy receivables pages on the current database: aging (page and Excel) as the GM,
and the statement of account (page, PDF, Excel) of a customer with ``--invoices`` invoices in the
period. Demo customers have a handful of invoices each, so the statement's customer gets copies of
existing invoices added inside a transaction that is rolled back: nothing is kept.
"""

import json
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from accounts.models import User
from receivables.models import Invoice


class Rollback(Exception):
    pass


def timed(client, url, repeat=3):
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    times = []
    for n in range(repeat):
        started = time.perf_counter()
        if n == 0:
            with connection.execute_wrapper(count):
                response = client.get(url, secure=True)
        else:
            response = client.get(url, secure=True)
        if getattr(response, "streaming", False):
            size = sum(len(chunk) for chunk in response.streaming_content)
        else:
            size = len(response.content)
        times.append(time.perf_counter() - started)
    return {"status": response.status_code, "median_s": round(statistics.median(times), 2), "queries": len(queries),
            "bytes": size}  # fmt: skip


class Command(BaseCommand):
    help = "Time aging and a 500-invoice statement of account (PDF, Excel)."

    def add_arguments(self, parser):
        parser.add_argument("--invoices", type=int, default=500)

    @override_settings(ALLOWED_HOSTS=["*"], DEBUG=False)
    def handle(self, *args, **options):
        client = Client()
        client.force_login(User.objects.get(username="gm"))
        result = {"database": connection.vendor, "invoices": Invoice.objects.count()}
        result["aging page"] = timed(client, reverse("receivables:aging"))
        result["aging by salesperson"] = timed(client, reverse("receivables:aging") + "?by=salesperson")
        result["aging Excel"] = timed(client, reverse("receivables:aging-export"), repeat=1)
        try:
            with transaction.atomic():
                customer_id = (
                    Invoice.objects.filter(currency="CNY").values("customer_id").annotate(n=Count("pk")).order_by("-n")
                )[0]["customer_id"]
                have = Invoice.objects.filter(customer_id=customer_id, currency="CNY").count()
                copies = list(
                    Invoice.objects.filter(currency="CNY").exclude(customer_id=customer_id)[
                        : max(0, options["invoices"] - have)
                    ]
                )
                for n, invoice in enumerate(copies):
                    invoice.pk = None
                    invoice.number = f"BENCH-{n:05d}"
                    invoice.customer_id = customer_id
                Invoice.objects.bulk_create(copies, batch_size=1000)
                total = Invoice.objects.filter(customer_id=customer_id, currency="CNY").count()
                query = "?start=2000-01-01&end=2100-12-31&currency=CNY"
                result["statement invoices"] = total
                result["statement page"] = timed(
                    client, reverse("receivables:statement", args=[customer_id]) + query, 1
                )
                result["statement PDF"] = timed(
                    client, reverse("receivables:statement-pdf", args=[customer_id]) + query, 1
                )
                result["statement Excel"] = timed(
                    client, reverse("receivables:statement-xlsx", args=[customer_id]) + query, 1
                )
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(json.dumps(result, indent=1))
