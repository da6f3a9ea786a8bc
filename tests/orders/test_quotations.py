"""Quotations: scope on every URL, who may quote for whom, totals to the cent, the status flow,
versions, Excel, PDF, and one click from an accepted quotation to an order."""

import io
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orders.models import Order, Quotation
from orders.services import quotations as services
from orders.views.quotations import pdf_context
from tests.orders.factories import make_product

pytestmark = pytest.mark.django_db

CREATE = reverse("orders:quotation-create")
LIST = reverse("orders:quotation-list")
EXPORT = reverse("orders:quotation-export")
Status = Quotation.Status


def make_quotation(salesperson, customer, lines=None, status=Status.DRAFT, actor=None, **kw) -> Quotation:
    """Through the service (numbers, amounts, history), then moved to ``status``."""
    if lines is None:
        lines = [{"product": make_product(), "quantity": Decimal("10"), "unit_price": Decimal("5.00")}]
    q = services.quotation_create(
        actor=actor or salesperson, salesperson=salesperson, customer=customer, lines=lines, **kw
    )
    path = {Status.DRAFT: [], Status.SENT: [Status.SENT], Status.ACCEPTED: [Status.SENT, Status.ACCEPTED],
            Status.LOST: [Status.SENT, Status.LOST]}[status]  # fmt: skip
    for step in path:
        q = services.quotation_set_status(quotation=q, actor=salesperson, status=step, reason="价格太高 too expensive")
    return q


def line_post(prefix="lines", rows=(), **header):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "1", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = "" if value is None else str(value)
    data.update({"currency": "CNY", "valid_until": "", "incoterm": "", "payment_terms": "", "notes": ""})
    data.update({k: "" if v is None else str(v) for k, v in header.items()})
    return data


@pytest.fixture
def bolt(db):
    return make_product(sku="BLT-100", name="六角螺栓", name_en="Hex bolt", list_price=Decimal("0.35"))


@pytest.fixture
def panel(db):
    return make_product(sku="LED-600", name="LED 面板灯", name_en="LED panel light", list_price=Decimal("128.00"))


@pytest.fixture
def quotation(cast, bolt, panel):
    """sales1's quotation for customer_of_assistant1: 1000 × 0.35 and 3 × 128.00 − 12.5%."""
    return make_quotation(
        cast.sales1,
        cast.customer_of_assistant1,
        lines=[
            {"product": bolt, "quantity": Decimal("1000"), "unit_price": None},
            {"product": panel, "quantity": Decimal("3"), "unit_price": Decimal("128.00"), "discount_percent": Decimal("12.5")},
        ],
        valid_until=timezone.localdate() + timedelta(days=30),
        payment_terms="30% T/T 定金, 70% 见提单副本",
    )  # fmt: skip


# --- scope on every URL ----------------------------------------------------------------------

IN_SCOPE = ["gm", "manager1", "sales1", "assistant1"]
OUT_OF_SCOPE = ["manager2", "sales2", "sales3", "assistant2", "assistant3", "finance1"]


@pytest.mark.parametrize("who", IN_SCOPE + OUT_OF_SCOPE)
@pytest.mark.parametrize("name", ["quotation-detail", "quotation-edit", "quotation-pdf"])
def test_get_urls_answer_404_out_of_scope(client, cast, quotation, who, name):
    client.force_login(getattr(cast, who))
    response = client.get(reverse(f"orders:{name}", args=[quotation.pk]))
    assert response.status_code == (200 if who in IN_SCOPE else 404)


@pytest.mark.parametrize("who", OUT_OF_SCOPE)
@pytest.mark.parametrize("name, data", [
    ("quotation-status", {"status": "sent"}),
    ("quotation-revise", {}),
    ("quotation-order", {"customer_po": "PO-1"}),
])  # fmt: skip
def test_post_actions_answer_404_out_of_scope_and_change_nothing(client, cast, quotation, who, name, data):
    client.force_login(getattr(cast, who))
    assert client.post(reverse(f"orders:{name}", args=[quotation.pk]), data).status_code == 404
    quotation.refresh_from_db()
    assert quotation.status == Status.DRAFT and Quotation.objects.count() == 1 and Order.objects.count() == 0


def test_anonymous_is_sent_to_login(client, quotation):
    urls = [LIST, EXPORT, CREATE] + [
        reverse(f"orders:{n}", args=[quotation.pk]) for n in ("quotation-detail", "quotation-edit", "quotation-pdf")
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    for n in ("quotation-status", "quotation-revise", "quotation-order"):
        response = client.post(reverse(f"orders:{n}", args=[quotation.pk]), {"status": "sent"})
        assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("who, expected", [
    ("gm", 1), ("manager1", 1), ("sales1", 1), ("assistant1", 1),
    ("manager2", 0), ("sales2", 0), ("assistant2", 0), ("assistant3", 0), ("finance1", 0),
])  # fmt: skip
def test_list_and_excel_are_scoped(client, cast, quotation, who, expected):
    client.force_login(getattr(cast, who))
    response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["paginator"].count == expected
    workbook = load_workbook(io.BytesIO(b"".join(client.get(EXPORT).streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 1 + expected


# --- who may quote for whom ------------------------------------------------------------------


def test_salesperson_skips_step_one(client, cast):
    client.force_login(cast.sales1)
    response = client.get(CREATE)
    assert response.context["salesperson"] == cast.sales1 and "step1" not in response.context
    customers = set(response.context["form"].fields["customer"].queryset)
    assert customers == {cast.customer_of_assistant1, cast.customer_shared, cast.customer_of_assistant2,
                         cast.customer_unassigned}  # fmt: skip


def test_assistant_serving_one_salesperson_gets_them_and_only_assigned_customers(client, cast):
    client.force_login(cast.assistant1)
    response = client.get(CREATE)
    assert response.context["salesperson"] == cast.sales1
    assert set(response.context["form"].fields["customer"].queryset) == {
        cast.customer_of_assistant1,
        cast.customer_shared,
    }
    assert f"kind=customer&amp;owner={cast.sales1.pk}" in response.content.decode()


def test_assistant_serving_two_chooses_first(client, cast):
    client.force_login(cast.assistant2)
    response = client.get(CREATE)
    assert "step1" in response.context
    assert set(response.context["step1"].fields["salesperson"].queryset) == {cast.sales1, cast.sales2}
    response = client.get(CREATE, {"salesperson": cast.sales2.pk})
    assert response.context["salesperson"] == cast.sales2
    assert set(response.context["form"].fields["customer"].queryset) == {cast.customer_of_sales2}
    # A salesperson they do not serve: back to step 1 with an error.
    response = client.get(CREATE, {"salesperson": cast.sales3.pk})
    assert "step1" in response.context and response.context["step1"].errors


def test_manager_chooses_among_their_team(client, cast):
    client.force_login(cast.manager1)
    response = client.get(CREATE)
    assert set(response.context["step1"].fields["salesperson"].queryset) == {cast.sales1, cast.sales2}


def test_customer_link_preselects_owner(client, cast):
    client.force_login(cast.assistant2)
    response = client.get(CREATE, {"customer": cast.customer_of_sales2.pk})
    assert response.context["salesperson"] == cast.sales2
    assert response.context["form"].initial["customer"] == cast.customer_of_sales2.pk


def test_finance_cannot_quote(client, cast):
    client.force_login(cast.finance1)
    assert client.get(CREATE).status_code == 404


def test_assistant_creates_quotation_with_totals_to_the_cent(client, cast, bolt, panel):
    client.force_login(cast.assistant1)
    data = line_post(
        rows=[
            {"product": bolt.pk, "description": "M8×40 镀锌", "quantity": "1000", "unit_price": "", "discount_percent": "0"},
            {"product": panel.pk, "quantity": "3", "unit_price": "128.00", "discount_percent": "12.5"},
            {"product": "", "quantity": "", "unit_price": "", "discount_percent": "0"},  # an empty extra row
        ],
        salesperson=cast.sales1.pk, customer=cast.customer_of_assistant1.pk, payment_terms="T/T",
        valid_until=(timezone.localdate() + timedelta(days=14)).isoformat(),
    )  # fmt: skip
    response = client.post(CREATE, data)
    q = Quotation.objects.get()
    assert response.status_code == 302 and response["Location"] == q.get_absolute_url()
    assert q.number == f"QT-{timezone.localdate().year}-00001" and q.version == 1 and q.status == Status.DRAFT
    assert (q.salesperson, q.customer, q.maker) == (cast.sales1, cast.customer_of_assistant1, cast.assistant1)
    lines = list(q.lines.order_by("pk"))
    assert [line.unit_price for line in lines] == [Decimal("0.35"), Decimal("128.00")]  # blank → list price
    assert lines[0].description == "M8×40 镀锌"
    # 128.00 − 12.5% = 112.00; × 3 = 336.00; + 350.00
    assert [line.amount for line in lines] == [Decimal("350.00"), Decimal("336.00")]
    assert q.total == Decimal("686.00")


def test_discount_rounds_net_price_to_the_cent(cast):
    product = make_product(list_price=Decimal("9.99"))
    q = make_quotation(
        cast.sales1, cast.customer_of_assistant1,
        lines=[{"product": product, "quantity": Decimal("7"), "unit_price": None, "discount_percent": Decimal("3.3")},
               {"product": product, "quantity": Decimal("2.5"), "unit_price": Decimal("0.07"), "discount_percent": Decimal("50")}],
    )  # fmt: skip
    # 9.99 × 0.967 = 9.66033 → 9.66, × 7 = 67.62; 0.07 × 0.5 = 0.035 → 0.04 (half-even: 0.04), × 2.5 = 0.10
    amounts = [line.amount for line in q.lines.order_by("pk")]
    assert amounts == [Decimal("67.62"), Decimal("0.10")]
    assert q.total == sum(amounts) == Decimal("67.72")


def test_assistant_cannot_quote_for_a_salesperson_they_do_not_serve(client, cast, bolt):
    client.force_login(cast.assistant1)
    data = line_post(rows=[{"product": bolt.pk, "quantity": "1"}], salesperson=cast.sales2.pk,
                     customer=cast.customer_of_sales2.pk)  # fmt: skip
    response = client.post(CREATE, data)
    assert response.status_code == 200 and response.context["step1"].errors
    assert not Quotation.objects.exists()
    with pytest.raises(ValidationError):
        services.quotation_create(actor=cast.assistant1, salesperson=cast.sales2, customer=cast.customer_of_sales2,
                                  lines=[{"product": bolt, "quantity": 1}])  # fmt: skip
    assert not Quotation.objects.exists()


def test_assistant_cannot_quote_a_customer_not_assigned_to_them(client, cast, bolt):
    client.force_login(cast.assistant1)
    for customer in (cast.customer_of_assistant2, cast.customer_unassigned):
        data = line_post(rows=[{"product": bolt.pk, "quantity": "1"}], salesperson=cast.sales1.pk, customer=customer.pk)
        response = client.post(CREATE, data)
        assert response.status_code == 200 and "customer" in response.context["form"].errors
        with pytest.raises(ValidationError) as error:
            services.quotation_create(actor=cast.assistant1, salesperson=cast.sales1, customer=customer,
                                      lines=[{"product": bolt, "quantity": 1}])  # fmt: skip
        assert "customer" in error.value.message_dict
    assert not Quotation.objects.exists()


@pytest.mark.parametrize("rows, field, message", [
    ([], None, "Add at least one line."),
    ([{"product": "", "quantity": ""}], "product", "This field is required."),
    ([{"product": "BOLT", "quantity": "-2"}], "quantity", "greater than or equal to 0.001"),
    ([{"product": "BOLT", "quantity": "2", "discount_percent": "120"}], "discount_percent", "less than or equal to 100"),
    ([{"product": "BOLT", "quantity": "2", "unit_price": "abc"}], "unit_price", "Enter a number."),
])  # fmt: skip
def test_bad_lines_keep_what_was_typed_and_save_nothing(client, cast, bolt, rows, field, message):
    rows = [{k: (bolt.pk if v == "BOLT" else v) for k, v in row.items()} for row in rows]
    client.force_login(cast.sales1)
    data = line_post(rows=rows, customer=cast.customer_of_assistant1.pk, payment_terms="保留 kept")
    response = client.post(CREATE, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "保留 kept" in html
    if field:
        assert field in response.context["formset"].forms[0].errors
    assert not Quotation.objects.exists()


def test_blank_price_in_another_currency_is_refused(client, cast):
    usd = make_product(currency="USD", list_price=Decimal("12.00"))
    client.force_login(cast.sales1)
    data = line_post(rows=[{"product": usd.pk, "quantity": "2"}], customer=cast.customer_of_assistant1.pk)
    response = client.post(CREATE, data)
    assert "enter a unit price in CNY" in response.content.decode()
    assert not Quotation.objects.exists()
    data["currency"] = "USD"
    assert client.post(CREATE, data).status_code == 302
    assert Quotation.objects.get().total == Decimal("24.00")


def test_inactive_product_is_not_offered_for_new_lines(client, cast):
    old = make_product(active=False)
    client.force_login(cast.sales1)
    data = line_post(
        rows=[{"product": old.pk, "quantity": "2", "unit_price": "1"}], customer=cast.customer_of_assistant1.pk
    )
    response = client.post(CREATE, data)
    assert "product" in response.context["formset"].forms[0].errors
    assert not Quotation.objects.exists()


# --- editing and the status flow -------------------------------------------------------------


def test_edit_draft_replaces_lines_and_recomputes(client, cast, quotation, bolt):
    client.force_login(cast.assistant1)
    url = reverse("orders:quotation-edit", args=[quotation.pk])
    response = client.get(url)
    assert response.context["formset"].initial[1]["discount_percent"] == Decimal("12.50")
    data = line_post(rows=[{"product": bolt.pk, "quantity": "200", "unit_price": "0.30", "discount_percent": "0"}],
                     customer=cast.customer_shared.pk, currency="CNY", payment_terms="月结 30 天")  # fmt: skip
    assert client.post(url, data).status_code == 302
    quotation.refresh_from_db()
    assert quotation.customer == cast.customer_shared and quotation.payment_terms == "月结 30 天"
    assert quotation.lines.count() == 1 and quotation.total == Decimal("60.00")


def test_only_a_draft_can_be_edited(client, cast, quotation, bolt):
    services.quotation_set_status(quotation=quotation, actor=cast.sales1, status=Status.SENT)
    client.force_login(cast.sales1)
    url = reverse("orders:quotation-edit", args=[quotation.pk])
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == quotation.get_absolute_url()
    assert "Only a draft can be edited" in response.content.decode()
    data = line_post(
        rows=[{"product": bolt.pk, "quantity": "1", "unit_price": "1"}], customer=cast.customer_of_assistant1.pk
    )
    client.post(url, data)
    quotation.refresh_from_db()
    assert quotation.total == Decimal("686.00") and quotation.lines.count() == 2
    with pytest.raises(ValidationError):
        services.quotation_update(quotation=quotation, actor=cast.sales1, customer=cast.customer_of_assistant1,
                                  lines=[{"product": bolt, "quantity": 1}], currency="CNY")  # fmt: skip


ALL_MOVES = [(a, b) for a in Status.values for b in Status.values if a != b]


@pytest.mark.parametrize("start, target", ALL_MOVES)
def test_only_allowed_status_moves(client, cast, bolt, start, target):
    q = make_quotation(cast.sales1, cast.customer_of_assistant1, status=start)
    client.force_login(cast.assistant1)
    client.post(reverse("orders:quotation-status", args=[q.pk]), {"status": target, "reason": "交期太长 lead time"})
    q.refresh_from_db()
    allowed = {(Status.DRAFT, Status.SENT), (Status.SENT, Status.ACCEPTED), (Status.SENT, Status.LOST)}
    assert q.status == (target if (start, target) in allowed else start)


def test_sending_stamps_the_time_and_shows_in_the_timeline(client, cast, quotation):
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:quotation-status", args=[quotation.pk]), {"status": "sent"}, follow=True)
    assert f"Quotation {quotation.number} is marked as sent." in response.content.decode()
    quotation.refresh_from_db()
    assert quotation.status == Status.SENT and quotation.sent_at is not None
    timeline = response.context["timeline"]
    assert timeline[0].who == cast.assistant1 and ("status", "Draft", "Sent") in timeline[0].changes
    assert timeline[-1].kind == "+"


def test_lost_needs_a_reason_kept_in_the_history(client, cast, quotation):
    services.quotation_set_status(quotation=quotation, actor=cast.sales1, status=Status.SENT)
    client.force_login(cast.sales1)
    url = reverse("orders:quotation-status", args=[quotation.pk])
    response = client.post(url, {"status": "lost", "reason": "  "}, follow=True)
    assert "Say why the quotation was lost." in response.content.decode()
    quotation.refresh_from_db()
    assert quotation.status == Status.SENT
    response = client.post(
        url, {"status": "lost", "reason": "客户选了越南供应商 chose a Vietnamese supplier"}, follow=True
    )
    quotation.refresh_from_db()
    assert quotation.status == Status.LOST
    assert quotation.history.first().history_change_reason == "客户选了越南供应商 chose a Vietnamese supplier"
    assert response.context["lost_reason"] == "客户选了越南供应商 chose a Vietnamese supplier"
    assert "客户选了越南供应商" in response.content.decode()


def test_detail_offers_only_the_actions_allowed_now(client, cast, quotation):
    client.force_login(cast.assistant1)
    url = quotation.get_absolute_url()
    ctx = client.get(url).context
    assert (ctx["can_edit"], ctx["can_send"], ctx["can_accept"], ctx["can_lose"], ctx["can_revise"], ctx["can_order"]) == (
        True, True, False, False, False, False)  # fmt: skip
    services.quotation_set_status(quotation=quotation, actor=cast.sales1, status=Status.SENT)
    ctx = client.get(url).context
    assert (ctx["can_edit"], ctx["can_send"], ctx["can_accept"], ctx["can_lose"], ctx["can_revise"]) == (
        False, False, True, True, True)  # fmt: skip
    services.quotation_set_status(quotation=quotation, actor=cast.sales1, status=Status.ACCEPTED)
    response = client.get(url)
    assert response.context["can_order"] and not response.context["can_revise"]
    assert 'name="customer_po"' in response.content.decode()


def test_sending_an_empty_draft_is_refused(cast, bolt):
    q = make_quotation(cast.sales1, cast.customer_of_assistant1)
    q.lines.all().delete()
    with pytest.raises(ValidationError, match="Add at least one line"):
        services.quotation_set_status(quotation=q, actor=cast.sales1, status=Status.SENT)


# --- versions --------------------------------------------------------------------------------


def test_revise_makes_a_new_draft_version_chain(client, cast, quotation):
    services.quotation_set_status(quotation=quotation, actor=cast.sales1, status=Status.SENT)
    client.force_login(cast.assistant1)
    response = client.post(reverse("orders:quotation-revise", args=[quotation.pk]))
    v2 = Quotation.objects.get(previous=quotation)
    assert response["Location"] == v2.get_absolute_url()
    assert (v2.number, v2.version, v2.status, v2.maker) == (f"{quotation.number}-v2", 2, Status.DRAFT, cast.assistant1)
    assert [(x.product_id, x.quantity, x.unit_price, x.discount_percent, x.amount) for x in v2.lines.all()] == [
        (x.product_id, x.quantity, x.unit_price, x.discount_percent, x.amount) for x in quotation.lines.all()
    ]
    assert v2.total == quotation.total == Decimal("686.00")
    quotation.refresh_from_db()
    assert quotation.status == Status.SENT  # marks nothing else
    # v1 cannot be revised twice; a draft cannot be revised.
    response = client.post(reverse("orders:quotation-revise", args=[quotation.pk]), follow=True)
    assert f"was already revised as {v2.number}" in response.content.decode()
    with pytest.raises(ValidationError):
        services.quotation_revise(quotation=v2, actor=cast.sales1)
    # v2 sent and lost → v3 keeps the base number.
    services.quotation_set_status(quotation=v2, actor=cast.sales1, status=Status.SENT)
    services.quotation_set_status(quotation=v2, actor=cast.sales1, status=Status.LOST, reason="price")
    v3 = services.quotation_revise(quotation=v2, actor=cast.sales1)
    assert (v3.number, v3.version, v3.previous) == (f"{quotation.number}-v3", 3, v2)
    response = client.get(v3.get_absolute_url())
    assert [v.pk for v in response.context["versions"]] == [quotation.pk, v2.pk, v3.pk]
    html = response.content.decode()
    assert quotation.get_absolute_url() in html and v2.get_absolute_url() in html
    assert client.get(quotation.get_absolute_url()).context["newer"] == v2


def test_accepted_quotation_cannot_be_revised(cast, quotation):
    for status in (Status.SENT, Status.ACCEPTED):
        services.quotation_set_status(quotation=quotation, actor=cast.sales1, status=status)
    with pytest.raises(ValidationError):
        services.quotation_revise(quotation=quotation, actor=cast.sales1)
    assert Quotation.objects.count() == 1


# --- quotation → order -----------------------------------------------------------------------


def test_accepted_quotation_becomes_exactly_one_order(client, cast, quotation):
    for status in (Status.SENT, Status.ACCEPTED):
        services.quotation_set_status(quotation=quotation, actor=cast.sales1, status=status)
    client.force_login(cast.assistant1)
    url = reverse("orders:quotation-order", args=[quotation.pk])
    response = client.post(url, {"customer_po": "PO-88017"})
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert (order.quotation, order.customer, order.salesperson, order.customer_po, order.currency) == (
        quotation, quotation.customer, quotation.salesperson, "PO-88017", "CNY")  # fmt: skip
    assert order.payment_terms == quotation.payment_terms
    assert [(x.product_id, x.quantity, x.unit_price) for x in order.lines.order_by("pk")] == [
        (x.product_id, x.quantity, x.net_price) for x in quotation.lines.order_by("pk")
    ]
    assert order.total == quotation.total == Decimal("686.00")
    # Once: a second click goes to the same order.
    response = client.post(url, {"customer_po": "PO-88018"}, follow=True)
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert f"is already order {order.number}" in response.content.decode()
    assert Order.objects.count() == 1
    with pytest.raises(ValidationError):
        services.quotation_to_order(quotation=quotation, actor=cast.sales1, customer_po="PO-X")
    assert Order.objects.count() == 1
    # The quotation page links to the order.
    response = client.get(quotation.get_absolute_url())
    assert response.context["order"] == order and not response.context["can_order"]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SENT, Status.LOST])
def test_only_accepted_quotation_becomes_an_order(client, cast, status):
    q = make_quotation(cast.sales1, cast.customer_of_assistant1, status=status)
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:quotation-order", args=[q.pk]), {"customer_po": "PO-1"}, follow=True)
    assert "Only an accepted quotation can become an order." in response.content.decode()
    assert not Order.objects.exists()


def test_order_needs_the_customer_po(client, cast):
    q = make_quotation(cast.sales1, cast.customer_of_assistant1, status=Status.ACCEPTED)
    client.force_login(cast.sales1)
    response = client.post(reverse("orders:quotation-order", args=[q.pk]), {"customer_po": " "}, follow=True)
    assert "Enter the customer&#x27;s PO number" in response.content.decode()
    assert not Order.objects.exists()


def test_duplicate_customer_po_is_refused(client, cast):
    first = make_quotation(cast.sales1, cast.customer_of_assistant1, status=Status.ACCEPTED)
    second = make_quotation(cast.sales1, cast.customer_of_assistant1, status=Status.ACCEPTED)
    client.force_login(cast.sales1)
    client.post(reverse("orders:quotation-order", args=[first.pk]), {"customer_po": "PO-7"})
    response = client.post(reverse("orders:quotation-order", args=[second.pk]), {"customer_po": "PO-7"}, follow=True)
    assert response.redirect_chain[-1][0] == second.get_absolute_url()
    assert Order.objects.count() == 1
    assert any("error" in m.tags for m in response.context["messages"])


# --- list, Excel, PDF ------------------------------------------------------------------------


@pytest.fixture
def several(cast, bolt):
    a = make_quotation(cast.sales1, cast.customer_of_assistant1, status=Status.SENT)
    b = make_quotation(cast.sales1, cast.customer_shared, status=Status.LOST)
    c = make_quotation(cast.sales2, cast.customer_of_sales2)
    old = make_quotation(cast.sales1, cast.customer_of_assistant1)
    Quotation.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=70))
    return {"a": a, "b": b, "c": c, "old": old}


@pytest.mark.parametrize("query, keys", [
    ({"status": "sent"}, {"a"}),
    ({"q": "T-SH"}, {"b"}),
    ({"q": "T-S2 Ltd"}, {"c"}),
    ({"q": "00002"}, {"b"}),
    ({"customer": "SHARED"}, {"b"}),
    ({"salesperson": "SALES2"}, {"c"}),
    ({"month": "THIS"}, {"a", "b", "c"}),
])  # fmt: skip
def test_list_search_and_filters_and_export(client, cast, several, query, keys):
    query = dict(query)
    if query.get("customer") == "SHARED":
        query["customer"] = cast.customer_shared.pk
    if query.get("salesperson") == "SALES2":
        query["salesperson"] = cast.sales2.pk
    if query.get("month") == "THIS":
        query["month"] = timezone.localdate().strftime("%Y-%m")
    client.force_login(cast.manager1)
    response = client.get(LIST, query)
    expected = {several[k].number for k in keys}
    assert {q.number for q in response.context["quotations"]} == expected
    assert response.context["active_filters"]
    workbook = load_workbook(io.BytesIO(b"".join(client.get(EXPORT, query).streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == expected


def test_excel_contents(client, cast, quotation):
    client.force_login(cast.assistant1)
    response = client.get(EXPORT)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["Number"] == quotation.number and record["Status"] == "Draft"
    assert record["Customer"] == "T-A1 有限公司" and record["Lines"] == 2
    assert record["Currency"] == "CNY" and record["Total"] == 686


def test_list_sorts_and_htmx(client, cast, several):
    client.force_login(cast.gm)
    numbers = [q.number for q in client.get(LIST, {"sort": "number"}).context["quotations"]]
    assert numbers == sorted(numbers)
    response = client.get(LIST, {"status": "lost"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="quotation-table"' in html and "<html" not in html and several["b"].number in html


def test_list_queries_do_not_grow_with_rows(client, cast, django_assert_max_num_queries):
    client.force_login(cast.assistant1)
    make_quotation(cast.sales1, cast.customer_of_assistant1, actor=cast.assistant1)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    for _ in range(20):
        make_quotation(cast.sales1, cast.customer_shared, actor=cast.assistant2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert response.context["paginator"].count == 21


def test_detail_queries_do_not_grow_with_lines(client, cast, django_assert_max_num_queries):
    client.force_login(cast.sales1)
    small = make_quotation(cast.sales1, cast.customer_of_assistant1)
    with django_assert_max_num_queries(25) as few:
        client.get(small.get_absolute_url())
    big = make_quotation(cast.sales1, cast.customer_of_assistant1,
                         lines=[{"product": make_product(), "quantity": 2, "unit_price": None} for _ in range(15)])  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(big.get_absolute_url())


def test_pdf(client, cast, quotation):
    client.force_login(cast.assistant1)
    started = time.perf_counter()
    response = client.get(reverse("orders:quotation-pdf", args=[quotation.pk]))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 1000
    assert f'filename="{quotation.number}.pdf"' in response["Content-Disposition"]
    assert elapsed < 3, f"PDF took {elapsed:.2f}s"  # ~0.3 s with libharfbuzz-subset0 and fonts-noto-cjk
    html = render_to_string("pdf/quotation.html", {"company_name": "百达贸易", **pdf_context(quotation)})
    for text in ("报价单 Quotation", quotation.number, "T-A1 有限公司", "六角螺栓", "Hex bolt", "12.50%",
                 "CNY\xa0112.00", "CNY\xa0350.00", "CNY\xa0336.00", "CNY\xa0686.00", "30% T/T 定金", "有效期至 Valid until",
                 "客户确认"):  # fmt: skip
        assert text in html, text


def test_list_deep_pages_keys_first_same_rows_and_queries(client, cast, monkeypatch, django_assert_max_num_queries):
    # Deep pages walk the keys alone, then load their rows (DeferredJoinPaginator): the pages
    # still hold every visible quotation once, in the list's order, with a constant query count.
    from core.pagination import DeferredJoinPaginator
    from orders.views.quotations import QuotationListView

    assert QuotationListView.paginator_class is DeferredJoinPaginator
    monkeypatch.setattr(QuotationListView, "paginate_by", 5)
    mine = [make_quotation(cast.sales1, cast.customer_of_assistant1, actor=cast.assistant1) for _ in range(12)]
    hidden = make_quotation(cast.sales3, cast.customer_of_sales3)
    client.force_login(cast.assistant1)
    with django_assert_max_num_queries(12) as first:
        first_page = client.get(LIST)
    for sort, expected in (
        ("-created", [q.pk for q in sorted(mine, key=lambda q: (q.created_at, q.pk), reverse=True)]),
        ("number", [q.pk for q in sorted(mine, key=lambda q: q.number)]),
    ):
        seen = []
        for page in (1, 2, 3):
            with django_assert_max_num_queries(len(first.captured_queries)):
                response = client.get(LIST, {"sort": sort, "page": page})
            rows = list(response.context["quotations"])
            assert all(q.customer.code and q.salesperson for q in rows)  # joins loaded with the rows
            seen += [q.pk for q in rows]
        assert seen == expected and hidden.pk not in seen
    assert len(first_page.context["quotations"]) == 5
    assert client.get(LIST, {"page": 4}).status_code == 404
