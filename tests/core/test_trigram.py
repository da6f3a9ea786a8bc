"""The list searches reach their trigram indexes on PostgreSQL (core/trigram.py).

Each case is the SQL Django generates for a search, explained with sequential scans priced out:
the plan names the index only if the index's expression is the one Django compares
(UPPER(column::text)), so a change on either side that would quietly turn every search back into
a read of the whole table fails here.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.trigram import index_name
from tests.conftest import require_postgresql

pytestmark = pytest.mark.django_db

INDEXED = {
    "customers.Company": ["code", "name", "name_en", "short_name"],
    "orders.Order": ["number", "customer_po"],
    "orders.Shipment": ["number", "tracking_number"],
    "orders.Quotation": ["number"],
    "receivables.Invoice": ["number"],
    "receivables.Payment": ["number", "bank_reference"],
    "contracts.Contract": ["number", "register_number", "title"],
}


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    return plan_sql(sql, params)


def plan_sql(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        # Price out the alternatives to a bitmap scan, whatever the test tables' statistics say:
        # reading the table, or walking another index in the model's default order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params or None)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("model", "column"), [(model, column) for model, columns in INDEXED.items() for column in columns]
)
def test_a_search_of_three_characters_or_more_reads_the_index(model, column):
    require_postgresql()
    model = apps.get_model(model)
    queryset = model.objects.filter(**{f"{column}__icontains": "精密机"}).order_by().values("pk")
    assert index_name(model._meta.db_table, column) in plan(queryset)


def test_the_indexes_have_no_pending_list():
    """fastupdate = off: new rows are searchable through the index at once, not after a vacuum."""
    require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, c.reloptions FROM pg_class c WHERE c.relname LIKE %s", ["%\\_trgm"])
        options = dict(cursor.fetchall())
    expected = {index_name(apps.get_model(m)._meta.db_table, c) for m, columns in INDEXED.items() for c in columns}
    assert set(options) == expected
    assert all(value == ["fastupdate=off"] for value in options.values()), options


def test_the_invoice_search_reaches_the_order_and_customer_indexes():
    """The orders and the customers are each searched on their own, by their own indexes, once
    (core/search.py); the invoices are then read without a join. (An OR over joined tables joined
    every invoice to its order and customer first: 175 ms at scale 100.)"""
    require_postgresql()
    from receivables.models import Invoice

    with CaptureQueriesContext(connection) as related:
        search = Invoice.objects.search("INV-2026").order_by().values("pk")
    assert [("orders_order" in q["sql"], "customers_company" in q["sql"]) for q in related] == [
        (True, False),
        (False, True),
    ]
    explained = "\n".join(plan_sql(q["sql"]) for q in related)
    for table, column in [("orders_order", "number"), ("orders_order", "customer_po"), ("customers_company", "name")]:
        assert index_name(table, column) in explained
    assert "Join" not in plan(search)
