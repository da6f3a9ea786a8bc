"""The seed's bulk writer (orders.seed._insert): executemany on SQLite, COPY on PostgreSQL with
the table's foreign keys dropped for the load and added back after it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.seed import _insert
from tests.conftest import require_postgresql
from tests.orders.factories import make_order

AWKWARD = "tab\there, line\nbreak, back\\slash, \\N, return\r, 引号 \"quoted\" 'single'"


def _foreign_keys(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), condeferrable, condeferred FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        return cursor.fetchall()


def test_insert_keeps_every_character_null_json_and_given_times(cast):
    order = make_order(cast.sales1, cast.customer_of_assistant1)
    at = timezone.now() - timedelta(days=400)
    events = [
        OrderEvent(order=order, from_status="", to_status="received", actor=cast.sales1, at=at, comment=AWKWARD),
        OrderEvent(order=order, from_status="received", to_status="confirmed", actor=cast.gm, at=at, comment=""),
    ]
    _insert(OrderEvent, events, ids=True)

    stored = {e.pk: e for e in OrderEvent.objects.filter(pk__in=[e.pk for e in events])}
    assert [stored[e.pk].comment for e in events] == [AWKWARD, ""]
    assert [stored[e.pk].actor_id for e in events] == [cast.sales1.pk, cast.gm.pk]
    assert stored[events[0].pk].at == at  # a given time is kept (the demo's history)


def test_insert_of_parents_sets_keys_stamps_and_json(cast):
    template = make_order(cast.sales1, cast.customer_of_assistant1)
    flags = [{"kind": "price", "detail": AWKWARD}]
    new = Order(
        number="SO-INSERT-1",
        customer_po="PO-INSERT-1",
        salesperson=cast.sales1,
        customer=cast.customer_of_assistant1,
        maker=cast.sales1,
        currency="USD",
        total=template.total,
        received_on=template.received_on,
        intake_flags=flags,
        created_at=timezone.now() - timedelta(days=30),
    )
    _insert(Order, [new], ids=True)

    assert new.pk and not new._state.adding
    stored = Order.objects.get(pk=new.pk)
    assert stored.intake_flags == flags
    assert stored.confirmed_delivery is None
    assert stored.updated_at is not None  # auto_now, stamped as bulk_create would
    # A child built before its parent had a key gets the key, as with bulk_create.
    child = OrderEvent(order=Order(number="x"), to_status="received", actor=cast.sales1, at=timezone.now())
    child.order = new
    _insert(OrderEvent, [child])
    assert OrderEvent.objects.filter(order=new).count() == 1


def test_insert_on_postgresql_puts_the_foreign_keys_back_and_they_still_hold(cast):
    require_postgresql()
    before = _foreign_keys("orders_orderevent")
    assert before, "orders_orderevent has foreign keys"
    order = make_order(cast.sales1, cast.customer_of_assistant1)
    _insert(OrderEvent, [OrderEvent(order=order, to_status="received", actor=cast.sales1, at=timezone.now())])
    assert _foreign_keys("orders_orderevent") == before  # same names, definitions, still deferred

    missing = OrderEvent(order_id=order.pk + 10_000, to_status="received", actor=cast.sales1, at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(OrderEvent, [missing])
