"""Shipments with double review (双人复核): scope on every URL, the four-eyes rule, quantities, queue."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.home import MAX_ITEMS
from orders.models import Order, OrderEvent, OrderLine, Shipment, ShipmentLine
from orders.queues_shipments import shipments_to_check_for
from orders.services.shipments import shipment_cancel, shipment_check, shipment_prepare
from tests.orders.factories import make_order, make_product

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
D = Decimal


@pytest.fixture
def order(cast):
    """A ready order of sales1 for customer_of_assistant1: 10 pcs and 4 pcs."""
    return make_order(
        cast.sales1,
        cast.customer_of_assistant1,
        lines=[(make_product(), 10, "5.00"), (make_product(), 4, "20.00")],
        status=Order.Status.READY,
    )


def lines_of(order) -> list[OrderLine]:
    return list(OrderLine.objects.filter(order=order).order_by("pk"))


def prepare(order, actor, *quantities, **kw) -> Shipment:
    lines = lines_of(order)
    return shipment_prepare(
        order=order,
        actor=actor,
        shipped_on=kw.pop("shipped_on", timezone.localdate()),
        carrier=kw.pop("carrier", "COSCO"),
        quantities={line.pk: D(str(q)) for line, q in zip(lines, quantities, strict=False)},
        **kw,
    )


def form_data(order, *quantities, **kw) -> dict:
    data = {
        "shipped_on": timezone.localdate().isoformat(),
        "carrier": "SF Express",
        "tracking_number": "SF1234567890",
        "customs_declaration": "",
        "lc_reference": "",
        "note": "",
    }
    data.update(kw)
    for line, q in zip(lines_of(order), quantities, strict=False):
        data[f"qty_{line.pk}"] = str(q)
    return data


def shipped(order) -> list[Decimal]:
    return [line.shipped_quantity for line in lines_of(order)]


# --- scope: every URL, every role -----------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_shipment_pages_answer_404_outside_scope(client, cast, order, who):
    shipment = prepare(order, cast.sales1, 2, 0)
    client.force_login(getattr(cast, who))
    expected = 200 if who in SEES_A1 else 404
    assert client.get(reverse("orders:shipment-create", args=[order.pk])).status_code == expected
    assert client.get(shipment.get_absolute_url()).status_code == expected
    listing = client.get(reverse("orders:shipment-list"))
    assert listing.status_code == 200
    assert (shipment.number in listing.content.decode()) == (who in SEES_A1)


@pytest.mark.parametrize("who", sorted(set(ROLES) - SEES_A1))
def test_shipment_posts_answer_404_outside_scope_and_change_nothing(client, cast, order, who):
    shipment = prepare(order, cast.sales1, 2, 0)
    client.force_login(getattr(cast, who))
    check = reverse("orders:shipment-check", args=[shipment.pk])
    assert client.post(check, {"action": "check"}).status_code == 404
    assert client.post(check, {"action": "cancel"}).status_code == 404
    create = reverse("orders:shipment-create", args=[order.pk])
    assert client.post(create, form_data(order, 1, 1)).status_code == 404
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PREPARED and shipment.checked_by is None
    assert Shipment.objects.count() == 1
    assert shipped(order) == [0, 0]


def test_anonymous_is_sent_to_login(client, cast, order):
    shipment = prepare(order, cast.sales1, 1, 0)
    for method, url in [
        ("get", reverse("orders:shipment-list")),
        ("get", reverse("orders:shipment-create", args=[order.pk])),
        ("post", reverse("orders:shipment-create", args=[order.pk])),
        ("get", shipment.get_absolute_url()),
        ("post", reverse("orders:shipment-check", args=[shipment.pk])),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_check_url_is_post_only(client, cast, order):
    shipment = prepare(order, cast.sales1, 1, 0)
    client.force_login(cast.manager1)
    assert client.get(reverse("orders:shipment-check", args=[shipment.pk])).status_code == 405


def test_finance_cannot_prepare_even_through_the_service(cast, order):
    with pytest.raises(ValidationError):
        prepare(order, cast.finance1, 1, 0)
    assert not Shipment.objects.exists()


# --- prepare --------------------------------------------------------------------------------------


def test_prepare_form_defaults_to_the_open_quantities(client, cast, order):
    prepare(order, cast.sales1, 3, 0)  # 3 of the first line are awaiting their check
    client.force_login(cast.assistant1)
    response = client.get(reverse("orders:shipment-create", args=[order.pk]))
    form = response.context["form"]
    first, second = lines_of(order)
    assert form[f"qty_{first.pk}"].value() == "7"
    assert form[f"qty_{second.pk}"].value() == "4"
    assert form["shipped_on"].value() == timezone.localdate()


def test_assistant_prepares_a_shipment(client, cast, order):
    client.force_login(cast.assistant1)
    response = client.post(
        reverse("orders:shipment-create", args=[order.pk]),
        form_data(order, 6, "0", customs_declaration="223320260001", lc_reference="LC-88", note="Pallets x3"),
    )
    shipment = Shipment.objects.get()
    assert response.status_code == 302 and response["Location"] == shipment.get_absolute_url()
    assert shipment.number.startswith(f"SH-{timezone.localdate().year}-")
    assert shipment.status == Shipment.Status.PREPARED and shipment.prepared_by == cast.assistant1
    assert (shipment.carrier, shipment.tracking_number, shipment.customs_declaration, shipment.lc_reference) == (
        "SF Express",
        "SF1234567890",
        "223320260001",
        "LC-88",
    )
    assert [(line.order_line_id, line.quantity) for line in shipment.lines.all()] == [(lines_of(order)[0].pk, D(6))]
    # Nothing counts as shipped before the check.
    assert shipped(order) == [0, 0]
    order.refresh_from_db()
    assert order.status == Order.Status.READY
    assert shipment.history.first().history_user == cast.assistant1


@pytest.mark.parametrize("status", [Order.Status.IN_PRODUCTION, Order.Status.READY, Order.Status.PARTLY_SHIPPED])
def test_prepare_allowed_statuses(cast, status):
    order = make_order(cast.sales1, cast.customer_of_assistant1, status=status)
    assert prepare(order, cast.sales1, 1).status == Shipment.Status.PREPARED


@pytest.mark.parametrize(
    "status", [Order.Status.RECEIVED, Order.Status.CONFIRMED, Order.Status.SHIPPED, Order.Status.CANCELLED]
)
def test_prepare_refused_for_other_statuses(client, cast, status):
    order = make_order(cast.sales1, cast.customer_of_assistant1, status=status)
    with pytest.raises(ValidationError, match="in production, ready or partly shipped"):
        prepare(order, cast.sales1, 1)
    client.force_login(cast.sales1)
    url = reverse("orders:shipment-create", args=[order.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert client.post(url, form_data(order, 1)).status_code == 302
    assert not Shipment.objects.exists()


def test_over_shipping_is_refused_next_to_the_row(client, cast, order):
    client.force_login(cast.assistant1)
    first, second = lines_of(order)
    response = client.post(reverse("orders:shipment-create", args=[order.pk]), form_data(order, 11, 4))
    assert response.status_code == 200
    form = response.context["form"]
    assert "Only 10 pieces of this line are still open to ship." in form.errors[f"qty_{first.pk}"]
    assert f"qty_{second.pk}" not in form.errors
    html = response.content.decode()
    assert f'id="id_qty_{first.pk}-error"' in html and 'value="11"' in html  # typed value kept
    assert not Shipment.objects.exists()


def test_quantities_awaiting_check_are_not_open_again(client, cast, order):
    prepare(order, cast.sales1, 6, 0)
    client.force_login(cast.assistant1)
    first, _second = lines_of(order)
    response = client.post(reverse("orders:shipment-create", args=[order.pk]), form_data(order, 5, 0))
    assert response.status_code == 200
    assert "Only 4 pieces" in response.context["form"].errors[f"qty_{first.pk}"][0]
    assert Shipment.objects.count() == 1
    # The service refuses it too (a forged or stale form).
    with pytest.raises(ValidationError) as error:
        prepare(order, cast.assistant1, 5, 0)
    assert f"qty_{first.pk}" in error.value.error_dict


def test_a_shipment_needs_one_line_above_zero(client, cast, order):
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:shipment-create", args=[order.pk]), form_data(order, 0, 0))
    assert response.status_code == 200
    assert "Enter a quantity to ship on at least one line." in response.context["form"].non_field_errors()
    with pytest.raises(ValidationError, match="at least one line"):
        prepare(order, cast.sales1, 0, 0)
    assert not Shipment.objects.exists()


def test_bad_input_keeps_what_was_typed(client, cast, order):
    client.force_login(cast.sales1)
    response = client.post(
        reverse("orders:shipment-create", args=[order.pk]),
        form_data(order, -1, "abc", carrier="", tracking_number="BL-77"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    first, second = lines_of(order)
    assert "carrier" in errors and f"qty_{first.pk}" in errors and f"qty_{second.pk}" in errors
    assert 'value="BL-77"' in response.content.decode()
    assert not Shipment.objects.exists()


def test_a_line_of_another_order_is_refused(cast, order):
    other = make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.READY)
    foreign = lines_of(other)[0]
    with pytest.raises(ValidationError, match="does not belong"):
        shipment_prepare(
            order=order, actor=cast.sales1, shipped_on=timezone.localdate(), carrier="X", quantities={foreign.pk: D(1)}
        )
    assert not Shipment.objects.exists()


# --- check: the double review ----------------------------------------------------------------------


def test_preparer_cannot_check(client, cast, order):
    shipment = prepare(order, cast.assistant1, 10, 4)
    client.force_login(cast.assistant1)
    detail = client.get(shipment.get_absolute_url())
    assert detail.context["can_check"] is False and detail.context["can_cancel"] is True
    assert "Check and confirm" not in detail.content.decode()
    assert "you cannot check it" in detail.content.decode()

    response = client.post(reverse("orders:shipment-check", args=[shipment.pk]), {"action": "check"}, follow=True)
    assert "a colleague must check it (double review)" in response.content.decode()
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PREPARED and shipment.checked_by is None
    assert shipped(order) == [0, 0]
    order.refresh_from_db()
    assert order.status == Order.Status.READY


def test_the_database_refuses_the_preparer_as_checker(cast, order):
    shipment = prepare(order, cast.assistant1, 1, 0)
    shipment.checked_by = cast.assistant1
    with pytest.raises(IntegrityError), transaction.atomic():
        shipment.save()


def test_a_colleague_checks_partly_then_fully_shipped(client, cast, order):
    first = prepare(order, cast.assistant1, 6, 4)
    client.force_login(cast.sales1)
    detail = client.get(first.get_absolute_url())
    assert detail.context["can_check"] is True and detail.context["can_cancel"] is False
    assert "Check and confirm" in detail.content.decode()
    response = client.post(
        reverse("orders:shipment-check", args=[first.pk]), {"action": "check", "comment": "Counted the cartons"}
    )
    assert response.status_code == 302 and response["Location"] == first.get_absolute_url()
    first.refresh_from_db()
    assert first.status == Shipment.Status.CHECKED and first.checked_by == cast.sales1 and first.checked_at
    assert shipped(order) == [6, 4]
    order.refresh_from_db()
    assert order.status == Order.Status.PARTLY_SHIPPED
    event = OrderEvent.objects.filter(order=order).latest("pk")
    assert event.to_status == Order.Status.PARTLY_SHIPPED and event.actor == cast.sales1
    assert event.comment == f"{first.number} checked: Counted the cartons"

    second = prepare(order, cast.manager1, 4, 0)
    client.force_login(cast.assistant1)
    client.post(reverse("orders:shipment-check", args=[second.pk]), {"action": "check"})
    second.refresh_from_db()
    assert second.status == Shipment.Status.CHECKED and second.checked_by == cast.assistant1
    assert shipped(order) == [10, 4]
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert OrderEvent.objects.filter(order=order).latest("pk").comment == f"{second.number} checked"

    # The detail shows the trail and what was shipped before this shipment.
    client.force_login(cast.gm)
    page = client.get(second.get_absolute_url())
    (line,) = page.context["lines"]
    assert (line.previously_shipped, line.quantity, line.open_after) == (6, 4, 0)
    kinds = [entry["kind"] for entry in page.context["timeline"]]
    assert kinds == ["prepared", "checked"]
    html = page.content.decode()
    assert "Manager One" in html or str(cast.manager1) in html
    assert str(cast.assistant1) in html
    first_page = client.get(first.get_absolute_url())
    assert first_page.context["timeline"][-1]["comment"] == "Counted the cartons"


def test_checking_twice_is_refused(cast, order):
    shipment = prepare(order, cast.assistant1, 2, 0)
    shipment_check(shipment=shipment, actor=cast.sales1)
    with pytest.raises(ValidationError, match="already been checked"):
        shipment_check(shipment=shipment, actor=cast.manager1)
    assert shipped(order) == [2, 0]


def test_second_check_refused_when_together_they_exceed_the_order(client, cast, order):
    first_line = lines_of(order)[0]
    # Two shipments that were prepared side by side (say, before a line was reduced): 7 + 7 of 10.
    a = prepare(order, cast.assistant1, 7, 0)
    b = Shipment.objects.create(
        order=order, number="SH-TEST-2", shipped_on=timezone.localdate(), carrier="Maersk", prepared_by=cast.assistant1
    )
    ShipmentLine.objects.create(shipment=b, order_line=first_line, quantity=D(7))
    shipment_check(shipment=a, actor=cast.sales1)
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:shipment-check", args=[b.pk]), {"action": "check"}, follow=True)
    assert "would ship more than was ordered" in response.content.decode()
    b.refresh_from_db()
    assert b.status == Shipment.Status.PREPARED and b.checked_by is None
    assert shipped(order) == [7, 0]
    order.refresh_from_db()
    assert order.status == Order.Status.PARTLY_SHIPPED


def test_check_refused_once_the_order_is_cancelled(cast, order):
    shipment = prepare(order, cast.assistant1, 2, 0)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    with pytest.raises(ValidationError, match="can no longer be checked"):
        shipment_check(shipment=shipment, actor=cast.sales1)
    assert shipped(order) == [0, 0]


def test_a_checker_must_see_the_order(cast, order):
    shipment = prepare(order, cast.assistant1, 2, 0)
    for outsider in (cast.assistant2, cast.sales3, cast.finance1):
        with pytest.raises(ValidationError):
            shipment_check(shipment=shipment, actor=outsider)
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PREPARED


# --- cancel ----------------------------------------------------------------------------------------


def test_preparer_cancels_before_the_check(client, cast, order):
    shipment = prepare(order, cast.assistant1, 2, 0)
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:shipment-check", args=[shipment.pk]), {"action": "cancel"})
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert not Shipment.objects.filter(pk=shipment.pk).exists()
    assert shipped(order) == [0, 0]
    deleted = Shipment.history.filter(id=shipment.pk, history_type="-").get()
    assert deleted.history_user == cast.assistant1


def test_only_the_preparer_may_cancel(client, cast, order):
    shipment = prepare(order, cast.assistant1, 2, 0)
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:shipment-check", args=[shipment.pk]), {"action": "cancel"}, follow=True)
    assert "Only" in response.content.decode() and "can cancel it" in response.content.decode()
    assert Shipment.objects.filter(pk=shipment.pk, status=Shipment.Status.PREPARED).exists()


def test_a_checked_shipment_cannot_be_cancelled(client, cast, order):
    shipment = prepare(order, cast.assistant1, 2, 0)
    shipment_check(shipment=shipment, actor=cast.sales1)
    with pytest.raises(ValidationError, match="can no longer be cancelled"):
        shipment_cancel(shipment=shipment, actor=cast.assistant1)
    client.force_login(cast.assistant1)
    client.post(reverse("orders:shipment-check", args=[shipment.pk]), {"action": "cancel"})
    assert Shipment.objects.filter(pk=shipment.pk, status=Shipment.Status.CHECKED).exists()
    assert shipped(order) == [2, 0]


def test_unknown_action_changes_nothing(client, cast, order):
    shipment = prepare(order, cast.assistant1, 2, 0)
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:shipment-check", args=[shipment.pk]), {"action": "ship-it"})
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.PREPARED


# --- list ------------------------------------------------------------------------------------------


def test_list_filters_search_and_sort(client, cast, order):
    a = prepare(order, cast.assistant1, 2, 0, carrier="COSCO", tracking_number="BL-COSCO-1")
    b = prepare(order, cast.assistant1, 1, 0, carrier="SF Express", tracking_number="SF-999")
    shipment_check(shipment=a, actor=cast.sales1)
    client.force_login(cast.sales1)
    url = reverse("orders:shipment-list")

    def numbers(**params):
        return [s.number for s in client.get(url, params).context["shipments"]]

    assert set(numbers()) == {a.number, b.number}
    assert numbers(status="prepared") == [b.number]
    assert numbers(status="checked") == [a.number]
    assert numbers(carrier="sf ") == [b.number]
    assert numbers(q="BL-COSCO") == [a.number]
    assert set(numbers(q=order.number)) == {a.number, b.number}
    assert set(numbers(q="T-A1")) == {a.number, b.number}
    assert numbers(q=b.number) == [b.number]
    assert set(numbers(month=f"{timezone.localdate():%Y-%m}")) == {a.number, b.number}
    assert numbers(month="2001-01") == []
    assert numbers(sort="number") == [a.number, b.number]
    assert numbers(sort="-number") == [b.number, a.number]
    assert numbers(sort="status") == [b.number, a.number]
    response = client.get(url, {"status": "prepared", "month": "2001-01"})
    assert [label for label, _v in response.context["active_filters"]] == ["Status", "Month"]
    assert "No shipment matches these filters." in response.content.decode()


def test_list_answers_htmx_with_rows_only(client, cast, order):
    prepare(order, cast.assistant1, 2, 0)
    client.force_login(cast.sales1)
    response = client.get(reverse("orders:shipment-list"), {"q": "SH"}, headers={"HX-Request": "true"})
    assert [t.name for t in response.templates][0] == "orders/_shipment_rows.html"
    assert "<html" not in response.content.decode()


def test_list_is_empty_with_a_hint(client, cast):
    client.force_login(cast.assistant1)
    assert "No shipments yet" in client.get(reverse("orders:shipment-list")).content.decode()


def test_list_queries_do_not_grow(client, cast, django_assert_max_num_queries):
    client.force_login(cast.manager1)
    url = reverse("orders:shipment-list")

    def make(count):
        for _ in range(count):
            o = make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.READY)
            prepare(o, cast.assistant1, 1)

    make(2)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["shipments"]) == 22


def test_list_excel_has_the_filtered_rows(client, cast, order):
    a = prepare(order, cast.assistant1, 2, 0, carrier="COSCO", tracking_number="BL-1")
    prepare(order, cast.assistant1, 1, 0, carrier="SF")
    shipment_check(shipment=a, actor=cast.sales1)
    other = make_order(cast.sales3, cast.customer_of_sales3, status=Order.Status.READY)
    prepare(other, cast.assistant3, 1)
    client.force_login(cast.sales1)
    response = client.get(reverse("orders:shipment-list"), {"status": "checked", "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).worksheets[0]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ("Shipment", "Ship date", "Order")
    assert len(rows) == 2
    assert rows[1][0] == a.number and rows[1][2] == order.number and rows[1][6] == "COSCO"
    assert rows[1][10] == "Checked" and rows[1][11] == str(cast.assistant1) and rows[1][13] == str(cast.sales1)


def test_detail_queries_do_not_grow_with_lines(client, cast, django_assert_max_num_queries):
    client.force_login(cast.sales1)

    def detail(count):
        o = make_order(
            cast.sales1,
            cast.customer_of_assistant1,
            lines=[(make_product(), 5, "1.00") for _ in range(count)],
            status=Order.Status.READY,
        )
        s = prepare(o, cast.assistant1, *([1] * count))
        return s.get_absolute_url()

    small, big = detail(1), detail(15)
    with django_assert_max_num_queries(30) as few:
        client.get(small)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(big)


# --- home queue ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_queue_shows_shipments_others_prepared(cast, order, who, django_assert_max_num_queries):
    shipment = prepare(order, cast.assistant1, 2, 0)
    user = getattr(cast, who)
    with django_assert_max_num_queries(2):
        items = shipments_to_check_for(user, timezone.localdate())
    expected = who in SEES_A1 and who != "assistant1"
    assert [item.url for item in items] == ([shipment.get_absolute_url()] if expected else [])
    if expected:
        assert shipment.number in items[0].label and str(cast.assistant1) in items[0].detail


def test_queue_drops_checked_shipments(cast, order):
    shipment = prepare(order, cast.assistant1, 2, 0)
    shipment_check(shipment=shipment, actor=cast.sales1)
    assert shipments_to_check_for(cast.manager1, timezone.localdate()) == []


def test_queue_is_two_queries_however_many(cast, django_assert_max_num_queries):
    for _ in range(MAX_ITEMS + 3):
        o = make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.READY)
        prepare(o, cast.assistant1, 1)
    with django_assert_max_num_queries(2):
        items = shipments_to_check_for(cast.sales1, timezone.localdate())
    assert len(items) == MAX_ITEMS + 1
    assert items[-1].label == f"All {MAX_ITEMS + 3} shipments awaiting check"
    assert items[-1].url == reverse("orders:shipment-list") + "?status=prepared"


def test_queue_is_on_the_home_page(client, cast, order):
    prepare(order, cast.assistant1, 2, 0)
    client.force_login(cast.sales1)
    html = client.get(reverse("home")).content.decode()
    assert 'id="queue-shipments_to_check"' in html
    client.force_login(cast.assistant1)
    assert 'id="queue-shipments_to_check"' in client.get(reverse("home")).content.decode()


def test_queue_badge_counts_every_row_due_not_the_items_listed(client, cast, monkeypatch):
    """The card's header badge says how many are due (13, or "99+"-style past the cap), not
    how many lines the card lists (10 and the "All N" link)."""
    import re

    from core import home

    for _ in range(MAX_ITEMS + 3):
        o = make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.READY)
        prepare(o, cast.assistant1, 1)
    client.force_login(cast.sales1)

    def badge() -> str:
        html = client.get(reverse("home")).content.decode()
        card = html[html.index('id="queue-shipments_to_check"') :]
        return re.search(r'class="badge rounded-pill[^"]*">([^<]+)</span>', card).group(1)

    assert badge() == str(MAX_ITEMS + 3)
    monkeypatch.setattr(home, "COUNT_CAP", MAX_ITEMS + 1)
    assert badge() == f"{MAX_ITEMS + 1}+"


# --- the order page's panel -----------------------------------------------------------------------


def test_panel_lists_shipments_and_offers_prepare(rf, cast, order):
    shipment = prepare(order, cast.assistant1, 2, 0, tracking_number="BL-PANEL")
    request = rf.get("/")
    request.user = cast.sales1
    shipments = order.shipments.select_related("prepared_by", "checked_by").prefetch_related(
        "lines__order_line__product"
    )
    context = {
        "order": order,
        "lines": lines_of(order),
        "shipments": shipments,
        "today": timezone.localdate(),
        "can_edit": False,
        "user": cast.sales1,
    }
    html = render_to_string("orders/_panel_shipments.html", context, request=request)
    assert shipment.number in html and "BL-PANEL" in html and "Awaiting check" in html
    assert f"{lines_of(order)[0].product.sku} × 2" in html
    assert reverse("orders:shipment-create", args=[order.pk]) in html
    order.status = Order.Status.SHIPPED
    html = render_to_string("orders/_panel_shipments.html", {**context, "order": order}, request=request)
    assert reverse("orders:shipment-create", args=[order.pk]) not in html
    order.status = Order.Status.READY
    request.user = cast.finance1
    html = render_to_string("orders/_panel_shipments.html", {**context, "user": cast.finance1}, request=request)
    assert reverse("orders:shipment-create", args=[order.pk]) not in html


def test_queue_count_stops_at_the_cap(cast, monkeypatch):
    """The "All N" link counts at most COUNT_CAP rows (25,000 overdue instalments took 0.25 s to
    count); past it the label says "99+"-style, exact below it."""
    from core import home

    for _ in range(MAX_ITEMS + 3):
        o = make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.READY)
        prepare(o, cast.assistant1, 1)
    monkeypatch.setattr(home, "COUNT_CAP", MAX_ITEMS + 1)
    items = shipments_to_check_for(cast.sales1, timezone.localdate())
    assert len(items) == MAX_ITEMS + 1
    assert items[-1].label == f"All {MAX_ITEMS + 1}+ shipments awaiting check"
    monkeypatch.setattr(home, "COUNT_CAP", MAX_ITEMS + 3)
    assert shipments_to_check_for(cast.sales1, timezone.localdate())[-1].label == (
        f"All {MAX_ITEMS + 3} shipments awaiting check"
    )
