"""DeferredJoinPaginator gives the same pages as Django's Paginator, in the same order."""

import pytest
from django.core.paginator import Paginator

from core.pagination import DeferredJoinPaginator
from orders.models import Order
from tests.orders.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ordering", [("-received_on", "-pk"), ("customer__code", "pk"), ("-total", "pk")])
def test_pages_match_the_plain_paginator(cast, ordering):
    for index in range(23):
        customer = cast.customer_of_assistant1 if index % 2 else cast.customer_shared
        make_order(cast.sales1, customer)
    make_order(cast.sales3, cast.customer_of_sales3)  # outside assistant1's scope
    queryset = Order.objects.visible_to(cast.assistant1).select_related("customer").order_by(*ordering)
    plain, deferred = Paginator(queryset, 5, orphans=2), DeferredJoinPaginator(queryset, 5, orphans=2)
    assert deferred.count == plain.count == 23 and deferred.num_pages == plain.num_pages
    for number in plain.page_range:
        assert [o.pk for o in deferred.page(number)] == [o.pk for o in plain.page(number)]


def test_a_page_is_three_queries_whatever_its_depth(cast, django_assert_num_queries):
    for _ in range(30):
        make_order(cast.sales1, cast.customer_of_assistant1)
    paginator = DeferredJoinPaginator(Order.objects.select_related("customer").order_by("pk"), 5)
    with django_assert_num_queries(3):  # count, keys of the page, the page's rows with their joins
        rows = list(paginator.page(5))
    assert [r.customer.code for r in rows] == ["T-A1"] * 5
