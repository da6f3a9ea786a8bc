"""Abnormal orders (异常订单): record and edit, the list, the monthly statistics and their workbook."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orders.models import AbnormalOrder, Order
from orders.services.production import abnormal_create, abnormal_statistics, abnormal_update
from tests.orders.factories import make_order

ROLES = ["sales1", "assistant1", "assistant2", "manager1", "manager2", "gm", "sales3", "assistant3", "finance1"]
SEES_A1 = {"sales1", "assistant1", "manager1", "gm"}
SEES_S3 = {"sales3", "assistant3", "manager2", "gm"}
COMPANIES = ["customer_of_assistant1", "customer_shared", "customer_of_assistant2", "customer_unassigned",
             "customer_of_sales2", "customer_of_sales3"]  # fmt: skip
EXPECTED = {
    "sales1": {"customer_of_assistant1", "customer_shared", "customer_of_assistant2", "customer_unassigned"},
    "assistant1": {"customer_of_assistant1", "customer_shared"},
    "assistant2": {"customer_shared", "customer_of_assistant2", "customer_of_sales2"},
    "manager1": {"customer_of_assistant1", "customer_shared", "customer_of_assistant2", "customer_unassigned",
                 "customer_of_sales2"},
    "manager2": {"customer_of_sales3"},
    "gm": set(COMPANIES),
    "sales3": {"customer_of_sales3"},
    "assistant3": {"customer_of_sales3"},
    "finance1": set(),
}  # fmt: skip


def order_of(cast, name="customer_of_assistant1", **kw) -> Order:
    customer = getattr(cast, name)
    return make_order(customer.owner, customer, status=kw.pop("status", Order.Status.IN_PRODUCTION), **kw)


def abnormal(order, reported_on=None, kind="quality", cost="0", currency=None, resolved_on=None, cause="色差"):
    return AbnormalOrder.objects.create(
        order=order,
        kind=kind,
        reported_on=reported_on or timezone.localdate(),
        reported_by=order.salesperson,
        cause=cause,
        cost=Decimal(cost),
        currency=currency or order.currency,
        resolved_on=resolved_on,
    )


def post_data(**kw) -> dict[str, str]:
    data = {
        "kind": "delivery_delay",
        "reported_on": timezone.localdate().isoformat(),
        "cause": "面料晚到一周 / fabric a week late",
        "action": "Air freight at our cost",
        "cost": "1234.56",
        "currency": "USD",
        "resolved_on": "",
    }
    data.update(kw)
    return data


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)


def rows(sheet) -> list[tuple]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


# Scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_abnormal_edit_is_404_outside_scope(client, cast, who):
    mine, theirs = abnormal(order_of(cast)), abnormal(order_of(cast, "customer_of_sales3"))
    client.force_login(getattr(cast, who))
    for record, seers in [(mine, SEES_A1), (theirs, SEES_S3)]:
        response = client.get(reverse("orders:abnormal-edit", args=[record.pk]))
        assert response.status_code == (200 if who in seers else 404)


@pytest.mark.parametrize("who", ROLES)
def test_pages_without_an_object_answer_every_role(client, cast, who):
    client.force_login(getattr(cast, who))
    for name in ["orders:abnormal-list", "orders:abnormal-statistics", "orders:abnormal-statistics-export"]:
        assert client.get(reverse(name)).status_code == 200, name


def test_anonymous_is_sent_to_login(client, cast):
    record = abnormal(order_of(cast))
    urls = [reverse("orders:abnormal-edit", args=[record.pk])] + [
        reverse(n) for n in ["orders:abnormal-list", "orders:abnormal-statistics", "orders:abnormal-statistics-export"]
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_forged_edit_outside_scope_is_404_and_changes_nothing(client, cast):
    record = abnormal(order_of(cast, "customer_of_sales3"))
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:abnormal-edit", args=[record.pk]), post_data(cause="hacked"))
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.cause == "色差"
    with pytest.raises(ValidationError):
        abnormal_update(abnormal=record, actor=cast.assistant1, **_service_kwargs(cause="hacked"))
    with pytest.raises(ValidationError):
        abnormal_create(order=record.order, actor=cast.assistant1, **_service_kwargs())
    record.refresh_from_db()
    assert record.cause == "色差" and AbnormalOrder.objects.count() == 1


def _service_kwargs(**kw):
    data = {
        "kind": "quality",
        "reported_on": timezone.localdate(),
        "cause": "x",
        "action": "",
        "cost": Decimal("1.00"),
        "currency": "CNY",
        "resolved_on": None,
    }
    data.update(kw)
    return data


# Record and edit ------------------------------------------------------------------------------


def test_record_form_defaults_to_today_and_the_order_currency(client, cast):
    order = order_of(cast, currency="EUR")
    client.force_login(cast.assistant1)
    response = client.get(reverse("orders:abnormal-create", args=[order.pk]))
    form = response.context["form"]
    assert form.initial["reported_on"] == timezone.localdate() and form.initial["currency"] == "EUR"


def test_assistant_records_and_resolves_an_abnormal_order(client, cast):
    order = order_of(cast)
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:abnormal-create", args=[order.pk]), post_data())
    assert response.status_code == 302 and response["Location"].endswith(f"/orders/{order.pk}/#production")
    record = AbnormalOrder.objects.get()
    assert record.kind == "delivery_delay" and record.cost == Decimal("1234.56") and record.currency == "USD"
    assert record.reported_by == cast.assistant1 and record.resolved_on is None

    today = timezone.localdate().isoformat()
    response = client.post(reverse("orders:abnormal-edit", args=[record.pk]), post_data(resolved_on=today, next="list"))
    assert response.status_code == 302 and response["Location"] == reverse("orders:abnormal-list")
    record.refresh_from_db()
    assert record.resolved_on == timezone.localdate()
    assert record.history.count() == 2


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"cause": ""}, "cause", "This field is required."),
        ({"kind": ""}, "kind", "This field is required."),
        ({"cost": "-1"}, "cost", "greater than or equal to 0"),
        ({"reported_on": "2026-04-02"}, "reported_on", "The report date cannot be in the future."),
        ({"reported_on": "2999-01-01"}, "reported_on", "Enter a date between 2000-01-01 and 2100-12-31."),
        ({"reported_on": "2026-03-10", "resolved_on": "2026-03-01"}, "resolved_on", "cannot be resolved before"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(client, cast, changes, field, message):
    order = order_of(cast)
    client.force_login(cast.sales1)
    with time_machine.travel(date(2026, 4, 1)):
        response = client.post(reverse("orders:abnormal-create", args=[order.pk]), post_data(**changes))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert not AbnormalOrder.objects.exists()
    assert "面料晚到一周" in response.content.decode() or field == "cause"  # what was typed is kept


# The list -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_list_shows_exactly_the_scoped_abnormal_orders(client, cast, who):
    by_company = {name: abnormal(order_of(cast, name)).pk for name in COMPANIES}
    client.force_login(getattr(cast, who))
    response = client.get(reverse("orders:abnormal-list"))
    assert {a.pk for a in response.context["abnormalities"]} == {by_company[n] for n in EXPECTED[who]}
    if not EXPECTED[who]:
        assert "No abnormal orders yet" in response.content.decode()


def test_list_filters_search_and_sort(client, cast):
    t = timezone.localdate()
    first = t.replace(day=1)
    a1 = abnormal(order_of(cast, customer_po="PO-RED-7"), kind="quality", reported_on=first, cost="10")
    a2 = abnormal(order_of(cast, "customer_shared"), kind="quantity", reported_on=first, resolved_on=first, cost="99")
    a3 = abnormal(order_of(cast, "customer_of_sales2"), kind="quality", reported_on=first - timedelta(days=40))
    client.force_login(cast.manager1)
    url = reverse("orders:abnormal-list")

    def listed(**params):
        return [a.pk for a in client.get(url, params).context["abnormalities"]]

    assert set(listed(kind="quality")) == {a1.pk, a3.pk}
    assert set(listed(status="open")) == {a1.pk, a3.pk}
    assert listed(status="resolved") == [a2.pk]
    assert set(listed(month=f"{first:%Y-%m}")) == {a1.pk, a2.pk}
    assert listed(salesperson=cast.sales2.pk) == [a3.pk]
    assert listed(q="PO-RED") == [a1.pk]
    assert listed(q="T-SH") == [a2.pk]
    assert listed(q=a3.order.number) == [a3.pk]
    assert listed(sort="reported")[0] == a3.pk
    assert listed(sort="-cost")[0] == a2.pk
    response = client.get(url, {"kind": "quality"}, headers={"HX-Request": "true"})
    assert response.templates[0].name == "orders/_abnormal_rows.html"
    assert "Kind: Quality" in response.content.decode()
    # a salesperson filter outside the user's scope is ignored, never a leak
    client.force_login(cast.assistant1)
    assert client.get(url, {"salesperson": cast.sales3.pk}).status_code == 200


def test_list_paginates_and_queries_stay_flat(client, cast, django_assert_max_num_queries):
    order = order_of(cast)
    abnormal(order)
    client.force_login(cast.manager1)
    url = reverse("orders:abnormal-list")
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for name in COMPANIES[:5]:
        o = order_of(cast, name)
        for _n in range(12):
            abnormal(o)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["abnormalities"]) == 50 and response.context["paginator"].count == 61


# Monthly statistics ---------------------------------------------------------------------------


@pytest.fixture
def data_set(cast):
    """March 2026 and the 12 months before it, for manager1's team and one order outside it."""
    o1 = order_of(cast, "customer_of_assistant1", currency="USD")
    o2 = order_of(cast, "customer_of_sales2", currency="CNY")
    o3 = order_of(cast, "customer_of_sales3", currency="CNY")  # manager2's: never in manager1's figures
    abnormal(o1, date(2026, 3, 2), "quality", "100.10", resolved_on=date(2026, 3, 9))
    abnormal(o1, date(2026, 3, 20), "quality", "50.05")
    abnormal(o1, date(2026, 3, 21), "delivery_delay", "200.00", currency="CNY")
    abnormal(o2, date(2026, 3, 31), "quantity", "0")
    abnormal(o2, date(2025, 12, 15), "quality", "300.00")
    abnormal(o2, date(2025, 3, 1), "other", "7.00")  # the first day of the window
    abnormal(o2, date(2025, 2, 28), "quality", "999.00")  # before the window
    abnormal(o2, date(2026, 4, 1), "quality", "999.00")  # after the month
    abnormal(o3, date(2026, 3, 5), "quality", "888.00")
    return o1, o2, o3


def test_statistics_numbers_on_a_known_data_set(cast, data_set, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        stats = abnormal_statistics(cast.manager1, date(2026, 3, 1))
    assert stats.months[0] == date(2025, 3, 1) and stats.months[-1] == date(2026, 3, 1) and len(stats.months) == 13
    s = stats.summary
    assert (s["month"], s["window"], s["open_month"], s["open_window"]) == (4, 6, 3, 5)
    assert s["cost_month"] == {"CNY": Decimal("200.00"), "USD": Decimal("150.15")}
    assert s["cost_window"] == {"CNY": Decimal("507.00"), "USD": Decimal("150.15")}
    kinds = {r["key"]: r for r in stats.by_kind}
    assert (kinds["quality"]["month"], kinds["quality"]["window"]) == (2, 3)
    assert kinds["quality"]["cost_month"] == {"USD": Decimal("150.15")}
    assert kinds["quality"]["cost_window"] == {"CNY": Decimal("300.00"), "USD": Decimal("150.15")}
    assert (kinds["delivery_delay"]["month"], kinds["quantity"]["month"], kinds["other"]["window"]) == (1, 1, 1)
    customers = {r["code"]: r for r in stats.by_customer}
    assert set(customers) == {"T-A1", "T-S2"}
    assert (customers["T-A1"]["month"], customers["T-A1"]["window"]) == (3, 3)
    assert customers["T-A1"]["cost_window"] == {"CNY": Decimal("200.00"), "USD": Decimal("150.15")}
    assert (customers["T-S2"]["month"], customers["T-S2"]["window"]) == (1, 3)
    people = {r["salesperson_id"]: r for r in stats.by_salesperson}
    assert (people[cast.sales1.pk]["month"], people[cast.sales2.pk]["window"]) == (3, 3)
    months = {r["month"]: r for r in stats.by_month}
    assert months[date(2026, 3, 1)]["total"] == 4 and months[date(2025, 12, 1)]["total"] == 1
    assert months[date(2025, 3, 1)]["cost"] == {"CNY": Decimal("7.00")}
    assert sum(r["total"] for r in stats.by_month) == 6
    assert stats.chart["labels"][-1] == "2026-03" and sum(stats.chart["datasets"][0]["data"]) == 3
    # manager2 and assistant1 see only their own
    assert abnormal_statistics(cast.manager2, date(2026, 3, 1)).summary["window"] == 1
    assert abnormal_statistics(cast.assistant1, date(2026, 3, 1)).summary["window"] == 3
    assert abnormal_statistics(cast.finance1, date(2026, 3, 1)).summary["window"] == 0


def test_statistics_same_whether_the_scope_is_read_as_keys_or_as_a_subquery(cast, data_set, monkeypatch):
    """The scope is read once as a list of keys; past core.search.KEYS_CAP it stays a subquery."""
    month = date(2026, 3, 1)
    for user in (cast.manager1, cast.assistant1, cast.gm):
        as_keys = abnormal_statistics(user, month)
        with monkeypatch.context() as patched:
            patched.setattr("core.search.KEYS_CAP", 1)
            as_subquery = abnormal_statistics(user, month)
        for part in ("summary", "by_kind", "by_customer", "by_salesperson", "by_month"):
            assert getattr(as_keys, part) == getattr(as_subquery, part), (user, part)
    assert as_keys.summary["window"] == 7  # gm: every abnormal order of the window


def test_statistics_page_and_workbook(client, cast, data_set):
    client.force_login(cast.manager1)
    response = client.get(reverse("orders:abnormal-statistics"), {"month": "2026-03"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-chart="abnormal-chart-data"' in content and 'id="abnormal-chart-data"' in content
    assert "<script>" not in content.replace('<script id="abnormal-chart-data" type="application/json">', "")
    assert "USD\xa0150.15" in content and "CNY\xa0507.00" in content

    response = client.get(reverse("orders:abnormal-statistics-export"), {"month": "2026-03"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = workbook(response)
    assert book.sheetnames == ["By kind", "By customer", "By salesperson", "By month"]
    by_kind = rows(book["By kind"])
    header = by_kind[0]
    assert header[:3] == ("Kind", "Count 2026-03", "Count, 13 months to 2026-03")
    quality = next(r for r in by_kind if r[0] == "Quality")
    values = dict(zip(header, quality, strict=True))
    assert values["Count 2026-03"] == 2 and values["Count, 13 months to 2026-03"] == 3
    assert values["Cost USD 2026-03"] == pytest.approx(150.15)
    assert values["Cost CNY, 13 months to 2026-03"] == 300
    customers = rows(book["By customer"])
    assert {r[0] for r in customers[1:]} == {"T-A1", "T-S2"}
    months = rows(book["By month"])
    assert len(months) == 14 and months[-1][0] == "2026-03" and months[-1][5] == 4


def test_statistics_month_defaults_to_this_month_and_ignores_nonsense(client, cast):
    client.force_login(cast.sales1)
    response = client.get(reverse("orders:abnormal-statistics"), {"month": "nonsense"})
    assert response.context["month"] == timezone.localdate().replace(day=1)
