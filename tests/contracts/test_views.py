"""Every contract URL for every role: in scope it works, out of scope it is a 404 (never 403)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from contracts import services
from contracts.models import ApprovalPolicy, Contract
from tests.contracts.factories import PDF_BYTES, make_contract

S = Contract.Status
SEES = ["gm", "manager1", "sales1", "assistant1"]
BLIND = ["manager2", "sales2", "sales3", "assistant2", "assistant3", "finance1"]
ROLES = [(who, 200) for who in SEES] + [(who, 404) for who in BLIND]


def the_contract(cast, status=S.DRAFT, **kw) -> Contract:
    return make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1, status=status, **kw)


def xlsx_text(response) -> str:
    content = b"".join(response.streaming_content)
    book = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)


@pytest.mark.parametrize("who, code", ROLES)
def test_detail(client, cast, who, code):
    contract = the_contract(cast)
    client.force_login(getattr(cast, who))
    response = client.get(contract.get_absolute_url())
    assert response.status_code == code
    if code == 200:
        assert contract.number in response.content.decode()


@pytest.mark.parametrize("who, code", ROLES)
def test_edit(client, cast, who, code):
    contract = the_contract(cast)
    client.force_login(getattr(cast, who))
    assert client.get(reverse("contracts:edit", args=[contract.pk])).status_code == (
        404 if code == 404 or who == "finance1" else 200
    )


@pytest.mark.parametrize("who, code", ROLES)
def test_pdf(client, cast, who, code):
    contract = the_contract(cast)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("contracts:pdf", args=[contract.pk]))
    assert response.status_code == code
    if code == 200:
        assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


@pytest.mark.parametrize("who, code", ROLES)
def test_attachment_download(client, cast, who, code):
    contract = the_contract(cast)
    attachment = services.contract_attach(
        contract=contract, actor=cast.assistant1, file=SimpleUploadedFile("报价.pdf", PDF_BYTES)
    )
    client.force_login(getattr(cast, who))
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == code
    if code == 200:
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["X-Content-Type-Options"] == "nosniff"


def test_attachment_of_another_contract_is_404(client, cast):
    mine = the_contract(cast)
    other = make_contract(cast.sales3, cast.customer_of_sales3)
    attachment = services.contract_attach(
        contract=other, actor=cast.sales3, file=SimpleUploadedFile("a.pdf", PDF_BYTES)
    )
    client.force_login(cast.assistant1)
    assert client.get(reverse("contracts:attachment", args=[mine.pk, attachment.pk])).status_code == 404


POSTS = {
    "submit": (S.DRAFT, {}),
    "approve": (S.SUBMITTED, {}),
    "reject": (S.SUBMITTED, {"comment": "价格"}),
    "sign": (S.APPROVED, None),
    "archive": (S.SIGNED, {"archive_location": "财务 A-1"}),
    "amend": (S.SIGNED, {"changes": "交期", "reason": "客户"}),
    "attach": (S.DRAFT, None),
}


@pytest.mark.parametrize("action", list(POSTS))
@pytest.mark.parametrize("who", BLIND)
def test_action_posts_out_of_scope_are_404(client, cast, action, who):
    status, data = POSTS[action]
    contract = the_contract(cast, status=status)
    client.force_login(getattr(cast, who))
    if data is None:
        data = {"scan": SimpleUploadedFile("s.pdf", PDF_BYTES), "file": SimpleUploadedFile("s.pdf", PDF_BYTES)}
    assert client.post(reverse(f"contracts:{action}", args=[contract.pk]), data).status_code == 404
    contract.refresh_from_db()
    assert contract.status == status and not contract.attachments.exists() and not contract.amendments.exists()


@pytest.mark.parametrize(
    "action, who, expected",
    [
        ("submit", "assistant1", S.SUBMITTED), ("submit", "sales1", S.SUBMITTED),
        ("approve", "manager1", S.APPROVED), ("approve", "gm", S.APPROVED),
        ("approve", "sales1", S.SUBMITTED), ("approve", "assistant1", S.SUBMITTED),
        ("reject", "manager1", S.DRAFT), ("reject", "assistant1", S.SUBMITTED),
        ("sign", "assistant1", S.SIGNED), ("sign", "sales1", S.SIGNED), ("sign", "manager1", S.SIGNED),
        ("archive", "sales1", S.ARCHIVED), ("archive", "gm", S.ARCHIVED),
    ],
)  # fmt: skip
def test_action_posts_in_scope(client, cast, action, who, expected):
    ApprovalPolicy.current()
    status, data = POSTS[action]
    contract = the_contract(cast, status=status)
    client.force_login(getattr(cast, who))
    if data is None:
        data = {"scan": SimpleUploadedFile("s.pdf", PDF_BYTES)}
    response = client.post(reverse(f"contracts:{action}", args=[contract.pk]), data, follow=True)
    assert response.status_code == 200
    contract.refresh_from_db()
    assert contract.status == expected
    assert response.context["messages"]  # a message says what happened (or why not)


def test_reject_without_comment_keeps_it_submitted(client, cast):
    contract = the_contract(cast, status=S.SUBMITTED)
    client.force_login(cast.manager1)
    response = client.post(reverse("contracts:reject", args=[contract.pk]), {"comment": ""}, follow=True)
    contract.refresh_from_db()
    assert contract.status == S.SUBMITTED
    assert "Say what needs to change." in response.content.decode()


def test_returned_draft_says_who_returned_it_and_why_on_top(client, cast):
    contract = the_contract(cast, status=S.SUBMITTED)
    client.force_login(cast.manager1)
    client.post(reverse("contracts:reject", args=[contract.pk]), {"comment": "单价低于底价"})
    client.force_login(cast.assistant1)
    page = client.get(contract.get_absolute_url()).content.decode()
    note = page[page.index('id="returned-note"') : page.index("</div>", page.index('id="returned-note"'))]
    assert "单价低于底价" in note and str(cast.manager1) in note


@pytest.mark.parametrize("who", ["assistant1", "sales1"])
def test_amend_and_attach_in_scope(client, cast, who):
    contract = the_contract(cast, status=S.SIGNED)
    client.force_login(getattr(cast, who))
    client.post(reverse("contracts:amend", args=[contract.pk]), {"changes": "交期改为 12 月", "reason": "客户要求"})
    client.post(
        reverse("contracts:attach", args=[contract.pk]),
        {"file": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)},
    )
    assert contract.amendments.get().number == 1
    assert contract.attachments.get().content_type == "image/png"
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "交期改为 12 月" in page and "x.png" in page


def test_detail_shows_only_allowed_actions(client, cast):
    contract = the_contract(cast, status=S.SUBMITTED)
    client.force_login(cast.manager1)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert 'id="approve-contract"' in page and 'id="reject-contract"' in page and 'id="submit-contract"' not in page
    assert "Awaiting your decision" in page  # not "awaiting the decision of <yourself>"
    client.force_login(cast.assistant1)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert 'id="approve-contract"' not in page and 'id="edit-contract"' not in page
    assert "Awaiting your decision" not in page and f"Awaiting the decision of {cast.manager1}" in page
    client.force_login(cast.finance1)  # finance does not see contracts at all
    assert client.get(contract.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("who", SEES + BLIND)
def test_list(client, cast, who):
    contract = the_contract(cast)
    other = make_contract(cast.sales3, cast.customer_of_sales3)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("contracts:list"))
    assert response.status_code == 200
    shown = {c.number for c in response.context["contracts"]}
    assert (contract.number in shown) == (who in SEES)
    assert (other.number in shown) == (who in {"gm", "manager2", "sales3", "assistant3"})


@pytest.mark.parametrize("who", SEES + BLIND)
def test_excel(client, cast, who):
    contract = the_contract(cast)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("contracts:export"))
    assert response.status_code == 200
    assert (contract.number in xlsx_text(response)) == (who in SEES)


def test_list_filters_and_search(client, cast):
    a = the_contract(cast, status=S.SUBMITTED)
    b = the_contract(cast, confidential=True)
    client.force_login(cast.sales1)
    assert [c.pk for c in client.get(reverse("contracts:list") + "?status=awaiting").context["contracts"]] == [a.pk]
    assert [c.pk for c in client.get(reverse("contracts:list") + "?confidential=on").context["contracts"]] == [b.pk]
    found = client.get(reverse("contracts:list") + "?q=T-A1 有限").context["contracts"]
    assert {c.pk for c in found} == {a.pk, b.pk}
    assert client.get(reverse("contracts:list") + "?sort=-amount", HTTP_HX_REQUEST="true").templates[0].name == (
        "contracts/_contract_rows.html"
    )


@pytest.mark.parametrize("who", SEES + BLIND)
def test_create_page(client, cast, who):
    client.force_login(getattr(cast, who))
    response = client.get(reverse("contracts:create"))
    assert response.status_code == (404 if who == "finance1" else 200)


def test_create_posts_a_draft(client, cast):
    client.force_login(cast.assistant1)
    data = {
        "salesperson": cast.sales1.pk, "customer": cast.customer_of_assistant1.pk, "currency": "CNY",
        "valid_from": "2026-01-01", "valid_until": "2026-12-31", "payment_terms": "T/T 30 天",
        "delivery_terms": "FOB 上海", "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0",
        "lines-0-description": "面板灯", "lines-0-quantity": "10", "lines-0-unit": "pcs", "lines-0-unit_price": "85.50",
        "lines-1-description": "筒灯", "lines-1-quantity": "4", "lines-1-unit_price": "32.25",
    }  # fmt: skip
    response = client.post(reverse("contracts:create"), data)
    contract = Contract.objects.get()
    assert response.status_code == 302 and response.url == contract.get_absolute_url()
    assert contract.amount == Decimal("984.00") and contract.maker == cast.assistant1


def test_create_error_keeps_typed_values(client, cast):
    client.force_login(cast.assistant1)
    data = {
        "salesperson": cast.sales1.pk, "customer": cast.customer_of_assistant1.pk, "currency": "CNY",
        "valid_from": "2026-12-31", "valid_until": "2026-01-01", "payment_terms": "我的付款条件",
        "delivery_terms": "FOB", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-description": "面板灯", "lines-0-quantity": "10", "lines-0-unit_price": "85.50",
    }  # fmt: skip
    response = client.post(reverse("contracts:create"), data)
    assert response.status_code == 200 and not Contract.objects.exists()
    page = response.content.decode()
    assert "我的付款条件" in page and "The contract cannot end before it starts." in page


@pytest.mark.parametrize("who", SEES + BLIND)
def test_performance_pages(client, cast, who):
    contract = the_contract(cast, status=S.SIGNED)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("contracts:performance"))
    assert response.status_code == 200
    assert (contract in response.context["contracts"]) == (who in SEES)
    export = client.get(reverse("contracts:performance-export"))
    assert (contract.number in xlsx_text(export)) == (who in SEES)


@pytest.mark.parametrize("who", SEES + BLIND)
def test_statistics_pages(client, cast, who):
    the_contract(cast, status=S.SIGNED, amount="1234.56")
    client.force_login(getattr(cast, who))
    response = client.get(reverse("contracts:statistics") + "?period=quarter")
    assert response.status_code == 200
    signed = response.context["stats"].totals["signed"].get("CNY", 0)
    assert signed == (Decimal("1234.56") if who in SEES else 0)
    assert client.get(reverse("contracts:statistics-export") + "?period=year").status_code == 200


@pytest.mark.parametrize("who, code", [("assistant1", 302), ("sales1", 302), ("assistant3", 404), ("sales2", 404)])
def test_order_link_view(client, cast, who, code):
    from tests.orders.factories import make_order

    order = make_order(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1)
    contract = the_contract(cast, status=S.APPROVED)
    client.force_login(getattr(cast, who))
    response = client.post(reverse("contracts:order-link", args=[order.pk]), {"contract": contract.pk})
    assert response.status_code == code
    order.refresh_from_db()
    assert (order.contract_id == contract.pk) == (code == 302)
    if code == 302:
        page = client.get(order.get_absolute_url()).content.decode()
        assert contract.number in page and contract.get_absolute_url() in page


def test_order_link_refuses_forged_contract(client, cast):
    from tests.orders.factories import make_order

    order = make_order(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1)
    foreign = make_contract(cast.sales3, cast.customer_of_sales3, status=S.APPROVED)
    client.force_login(cast.assistant1)
    client.post(reverse("contracts:order-link", args=[order.pk]), {"contract": foreign.pk})
    order.refresh_from_db()
    assert order.contract_id is None


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_queries_constant(client, cast, django_assert_max_num_queries):
    for _ in range(3):
        the_contract(cast)
    client.force_login(cast.assistant1)
    few = _count(client, reverse("contracts:list"))
    for _ in range(30):
        the_contract(cast, confidential=True)
    assert _count(client, reverse("contracts:list")) == few
    with django_assert_max_num_queries(12):
        client.get(reverse("contracts:list"))


def test_detail_queries_constant(client, cast, django_assert_max_num_queries):
    small = the_contract(cast, status=S.SIGNED)
    big = the_contract(cast, status=S.SIGNED, lines=[(f"货 {n}", 1, 10) for n in range(20)])
    for n in range(5):
        services.amendment_create(contract=big, actor=cast.sales1, changes=f"改 {n}", reason="r")
        services.contract_attach(contract=big, actor=cast.sales1, file=SimpleUploadedFile(f"{n}.pdf", PDF_BYTES))
    client.force_login(cast.sales1)
    assert _count(client, big.get_absolute_url()) == _count(client, small.get_absolute_url())
    with django_assert_max_num_queries(25):
        client.get(big.get_absolute_url())


def test_performance_queries_constant(client, cast):
    for _ in range(3):
        the_contract(cast, status=S.SIGNED)
    client.force_login(cast.manager1)
    few = _count(client, reverse("contracts:performance"))
    for _ in range(20):
        the_contract(cast, status=S.APPROVED)
    assert _count(client, reverse("contracts:performance")) == few


def test_order_page_hides_a_confidential_contract_from_other_assistants(client, cast):
    from tests.orders.factories import make_order

    order = make_order(cast.sales1, cast.customer_shared, maker=cast.assistant2)
    secret = make_contract(cast.sales1, cast.customer_shared, maker=cast.assistant1, status=S.SIGNED, confidential=True)
    order.contract = secret
    order.save(update_fields=["contract"])
    client.force_login(cast.assistant2)
    page = client.get(order.get_absolute_url()).content.decode()
    assert secret.number not in page and "linked (not visible to you)" in page
    assert 'id="order-contract-save"' not in page  # no picker that would unlink it
    # the view refuses an unlink by someone who cannot see the contract... (order in scope, contract not)
    client.post(reverse("contracts:order-link", args=[order.pk]), {"contract": ""})
    order.refresh_from_db()
    assert order.contract_id == secret.pk
    client.force_login(cast.assistant1)
    assert secret.number in client.get(order.get_absolute_url()).content.decode()


def test_edit_post_changes_the_draft(client, cast):
    contract = the_contract(cast)
    client.force_login(cast.assistant1)
    page = client.get(reverse("contracts:edit", args=[contract.pk]))
    assert page.context["formset"].initial[0]["description"] == "测试产品 Test goods"
    data = {
        "customer": cast.customer_shared.pk, "currency": "USD", "valid_from": "2026-01-01",
        "valid_until": "2026-06-30", "payment_terms": "L/C", "delivery_terms": "CIF", "confidential": "on",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "1",
        "lines-0-description": "旧行", "lines-0-quantity": "1", "lines-0-unit_price": "5", "lines-0-DELETE": "on",
        "lines-1-description": "新行", "lines-1-quantity": "3", "lines-1-unit": "set", "lines-1-unit_price": "2.50",
    }  # fmt: skip
    response = client.post(reverse("contracts:edit", args=[contract.pk]), data)
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.customer, contract.currency, contract.confidential) == (cast.customer_shared, "USD", True)
    assert contract.amount == Decimal("7.50") and [line.description for line in contract.lines.all()] == ["新行"]


def test_edit_of_a_submitted_contract_redirects(client, cast):
    contract = the_contract(cast, status=S.SUBMITTED)
    client.force_login(cast.assistant1)
    response = client.get(reverse("contracts:edit", args=[contract.pk]))
    assert response.status_code == 302 and response.url == contract.get_absolute_url()


def test_performance_deep_pages_keys_first_same_rows_and_filters(client, cast, monkeypatch):
    """Deep pages walk the keys alone (DeferredJoinPaginator): every visible contract once, in the
    list's order, the fulfilment filter (an annotation) still applied, and the figures per row."""
    from contracts.views import PerformanceListView
    from core.pagination import DeferredJoinPaginator

    assert PerformanceListView.paginator_class is DeferredJoinPaginator
    monkeypatch.setattr(PerformanceListView, "paginate_by", 4)
    mine = [the_contract(cast, status=S.SIGNED, amount=f"{100 + n}.00") for n in range(9)]
    make_contract(cast.sales3, cast.customer_of_sales3, status=S.SIGNED)  # out of scope
    client.force_login(cast.assistant1)
    for sort, expected in (
        ("-created", [c.pk for c in sorted(mine, key=lambda c: (c.created_at, c.pk), reverse=True)]),
        ("amount", [c.pk for c in sorted(mine, key=lambda c: (c.amount, c.pk))]),
    ):
        seen = []
        for page in (1, 2, 3):
            response = client.get(reverse("contracts:performance"), {"sort": sort, "page": page})
            rows = response.context["contracts"]
            assert all(row.ordered is not None and row.open_balance is not None for row in rows)
            seen += [row.pk for row in rows]
        assert seen == expected, sort
    open_ones = client.get(reverse("contracts:performance"), {"fulfilment": "open", "page": 3}).context["contracts"]
    assert [c.pk for c in open_ones] == [sorted(mine, key=lambda c: (c.created_at, c.pk))[0].pk]
