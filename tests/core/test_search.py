"""The list searches (the ``q`` parameter): a search by each searched field finds its record, and
a second record that matches nothing stays out.

The searches query each table on its own and join through ``__in`` subqueries (core/trigram.py)
rather than an OR across joined columns; these pin that no field was lost on the way. Every term
is a part of one field only (in another case where it has one), so it finds the record through
that field or not at all.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from receivables.services.payments import payment_record
from samples.models import SampleRequest
from tests.customers.test_complaints import make as make_complaint
from tests.orders.factories import make_order
from tests.orders.test_abnormal import abnormal
from tests.orders.test_quotations import make_quotation
from tests.orders.test_shipments import prepare
from tests.receivables.factories import make_invoice
from tests.samples.factories import make_sample

S = Order.Status
SEARCHED = {"code": "KX-5531", "name": "搜索测试精密机械", "name_en": "Searchable Precision", "short_name": "搜精机"}
PO = "PO-ZX-7781"
TERMS = {
    "customer code": "kx-553",
    "customer name": "精密机械",
    "name_en": "searchable prec",
    "short_name": "搜精机",
    "customer PO": "zx-7781",
    "tracking number": "yt-zx-990",
    "bank reference": "br-zx-409",
    "product": "伺服电机",
    "description": "gearbox leak",
}


# Each builder makes the record to find (of customer ``a``, with PO-ZX-7781 where it has an order)
# and one that matches nothing (of customer ``b``), and adds the terms only known once they exist.


def orders_list(cast, a, b):
    hit, miss = make_order(cast.sales1, a, customer_po=PO), make_order(cast.sales1, b)
    return hit, miss, {"number": hit.number}


def quotations(cast, a, b):
    hit, miss = make_quotation(cast.sales1, a), make_quotation(cast.sales1, b)
    return hit, miss, {"number": hit.number}


def shipments(cast, a, b):
    order = make_order(cast.sales1, a, customer_po=PO, status=S.READY)
    hit = prepare(order, cast.assistant1, 1, tracking_number="YT-ZX-99017")
    miss = prepare(make_order(cast.sales1, b, status=S.READY), cast.assistant1, 1, tracking_number="SF-1")
    return hit, miss, {"number": hit.number, "order number": hit.order.number}


def abnormal_orders(cast, a, b):
    hit = abnormal(make_order(cast.sales1, a, customer_po=PO, status=S.IN_PRODUCTION))
    miss = abnormal(make_order(cast.sales1, b, status=S.IN_PRODUCTION))
    return hit, miss, {"order number": hit.order.number}


def complaints(cast, a, b):
    hit = make_complaint(a, product="伺服电机 servo", description="齿轮箱漏油 gearbox leaking")
    return hit, make_complaint(b), {}


def samples(cast, a, b):
    hit, miss = make_sample(cast, customer=a), make_sample(cast, customer=b)
    order = make_order(cast.sales1, a, customer_po=PO)
    SampleRequest.objects.filter(pk=hit.pk).update(tracking_number="YT-ZX-99017", order=order)
    return hit, miss, {"number": hit.number, "order number": order.number}


def payments(cast, a, b):
    def pay(customer, reference):
        today = timezone.localdate()
        return payment_record(
            actor=cast.finance1,
            customer=customer,
            amount=Decimal("300"),
            currency="CNY",
            received_on=today,
            bank_reference=reference,
        )

    hit = pay(a, "BR-ZX-40917")
    return hit, pay(b, "BR-1"), {"number": hit.number}


def invoices(cast, a, b):
    hit, miss = make_invoice(cast, customer=a), make_invoice(cast, customer=b)
    Order.objects.filter(pk=hit.order_id).update(customer_po=PO)
    return hit, miss, {"number": hit.number, "order number": hit.order.number}


def order_lookup(cast, a, b):
    hit = make_order(cast.sales1, a, customer_po=PO, status=S.CONFIRMED)
    return hit, make_order(cast.sales1, b, status=S.CONFIRMED), {"order number": hit.number}


CUSTOMER = ["customer code", "customer name", "name_en", "short_name"]
# page: (URL name, the context list or None for the JSON lookup, builder, the fields searched)
PAGES = {
    "orders": ("orders:list", "orders", orders_list, ["number", "customer PO", *CUSTOMER]),
    "quotations": ("orders:quotation-list", "quotations", quotations, ["number", *CUSTOMER]),
    "shipments": ("orders:shipment-list", "shipments", shipments,
                  ["number", "tracking number", "order number", "customer PO", "customer code", "customer name"]),
    "abnormal": ("orders:abnormal-list", "abnormalities", abnormal_orders,
                 ["order number", "customer PO", "customer name"]),
    "complaints": ("customers:complaint-list", "complaints", complaints,
                   ["customer code", "customer name", "product", "description"]),
    "samples": ("samples:list", "samples", samples,
                ["number", "tracking number", "customer code", "customer name", "order number", "customer PO"]),
    "payments": ("receivables:payment-list", "payments", payments,
                 ["number", "bank reference", "customer code", "customer name", "name_en"]),
    "invoices": ("receivables:list", "invoices", invoices,
                 ["number", "order number", "customer PO", "customer code", "customer name", "name_en"]),
    "order lookup": ("receivables:order-lookup", None, order_lookup, ["order number", "customer PO", "customer name"]),
}  # fmt: skip


@pytest.fixture
def customers(cast):
    """The customer to find, with distinctive names, and another that matches no term."""
    a = cast.customer_of_assistant1
    for field, value in SEARCHED.items():
        setattr(a, field, value)
    a.save()
    return a, cast.customer_shared


@pytest.fixture(params=["keys", "subquery"])
def related_matches(request, monkeypatch):
    """Both ways core.search hands on a related table's matches: as a list of keys (few), and as
    the subquery itself (more than KEYS_CAP: here, any)."""
    if request.param == "subquery":
        monkeypatch.setattr("core.search.KEYS_CAP", 0)
    return request.param


@pytest.mark.parametrize("page, field", [(page, field) for page, (*_rest, fields) in PAGES.items() for field in fields])
def test_search_by_each_field_finds_the_record_and_only_it(client, cast, customers, related_matches, page, field):
    url_name, key, build, _fields = PAGES[page]
    hit, miss, terms = build(cast, *customers)
    client.force_login(cast.gm)
    response = client.get(reverse(url_name), {"q": {**TERMS, **terms}[field]})
    assert response.status_code == 200
    if key is None:
        found = {row["id"] for row in response.json()["results"]}
    else:
        found = {row.pk for row in response.context[key]}
    assert found == {hit.pk}, f"{page}: a search by {field} should list {hit}, not {miss}"


def test_a_page_searches_a_related_table_once(client, cast, customers):
    """The customers matching the text are read once, not again in the page's count and its rows."""
    hit, _miss, _terms = samples(cast, *customers)
    client.force_login(cast.gm)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("samples:list"), {"q": "精密机械"})
    assert [row.pk for row in response.context["samples"]] == [hit.pk]
    company_search = re.compile(r'FROM "customers_company"(?: U\d+)? WHERE')
    searches = [match for q in queries for match in company_search.findall(q["sql"])]
    assert len(searches) == 1, [q["sql"] for q in queries]
