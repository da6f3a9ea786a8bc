"""Statistics pages keep their figures FIGURES_CACHE_SECONDS (core.kept) and say "as of" when;
another user, month or language gets its own figures, and the Excel of the same page is fresh."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract
from tests.contracts.factories import make_contract
from tests.orders.factories import make_order, make_product

PAGES = ["orders:statistics", "orders:abnormal-statistics", "contracts:statistics"]


@pytest.fixture
def keeping(settings):
    settings.FIGURES_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def _received_this_month(client) -> int:
    return client.get(reverse("orders:statistics")).context["stats"].summary["m_received"]


def test_order_statistics_are_kept_per_user_and_month_and_say_so(client, cast, keeping):
    product = make_product()
    make_order(cast.sales1, cast.customer_of_assistant1, lines=[(product, 1, Decimal("5.00"))])
    client.force_login(cast.manager1)
    assert _received_this_month(client) == 1
    html = client.get(reverse("orders:statistics")).content.decode()
    assert 'id="figures-as-of"' in html and "every 5 minutes" in html

    make_order(cast.sales1, cast.customer_of_assistant1, lines=[(product, 1, Decimal("5.00"))])
    assert _received_this_month(client) == 1  # kept
    month = timezone.localdate().strftime("%Y-%m")
    assert client.get(reverse("orders:statistics"), {"month": month}).context["stats"].summary["m_received"] == 2
    client.force_login(cast.gm)
    assert _received_this_month(client) == 2  # another user: computed now
    client.force_login(cast.sales3)
    assert _received_this_month(client) == 0  # and never another user's figures

    cache.clear()  # as when the minutes have passed
    client.force_login(cast.manager1)
    assert _received_this_month(client) == 2


def test_contract_statistics_are_kept_and_the_excel_is_fresh(client, cast, keeping):
    client.force_login(cast.gm)
    signed = timezone.localdate()
    make_contract(cast.sales1, cast.customer_of_assistant1, status=Contract.Status.SIGNED, signed_on=signed)
    first = client.get(reverse("contracts:statistics")).context["stats"]
    make_contract(cast.sales1, cast.customer_of_assistant1, status=Contract.Status.SIGNED, signed_on=signed)
    again = client.get(reverse("contracts:statistics"))
    assert again.context["stats"].totals == first.totals and again.context["figures_as_of"] is not None
    assert client.get(reverse("contracts:statistics-export")).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_statistics_computed_every_time_say_nothing(client, cast, name):
    client.force_login(cast.gm)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response.context["figures_as_of"] is None and 'id="figures-as-of"' not in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_kept_statistics_show_as_of_in_chinese(client, cast, keeping, name):
    client.force_login(cast.gm)
    html = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="figures-as-of"' in html and "截至" in html


def test_aging_page_is_kept_and_says_so_the_account_stays_fresh(client, cast, keeping):
    from tests.receivables.factories import make_invoice

    client.force_login(cast.gm)
    make_invoice(cast)
    first = client.get(reverse("receivables:aging"))
    assert first.context["figures_as_of"] is not None and 'id="figures-as-of"' in first.content.decode()
    make_invoice(cast, salesperson=cast.sales2, customer=cast.customer_of_sales2)
    kept_rows = client.get(reverse("receivables:aging")).context["rows"]
    assert [r["label"] for r in kept_rows] == [r["label"] for r in first.context["rows"]]
    fresh = client.get(reverse("receivables:aging"), {"by": "customer", "page": "1"}).context["rows"]
    assert len(fresh) == len(kept_rows) + 1  # another query string: computed now
