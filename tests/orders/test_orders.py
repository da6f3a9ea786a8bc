"""Sales order pages: scope per role on every URL, the two-step form, list filters, Excel, query counts."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orders.models import Order, OrderLine
from tests.orders.factories import make_order, make_product

S = Order.Status
D = Decimal
ROLES = [
    "gm",
    "manager1",
    "manager2",
    "sales1",
    "sales2",
    "sales3",
    "assistant1",
    "assistant2",
    "assistant3",
    "finance1",
]
# Who sees an order of sales1 for cast.customer_of_assistant1.
SEES_A1 = {"gm", "manager1", "sales1", "assistant1"}


def excel_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def order(cast):
    return make_order(cast.sales1, cast.customer_of_assistant1, customer_po="PO-A1")


# Scope -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_order_pages_scope(client, cast, order, who):
    client.force_login(getattr(cast, who))
    expected = 200 if who in SEES_A1 else 404
    for name in ("orders:detail", "orders:edit"):
        assert client.get(reverse(name, args=[order.pk])).status_code == expected, name


@pytest.mark.parametrize("who", ROLES)
def test_order_post_actions_scope(client, cast, order, who):
    client.force_login(getattr(cast, who))
    expected = 302 if who in SEES_A1 else 404
    response = client.post(reverse("orders:transition", args=[order.pk]), {"to_status": "cancelled", "comment": "x"})
    assert response.status_code == expected
    order.refresh_from_db()
    assert order.status == (S.CANCELLED if who in SEES_A1 else S.RECEIVED)
    response = client.post(reverse("orders:acknowledge", args=[order.pk]))
    assert response.status_code == expected
    if who not in SEES_A1:
        response = client.post(reverse("orders:edit", args=[order.pk]), {"customer_po": "HACK"})
        assert response.status_code == 404
        order.refresh_from_db()
        assert order.customer_po == "PO-A1"


@pytest.mark.parametrize("who", ROLES)
def test_list_export_and_statistics_are_scoped(client, cast, who):
    make_order(cast.sales1, cast.customer_of_assistant1)
    make_order(cast.sales1, cast.customer_of_assistant2)
    make_order(cast.sales2, cast.customer_of_sales2)
    make_order(cast.sales3, cast.customer_of_sales3)
    user = getattr(cast, who)
    client.force_login(user)
    visible = set(Order.objects.visible_to(user).values_list("number", flat=True))
    response = client.get(reverse("orders:list"))
    assert response.status_code == 200
    assert {o.number for o in response.context["orders"]} == visible
    rows = excel_rows(client.get(reverse("orders:export")))
    assert {r[0] for r in rows[1:]} == visible
    response = client.get(reverse("orders:statistics"))
    assert response.status_code == 200
    assert response.context["stats"].summary["received"] == len(visible)
    assert client.get(reverse("orders:statistics-export")).status_code == 200


def test_expected_visibility(cast):
    make_order(cast.sales1, cast.customer_of_assistant1)
    make_order(cast.sales1, cast.customer_of_assistant2)
    make_order(cast.sales2, cast.customer_of_sales2)
    make_order(cast.sales3, cast.customer_of_sales3)
    counts = {who: Order.objects.visible_to(getattr(cast, who)).count() for who in ROLES}
    assert counts == {
        "gm": 4, "manager1": 3, "manager2": 1, "sales1": 2, "sales2": 1, "sales3": 1,
        "assistant1": 1, "assistant2": 2, "assistant3": 1, "finance1": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    "name, args",
    [
        ("orders:list", []),
        ("orders:export", []),
        ("orders:create", []),
        ("orders:statistics", []),
        ("orders:statistics-export", []),
        ("orders:detail", [1]),
        ("orders:edit", [1]),
    ],
)
def test_anonymous_is_sent_to_login(client, db, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", ["orders:transition", "orders:acknowledge"])
def test_anonymous_post_is_sent_to_login(client, db, name):
    response = client.post(reverse(name, args=[1]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Creating -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, offered",
    [
        ("assistant1", {"sales1"}),
        ("assistant2", {"sales1", "sales2"}),
        ("sales1", None),  # files for themselves: step one is skipped
        ("manager1", {"sales1", "sales2"}),
        ("gm", {"sales1", "sales2", "sales3"}),
    ],
)
def test_create_step_one_offers_only_own_salespersons(client, cast, who, offered):
    client.force_login(getattr(cast, who))
    response = client.get(reverse("orders:create"))
    assert response.status_code == 200
    if offered is None:
        assert response.context["step"] == 2
    else:
        assert response.context["step"] == 1
        choices = response.context["salesperson_form"].fields["salesperson"].queryset
        assert {u.username for u in choices} == offered


def test_finance_cannot_file_orders(client, cast):
    client.force_login(cast.finance1)
    assert client.get(reverse("orders:create")).status_code == 404


def test_step_two_customer_picker_scoped(client, cast):
    client.force_login(cast.assistant2)
    response = client.get(reverse("orders:create"), {"salesperson": cast.sales1.pk})
    form = response.context["form"]
    assert set(form.fields["customer"].queryset) == {cast.customer_shared, cast.customer_of_assistant2}
    widget = form.fields["customer"].widget
    html = widget.render("customer", None)
    assert f"owner={cast.sales1.pk}" in html and "kind=customer" in html


def post_data(cast, salesperson, customer, product, **over):
    data = {
        "salesperson": salesperson.pk,
        "customer": customer.pk,
        "customer_po": "PO-NEW-1",
        "currency": "CNY",
        "received_on": timezone.localdate().isoformat(),
        "requested_delivery": "",
        "confirmed_delivery": "",
        "incoterm": "FOB",
        "payment_terms": "30% T/T",
        "factory": "",
        "notes": "",
        "quotation_number": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": product.pk,
        "lines-0-description": "blue",
        "lines-0-quantity": "100",
        "lines-0-unit_price": "11.25",
        "lines-1-product": "",
        "lines-1-quantity": "",
        "lines-1-unit_price": "",
    }
    data.update(over)
    return data


def test_assistant_files_an_order(client, cast):
    product = make_product(list_price=D("12.00"))
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:create"), post_data(cast, cast.sales1, cast.customer_of_assistant1, product))
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert (order.salesperson, order.maker, order.customer) == (
        cast.sales1,
        cast.assistant1,
        cast.customer_of_assistant1,
    )
    assert order.total == D("1125.00")
    assert [f["kind"] for f in order.intake_flags] == ["price"]
    line = order.lines.get()
    assert (line.quantity, line.unit_price, line.description) == (D("100"), D("11.25"), "blue")


def test_forged_salesperson_is_refused(client, cast):
    product = make_product()
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:create"), post_data(cast, cast.sales2, cast.customer_of_sales2, product))
    assert response.status_code == 404
    assert client.get(reverse("orders:create"), {"salesperson": cast.sales2.pk}).status_code == 404
    assert not Order.objects.exists()


@pytest.mark.parametrize("customer", ["customer_of_assistant2", "customer_unassigned", "customer_of_sales2"])
def test_forged_customer_is_refused(client, cast, customer):
    product = make_product()
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:create"), post_data(cast, cast.sales1, getattr(cast, customer), product))
    assert response.status_code == 200
    assert "customer" in response.context["form"].errors
    assert not Order.objects.exists() and not OrderLine.objects.exists()


def test_duplicate_po_and_missing_lines_are_form_errors(client, cast):
    product = make_product()
    first = make_order(cast.sales1, cast.customer_of_assistant1, customer_po="PO-NEW-1")
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:create"), post_data(cast, cast.sales1, cast.customer_of_assistant1, product))
    assert response.status_code == 200
    assert first.number in str(response.context["form"].errors["customer_po"])
    data = post_data(
        cast, cast.sales1, cast.customer_of_assistant1, product, **{"customer_po": "PO-2", "lines-0-product": ""}
    )
    data.update({"lines-0-quantity": "", "lines-0-unit_price": "", "lines-0-description": ""})
    response = client.post(reverse("orders:create"), data)
    assert response.status_code == 200
    assert "at least one line" in str(response.context["formset"].non_form_errors())
    data = post_data(cast, cast.sales1, cast.customer_of_assistant1, product, **{"lines-0-quantity": "0"})
    response = client.post(reverse("orders:create"), data)
    assert response.status_code == 200 and response.context["formset"].errors[0]["quantity"]
    assert "PO-NEW-1" in response.content.decode()  # typed values kept
    assert Order.objects.count() == 1


def test_quotation_number_links_the_quotation(client, cast):
    from orders.models import Quotation, QuotationLine

    product = make_product(list_price=D("12"))
    quotation = Quotation.objects.create(
        number="QT-T-9", salesperson=cast.sales1, customer=cast.customer_of_assistant1, maker=cast.sales1
    )
    QuotationLine.objects.create(quotation=quotation, product=product, quantity=D("80"), unit_price=D("11.25"))
    client.force_login(cast.sales1)
    data = post_data(cast, cast.sales1, cast.customer_of_assistant1, product, quotation_number="qt-t-9")
    client.post(reverse("orders:create"), data)
    order = Order.objects.get()
    assert order.quotation == quotation
    assert [f["kind"] for f in order.intake_flags] == ["quantity"]
    response = client.post(
        reverse("orders:create"),
        post_data(cast, cast.sales1, cast.customer_shared, product, quotation_number="QT-T-9", customer_po="P2"),
    )
    assert "another customer" in str(response.context["form"].errors["quotation_number"])


# Detail, edit, actions ------------------------------------------------------------------------


def test_detail_shows_flags_and_allowed_transitions(client, cast):
    product = make_product(list_price=D("10"))
    from orders.services.orders import order_intake_check

    order = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(product, 5, 9)])
    order_intake_check(order)
    client.force_login(cast.assistant1)
    response = client.get(order.get_absolute_url())
    html = response.content.decode()
    assert 'id="intake-flags"' in html and 'id="acknowledge-flags"' in html
    assert [t["status"] for t in response.context["transitions"]] == ["confirmed", "cancelled"]
    assert 'data-transition="confirmed"' in html and "disabled" in html
    for name in ("order", "lines", "milestones", "quality_checks", "abnormalities", "shipments", "today", "can_edit"):
        assert name in response.context, name

    client.post(reverse("orders:acknowledge", args=[order.pk]))
    order.refresh_from_db()
    assert order.flags_acknowledged_by == cast.assistant1
    response = client.post(reverse("orders:transition", args=[order.pk]), {"to_status": "confirmed"}, follow=True)
    assert "confirmed delivery" in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.RECEIVED


def test_refused_transition_message_names_statuses(client, cast, order):
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:transition", args=[order.pk]), {"to_status": "shipped"}, follow=True)
    text = response.content.decode()
    assert "Received" in text and "Shipped" in text
    order.refresh_from_db()
    assert order.status == S.RECEIVED


def test_edit_header_and_lines(client, cast, order):
    client.force_login(cast.assistant1)
    response = client.get(reverse("orders:edit", args=[order.pk]))
    assert response.status_code == 200
    line = order.lines.get()
    data = {
        "customer_po": "PO-A1-REV",
        "received_on": order.received_on.isoformat(),
        "confirmed_delivery": (timezone.localdate() + timedelta(days=40)).isoformat(),
        "incoterm": "CIF",
        "payment_terms": "",
        "notes": "",
        "factory": "",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "1",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": line.pk,
        "lines-0-product": line.product_id,
        "lines-0-quantity": "12",
        "lines-0-unit_price": "5.00",
        "lines-1-product": make_product().pk,
        "lines-1-quantity": "1",
        "lines-1-unit_price": "3",
    }
    response = client.post(reverse("orders:edit", args=[order.pk]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    order.refresh_from_db()
    assert (order.customer_po, order.incoterm, order.total, order.lines.count()) == ("PO-A1-REV", "CIF", D("63.00"), 2)
    # Delete the new line again
    data.update({"lines-INITIAL_FORMS": "2", "lines-1-id": order.lines.last().pk, "lines-1-DELETE": "on"})
    client.post(reverse("orders:edit", args=[order.pk]), data)
    order.refresh_from_db()
    assert order.lines.count() == 1 and order.total == D("60.00")


def test_edit_refused_once_in_production(client, cast):
    order = make_order(cast.sales1, cast.customer_of_assistant1, status=S.IN_PRODUCTION)
    client.force_login(cast.sales1)
    response = client.get(reverse("orders:edit", args=[order.pk]))
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()


# List -------------------------------------------------------------------------------------------


def test_list_search_and_filters(client, cast):
    today = timezone.localdate()
    cast.customer_of_assistant2.name_en = "Hamburg Lighting GmbH"
    cast.customer_of_assistant2.save()
    a = make_order(cast.sales1, cast.customer_of_assistant1, customer_po="ABC-123")
    b = make_order(
        cast.sales1, cast.customer_of_assistant2, status=S.CONFIRMED, confirmed_delivery=today - timedelta(1)
    )
    c = make_order(cast.sales2, cast.customer_of_sales2, status=S.SHIPPED, confirmed_delivery=today - timedelta(1))
    d = make_order(cast.sales1, cast.customer_of_assistant1, received_on=today.replace(day=1) - timedelta(days=40))
    client.force_login(cast.manager1)

    def numbers(**params):
        response = client.get(reverse("orders:list"), params)
        assert response.status_code == 200
        return {o.number for o in response.context["orders"]}

    assert numbers(q="abc-1") == {a.number}
    assert numbers(q=b.number) == {b.number}
    assert numbers(q="hamburg") == {b.number}
    assert numbers(q="T-S2") == {c.number}
    assert numbers(status="confirmed") == {b.number}
    assert numbers(status="open") == {a.number, b.number, d.number}
    assert numbers(salesperson=cast.sales2.pk) == {c.number}
    assert numbers(customer=cast.customer_of_assistant1.pk) == {a.number, d.number}
    assert numbers(month=f"{d.received_on:%Y-%m}") == {d.number}
    assert numbers(late="on") == {b.number}
    assert numbers(sort="-total")
    # A salesperson outside the manager's jurisdiction is not a valid filter.
    response = client.get(reverse("orders:list"), {"salesperson": cast.sales3.pk})
    assert "salesperson" in response.context["filter_form"].errors


def test_list_htmx_returns_rows_only(client, cast, order):
    client.force_login(cast.sales1)
    response = client.get(reverse("orders:list"), {"q": "PO-A1"}, HTTP_HX_REQUEST="true")
    assert [t.name for t in response.templates][0] == "orders/_order_rows.html"
    assert order.number in response.content.decode()


def test_excel_is_the_filtered_scoped_list(client, cast):
    a = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(make_product(), 3, D("2.50"))])
    make_order(cast.sales1, cast.customer_of_assistant2, status=S.CONFIRMED)
    make_order(cast.sales3, cast.customer_of_sales3)
    client.force_login(cast.assistant1)
    rows = excel_rows(client.get(reverse("orders:export"), {"status": "received"}))
    assert rows[0][0] == "Order number"
    assert len(rows) == 2
    row = rows[1]
    assert row[0] == a.number and row[3] == cast.customer_of_assistant1.name and row[9] == 7.5
    client.force_login(cast.sales1)
    assert len(excel_rows(client.get(reverse("orders:export")))) == 3
    assert len(excel_rows(client.get(reverse("orders:export"), {"status": "confirmed"}))) == 2


# Query counts ------------------------------------------------------------------------------------


def _orders(cast, n):
    product = make_product()
    for i in range(n):
        make_order(cast.sales1, cast.customer_of_assistant1 if i % 2 else cast.customer_shared, lines=[(product, 2, 3)])


def _count_queries(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["orders:list", "orders:statistics"])
def test_list_and_statistics_queries_flat(client, cast, name, django_assert_max_num_queries):
    client.force_login(cast.assistant1)
    _orders(cast, 2)
    few = _count_queries(client, reverse(name), django_assert_max_num_queries)
    _orders(cast, 30)
    many = _count_queries(client, reverse(name), django_assert_max_num_queries)
    assert many == few
    with django_assert_max_num_queries(12):
        client.get(reverse(name))


def test_detail_queries_flat(client, cast, django_assert_max_num_queries):
    client.force_login(cast.sales1)
    small = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(make_product(), 1, 1)])
    big = make_order(cast.sales1, cast.customer_of_assistant1, lines=[(make_product(), i + 1, 1) for i in range(25)])
    few = _count_queries(client, small.get_absolute_url(), django_assert_max_num_queries)
    many = _count_queries(client, big.get_absolute_url(), django_assert_max_num_queries)
    assert many == few


@pytest.mark.django_db
def test_a_blank_unit_price_takes_the_list_price():
    from decimal import Decimal

    from orders.forms.orders import OrderLineForm
    from tests.orders.factories import make_product

    product = make_product(list_price=Decimal("12.30"))
    form = OrderLineForm(data={"product": product.pk, "quantity": "5", "unit_price": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit_price"] == Decimal("12.30")
