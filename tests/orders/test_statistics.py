"""Monthly order statistics: the numbers on a known data set, the month window, scope, Excel."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.months import add_months
from orders.models import Order
from orders.services.orders import order_statistics
from tests.orders.factories import make_order, make_product

S = Order.Status
D = Decimal


@pytest.fixture
def data(cast):
    today = timezone.localdate()
    month = today.replace(day=1)
    last_month = month - timedelta(days=1)
    p = make_product()

    def order(sp, customer, status, amount, received, currency="CNY"):
        return make_order(sp, customer, lines=[(p, 1, amount)], status=status, received_on=received, currency=currency)

    order(cast.sales1, cast.customer_of_assistant1, S.RECEIVED, D("100.00"), today)
    order(cast.sales1, cast.customer_shared, S.SHIPPED, D("50.00"), today, currency="USD")
    order(cast.sales1, cast.customer_of_assistant1, S.CLOSED, D("30.00"), last_month)
    order(cast.sales2, cast.customer_of_sales2, S.CANCELLED, D("20.00"), today)
    order(cast.sales2, cast.customer_of_sales2, S.CONFIRMED, D("10.00"), month)
    order(cast.sales3, cast.customer_of_sales3, S.IN_PRODUCTION, D("999.00"), add_months(month, -14))
    return month


def test_numbers_on_a_known_data_set(cast, data):
    stats = order_statistics(cast.gm, data)
    s = stats.summary
    assert (s["m_received"], s["m_completed"], s["m_open"]) == (3, 1, 2)
    assert (s["received"], s["completed"], s["open"], s["cancelled"]) == (4, 2, 2, 1)
    assert s["m_value"] == {"CNY": D("110.00"), "USD": D("50.00")}
    assert s["value"] == {"CNY": D("140.00"), "USD": D("50.00")}
    assert stats.currencies == ["CNY", "USD"]
    assert len(stats.months) == 13 and stats.months[-1] == data and stats.months[0] == add_months(data, -12)

    this, last = stats.by_month[-1], stats.by_month[-2]
    assert (this["received"], this["completed"], this["open"], this["cancelled"]) == (3, 1, 2, 1)
    assert (last["received"], last["completed"], last["open"]) == (1, 1, 0)
    assert last["value"] == {"CNY": D("30.00")}
    assert all(row["received"] == 0 for row in stats.by_month[:-2])

    by_sp = {row["salesperson"].username: row for row in stats.by_salesperson}
    assert set(by_sp) == {"sales1", "sales2"}  # sales3's order is older than the window
    assert (by_sp["sales1"]["m_received"], by_sp["sales1"]["received"], by_sp["sales1"]["completed"]) == (2, 3, 2)
    assert by_sp["sales1"]["value"] == {"CNY": D("130.00"), "USD": D("50.00")}
    assert (by_sp["sales2"]["m_received"], by_sp["sales2"]["cancelled"], by_sp["sales2"]["open"]) == (1, 1, 1)
    assert by_sp["sales2"]["m_value"] == {"CNY": D("10.00")}

    by_customer = {row["customer"].code: row for row in stats.by_customer}
    assert by_customer["T-A1"]["received"] == 2 and by_customer["T-A1"]["m_received"] == 1
    assert by_customer["T-SH"]["m_value"] == {"USD": D("50.00")}
    assert [row["customer"].code for row in stats.by_customer][0] in {"T-A1", "T-SH", "T-S2"}


def test_statistics_are_scoped(cast, data):
    assert order_statistics(cast.assistant1, data).summary["received"] == 3  # sales1's T-A1 (2) and T-SH (1)
    assert order_statistics(cast.manager2, data).summary["received"] == 0
    assert order_statistics(cast.finance1, data).summary["received"] == 0
    older = order_statistics(cast.manager2, add_months(data, -2))
    assert older.summary["received"] == 1 and older.summary["value"] == {"CNY": D("999.00")}


def test_top_customers_limit(cast, data):
    assert len(order_statistics(cast.gm, data, top=2).by_customer) == 2


def test_page_and_month_parameter(client, cast, data):
    client.force_login(cast.manager1)
    response = client.get(reverse("orders:statistics"))
    assert response.status_code == 200 and response.context["month"] == data
    html = response.content.decode()
    assert 'data-kpi="received">3<' in html
    previous = add_months(data, -1)
    response = client.get(reverse("orders:statistics"), {"month": f"{previous:%Y-%m}"})
    assert response.context["stats"].summary["m_received"] == 1
    response = client.get(reverse("orders:statistics"), {"month": "garbage"})
    assert response.context["month"] == data


def test_statistics_excel(client, cast, data):
    client.force_login(cast.gm)
    response = client.get(reverse("orders:statistics-export"), {"month": f"{data:%Y-%m}"})
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["By month", "By salesperson", "By customer"]
    months = [tuple(r) for r in book["By month"].iter_rows(values_only=True)]
    assert months[0][:5] == ("Month", "Received", "Completed", "Open", "Cancelled")
    assert months[-1][:5] == (f"{data:%Y-%m}", 3, 1, 2, 1)
    assert months[-1][5:] == (110, 50)
    assert len(months) == 14
    people = [tuple(r) for r in book["By salesperson"].iter_rows(values_only=True)]
    assert len(people) == 3
    row = next(r for r in people[1:] if r[0] == str(cast.sales1))
    assert row[1:4] == (2, 1, 1)
    customers = [tuple(r) for r in book["By customer"].iter_rows(values_only=True)]
    assert {r[0] for r in customers[1:]} == {"T-A1", "T-SH", "T-S2"}
