"""Product catalogue: list for every signed-in role, type-ahead lookup, admin."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Product
from tests.orders.factories import make_product

pytestmark = pytest.mark.django_db

LIST = reverse("orders:product-list")
LOOKUP = reverse("orders:product-lookup")


@pytest.fixture
def products(db):
    return {
        "bolt": make_product(sku="BLT-100", name="六角螺栓", name_en="Hex bolt", unit="pcs", list_price=Decimal("0.35")),
        "panel": make_product(
            sku="LED-600", name="LED 面板灯", name_en="LED panel light", unit="set", list_price=Decimal("128.00"),
            currency="USD",
        ),
        "old": make_product(sku="OLD-001", name="旧款灯罩", name_en="Old lamp shade", active=False),
    }  # fmt: skip


@pytest.mark.parametrize("who", ["gm", "manager1", "sales1", "sales3", "assistant1", "assistant3", "finance1"])
def test_every_signed_in_role_reads_the_catalogue(client, cast, products, who):
    client.force_login(getattr(cast, who))
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    # Names side by side, money with its currency.
    assert "LED 面板灯" in html and "LED panel light" in html
    assert "USD\xa0128.00" in html


def test_anonymous_is_sent_to_login(client):
    for url in (LIST, LOOKUP):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "BLT"}, {"BLT-100"}),
        ({"q": "面板"}, {"LED-600"}),
        ({"q": "lamp shade"}, {"OLD-001"}),
        ({"active": "yes"}, {"BLT-100", "LED-600"}),
        ({"active": "no"}, {"OLD-001"}),
        ({"unit": "set"}, {"LED-600"}),
        ({"currency": "USD"}, {"LED-600"}),
        ({"currency": "CNY", "active": "yes"}, {"BLT-100"}),
    ],
)
def test_search_and_filters(client, cast, products, query, expected):
    client.force_login(cast.assistant1)
    response = client.get(LIST, query)
    assert {p.sku for p in response.context["products"]} == expected


def test_sort_by_price_descending_and_applied_chips(client, cast, products):
    client.force_login(cast.sales1)
    response = client.get(LIST, {"sort": "-price", "unit": "pcs"})
    skus = [p.sku for p in response.context["products"]]
    assert skus == sorted(skus, key=lambda s: -Product.objects.get(sku=s).list_price)
    assert ("Unit", "pieces") in response.context["active_filters"]


def test_htmx_gets_rows_only(client, cast, products):
    client.force_login(cast.sales1)
    response = client.get(LIST, {"q": "LED"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="product-table"' in html and "<html" not in html
    assert 'hx-swap-oob="true"' in html


def test_paginates_with_flat_queries(client, cast, django_assert_max_num_queries):
    client.force_login(cast.sales1)
    for _ in range(3):
        make_product()
    with django_assert_max_num_queries(8) as few:
        client.get(LIST)
    for _ in range(60):
        make_product()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["products"]) == 50
    assert response.context["paginator"].count == 63


def test_lookup_returns_active_products_with_price(client, cast, products):
    client.force_login(cast.assistant1)
    data = client.get(LOOKUP, {"q": "LED"}).json()
    assert data == {
        "results": [
            {
                "id": products["panel"].pk,
                "text": "LED-600 LED 面板灯 / LED panel light",
                "unit": "set",
                "list_price": "128.00",
                "currency": "USD",
            }
        ]
    }
    assert client.get(LOOKUP, {"q": "OLD"}).json() == {"results": []}  # inactive is not offered


def test_lookup_returns_at_most_20(client, cast):
    for _ in range(25):
        make_product()
    client.force_login(cast.sales3)
    assert len(client.get(LOOKUP).json()["results"]) == 20


def test_admin_manages_products(client, cast, products):
    from accounts.models import User

    client.force_login(User.objects.get(username="admin"))
    response = client.get(reverse("admin:orders_product_changelist"), {"q": "面板", "active__exact": "1"})
    assert response.status_code == 200
    assert "LED-600" in response.content.decode()
    assert client.get(reverse("admin:orders_product_change", args=[products["bolt"].pk])).status_code == 200
    assert client.get(reverse("admin:orders_product_history", args=[products["bolt"].pk])).status_code == 200
    # The catalogue page offers the admin link to staff only.
    assert "Manage in admin" in client.get(LIST).content.decode()
    client.force_login(cast.sales1)
    assert "Manage in admin" not in client.get(LIST).content.decode()
