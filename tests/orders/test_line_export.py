"""Order lines Excel (orders:line-export): the order list's scope and filters, one typed row per line."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Export
from orders.models import Order, OrderLine
from tests.orders.factories import make_order, make_product

S = Order.Status


def excel_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))


@pytest.fixture
def orders(cast):
    p1, p2 = make_product(name="轴承"), make_product(name="齿轮")
    return [
        make_order(cast.sales1, cast.customer_of_assistant1, lines=[(p1, 10, "2.50"), (p2, 3, "7.00")]),
        make_order(cast.sales1, cast.customer_of_assistant2, lines=[(p1, 4, "1.25")], status=S.CONFIRMED),
        make_order(cast.sales2, cast.customer_of_sales2, lines=[(p2, 1, "9.00"), (p2, 2, "9.00"), (p1, 5, "1")]),
        make_order(cast.sales3, cast.customer_of_sales3, lines=[(p1, 6, "3.00")]),
    ]


@pytest.mark.parametrize(
    "who, expected",
    [("gm", 7), ("manager1", 6), ("manager2", 1), ("sales1", 3), ("assistant1", 2), ("assistant2", 4), ("finance1", 0)],
)
def test_rows_are_the_lines_of_the_orders_in_scope(client, cast, orders, who, expected):
    user = getattr(cast, who)
    client.force_login(user)
    rows = excel_rows(client.get(reverse("orders:line-export")))
    assert rows[0][:3] == ("Order number", "Received on", "Customer code")
    body = rows[1:]
    assert len(body) == expected
    visible = set(Order.objects.visible_to(user).values_list("number", flat=True))
    assert {r[0] for r in body} == visible
    assert len(body) == OrderLine.objects.filter(order__number__in=visible).count()


def test_cells_are_typed(client, cast, orders):
    client.force_login(cast.sales1)
    rows = excel_rows(client.get(reverse("orders:line-export"), {"status": "received"}))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    assert len(body) == 2  # the received order's two lines; the confirmed one is filtered out
    first = next(r for r in body if r[col["Product"]] == "轴承")
    assert first[col["Order number"]] == orders[0].number
    assert isinstance(first[col["Received on"]], (date, datetime))
    assert first[col["Quantity"]] == 10 and first[col["Unit price"]] == 2.5 and first[col["Amount"]] == 25
    assert first[col["Currency"]] == "CNY"
    assert first[col["Shipped"]] == 0 and first[col["Open quantity"]] == 10
    assert first[col["Customer"]] == cast.customer_of_assistant1.name


def test_follows_the_list_sort(client, cast):
    product = make_product()
    old = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(product, 1, 1)], received_on=date(2026, 1, 5))
    new = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(product, 1, 1)], received_on=date(2026, 3, 5))
    client.force_login(cast.sales1)
    numbers = [r[0] for r in excel_rows(client.get(reverse("orders:line-export")))[1:]]
    assert numbers == [new.number, old.number]  # newest first, as the list
    numbers = [r[0] for r in excel_rows(client.get(reverse("orders:line-export"), {"sort": "received"}))[1:]]
    assert numbers == [old.number, new.number]


def test_big_download_is_built_in_the_background(client, cast, orders, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    client.force_login(cast.gm)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("orders:line-export"))
    assert response.status_code == 302
    export = Export.objects.get(owner=cast.gm)
    assert export.view_name == "orders:line-export" and export.rows_total == 7
    export.refresh_from_db()
    assert export.status == Export.Status.DONE and export.rows_done == 7
    with export.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
        assert sum(1 for _ in sheet.iter_rows()) == 8


def test_queries_do_not_grow_with_lines(client, cast, django_assert_max_num_queries):
    product = make_product()
    for _ in range(30):
        make_order(cast.sales1, cast.customer_of_assistant1, lines=[(product, 1, Decimal("2"))] * 3)
    client.force_login(cast.assistant1)
    with django_assert_max_num_queries(8):
        rows = excel_rows(client.get(reverse("orders:line-export")))
    assert len(rows) == 91


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("orders:line-export"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_order_list_links_both_downloads(client, cast, orders):
    client.force_login(cast.manager1)
    html = client.get(reverse("orders:list"), {"status": "received"}).content.decode()
    assert reverse("orders:line-export") + "?status=received" in html
    assert reverse("orders:export") + "?status=received" in html
