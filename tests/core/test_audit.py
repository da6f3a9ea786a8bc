"""Audit history (django-simple-history): who changed what and when."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.audit import can_see_history, history_entries
from customers.models import Company
from expenses import services as expense_services
from expenses.models import Claim, ClaimLine
from orders.models import Order, Shipment
from orders.services.shipments import shipment_prepare
from receivables.models import Payment
from receivables.services.payments import payment_record
from tests.contracts.factories import make_contract
from tests.expenses.factories import make_claim
from tests.orders.factories import make_order, make_product
from tests.receivables.factories import make_invoice


def test_company_change_is_recorded_with_the_user(client, cast, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    company = cast.customer_of_assistant1
    url = reverse("admin:customers_company_change", args=[company.pk])
    response = client.post(
        url,
        {
            "kind": "customer",
            "code": company.code,
            "name": "新名称有限公司",
            "name_en": company.name_en,
            "short_name": "",
            "region": "",
            "grade": "key",
            "owner": cast.sales2.pk,
            "currency": "CNY",
            "assignments-TOTAL_FORMS": "0",
            "assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = company.history.latest()
    assert latest.history_user == admin
    assert latest.name == "新名称有限公司"
    assert latest.owner == cast.sales2
    delta = latest.diff_against(latest.prev_record)
    assert {c.field for c in delta.changes} == {"name", "grade", "owner"}
    # and the history page shows it
    history = client.get(reverse("admin:customers_company_history", args=[company.pk]))
    assert history.status_code == 200
    assert "新名称有限公司" in history.content.decode() or "root" in history.content.decode()


def test_user_history_never_stores_the_password(cast):
    cast.sales1.set_password("another-one-2026")
    cast.sales1.save()
    fields = {f.name for f in cast.sales1.history.model._meta.fields}
    assert "password" not in fields


def test_admin_pages_load(client, cast, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    for name in [
        "admin:accounts_user_changelist",
        "admin:accounts_team_changelist",
        "admin:customers_company_changelist",
        "admin:core_jobrun_changelist",
    ]:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("admin:accounts_user_change", args=[cast.assistant2.pk])).status_code == 200
    assert Company.objects.count() == 6


# --- the "Change history" card (core/audit.py, templates/includes/history_card.html) -----------------------


def card_of(response) -> str:
    """The rendered card (empty when absent)."""
    page = response.content.decode()
    start = page.find('id="change-history-entries"')
    if start < 0:
        return ""
    end = page.find("</ul>\n</div>", start)  # the end of the card (or of the company's History tab)
    return page[start : end if end > 0 else None]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_card(client, cast, url: str, *, shown: list[str], hidden: list[str], missing: list[str], expect: list):
    """``shown`` see the card with every string of ``expect``; ``hidden`` see the page without it;
    ``missing`` get a 404 (outside their scope)."""
    for who in shown:
        client.force_login(getattr(cast, who))
        response = client.get(url)
        assert response.status_code == 200, who
        text = text_of(card_of(response))
        assert text, f"{who} should see the change history"
        for piece in expect:
            assert str(piece) in text, (who, piece, text)
    for who in hidden:
        client.force_login(getattr(cast, who))
        response = client.get(url)
        assert response.status_code == 200, who
        assert 'id="change-history-entries"' not in response.content.decode(), who
        assert response.context["audit_history"] is None
    for who in missing:
        client.force_login(getattr(cast, who))
        assert client.get(url).status_code == 404, who


def test_visibility_rule(cast):
    contract = make_contract(cast.sales1, cast.customer_shared)
    assert can_see_history(cast.gm, contract) and can_see_history(cast.manager1, contract)
    assert not can_see_history(cast.sales1, contract) and not can_see_history(cast.assistant2, contract)
    assert not can_see_history(cast.finance1, contract)
    payment = payment_record(
        actor=cast.finance1, customer=cast.customer_shared, amount=Decimal("10"), currency="CNY",
        received_on=date(2026, 1, 5),
    )  # fmt: skip
    assert can_see_history(cast.finance1, payment) and not can_see_history(cast.sales1, payment)


def test_contract_edit_through_the_view(client, cast):
    contract = make_contract(cast.sales1, cast.customer_shared, payment_terms="T/T 30 天")
    client.force_login(cast.sales1)
    data = {
        "salesperson": cast.sales1.pk, "customer": cast.customer_shared.pk, "currency": "CNY",
        "valid_from": "2026-01-01", "valid_until": "2026-12-31", "payment_terms": "T/T 60 天",
        "delivery_terms": contract.delivery_terms, "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-description": "面板灯", "lines-0-quantity": "10", "lines-0-unit": "pcs", "lines-0-unit_price": "85.50",
    }  # fmt: skip
    response = client.post(reverse("contracts:edit", args=[contract.pk]), data)
    assert response.status_code == 302, response.context and response.context.get("form").errors
    latest = contract.history.latest()
    assert latest.history_user == cast.sales1 and latest.payment_terms == "T/T 60 天"
    assert_card(
        client, cast, contract.get_absolute_url(),
        shown=["gm", "manager1"], hidden=["sales1", "assistant2"],
        missing=["manager2", "sales3"],
        expect=[cast.sales1, "payment terms", "T/T 30 天", "→", "T/T 60 天", "amount", "855"],
    )  # fmt: skip


def test_payment_confirmation_through_the_view(client, cast):
    payment = payment_record(
        actor=cast.sales1, customer=cast.customer_shared, amount=Decimal("2500.00"), currency="CNY",
        received_on=date(2026, 1, 5),
    )  # fmt: skip
    client.force_login(cast.finance1)
    assert client.post(reverse("receivables:payment-confirm", args=[payment.pk])).status_code == 302
    latest = payment.history.latest()
    assert latest.history_user == cast.finance1 and latest.status == Payment.Status.CONFIRMED
    assert_card(
        client, cast, payment.get_absolute_url(),
        shown=["gm", "manager1", "finance1"], hidden=["sales1", "assistant2"], missing=["manager2", "sales3"],
        expect=[cast.finance1, "status", "To confirm", "Confirmed", "confirmed by", "—"],
    )  # fmt: skip


def test_invoice_check_through_the_view(client, cast):
    invoice = make_invoice(cast, customer=cast.customer_shared, issued=False, maker=cast.sales1)
    client.force_login(cast.finance1)
    assert client.post(reverse("receivables:check", args=[invoice.pk])).status_code == 302
    latest = invoice.history.latest()
    assert latest.history_user == cast.finance1 and latest.checker_id == cast.finance1.pk
    assert_card(
        client, cast, invoice.get_absolute_url(),
        shown=["gm", "manager1", "finance1"], hidden=["sales1", "assistant2"], missing=["manager2", "sales3"],
        expect=[cast.finance1, "checked by", "Awaiting review", "Issued"],
    )  # fmt: skip


def test_claim_approval_through_the_view(client, cast):
    claim = make_claim(cast.sales1, submit=True)
    expense_services.claim_review(claim=claim, actor=cast.assistant2, receipts_ok=True, content_ok=True,
                                  amounts_ok=True)  # fmt: skip
    client.force_login(cast.manager1)
    response = client.post(
        reverse("expenses:action", args=[claim.pk, "approve"]), {"override_reason": "", "comment": ""}
    )
    assert response.status_code == 302
    latest = claim.history.latest()
    assert latest.history_user == cast.manager1 and latest.status == Claim.Status.APPROVED
    assert_card(
        client, cast, claim.get_absolute_url(),
        shown=["gm", "manager1"], hidden=["sales1", "assistant2", "finance1"], missing=["manager2", "sales3"],
        expect=[cast.manager1, "status", "Awaiting approval", "Approved, to pay", "approved by", "added line"],
    )  # fmt: skip


def test_shipment_check_through_the_view(client, cast):
    order = make_order(cast.sales1, cast.customer_shared, lines=[(make_product(), 10, "5.00")],
                       status=Order.Status.READY)  # fmt: skip
    line = order.lines.get()
    shipment = shipment_prepare(order=order, actor=cast.assistant1, shipped_on=timezone.localdate(), carrier="COSCO",
                                quantities={line.pk: Decimal("10")})  # fmt: skip
    client.force_login(cast.sales1)
    url = reverse("orders:shipment-check", args=[shipment.pk])
    assert client.post(url, {"action": "check", "comment": "数量核对无误"}).status_code == 302
    latest = shipment.history.latest()
    assert latest.history_user == cast.sales1 and latest.status == Shipment.Status.CHECKED
    assert_card(
        client, cast, shipment.get_absolute_url(),
        shown=["gm", "manager1"], hidden=["sales1", "assistant2"], missing=["manager2", "sales3"],
        expect=[cast.sales1, "checked by", "status"],
    )  # fmt: skip


def test_company_edit_through_the_view_shows_in_the_history_tab(client, cast):
    company = cast.customer_shared
    client.force_login(cast.sales1)
    data = {
        "kind": "customer", "code": company.code, "name": "新名称有限公司", "name_en": company.name_en,
        "grade": "key", "currency": "CNY", "follow_up_days": "30",
    }  # fmt: skip
    assert client.post(reverse("customers:edit", args=[company.pk]), data).status_code == 302
    assert company.history.latest().history_user == cast.sales1
    assert_card(
        client, cast, company.get_absolute_url(),
        shown=["gm", "manager1"], hidden=["sales1", "assistant2"], missing=["manager2", "sales3"],
        expect=[cast.sales1, "legal name", "T-SH 有限公司", "新名称有限公司", "grade"],
    )  # fmt: skip
    client.force_login(cast.sales1)
    assert 'data-bs-target="#history"' not in client.get(company.get_absolute_url()).content.decode()


def test_entries_show_labels_strings_and_empty_values(cast):
    payment = payment_record(
        actor=cast.finance1, customer=cast.customer_shared, amount=Decimal("2500.00"), currency="CNY",
        received_on=date(2026, 1, 5),
    )  # fmt: skip
    payment.status = Payment.Status.CONFIRMED
    payment.confirmed_by = cast.finance1
    payment.amount = Decimal("2600.00")
    payment._history_user = cast.gm
    payment.save()
    newest, created = history_entries(payment)
    assert created.action == "created" and not created.changes
    assert newest.action == "changed" and newest.user == cast.gm and not newest.unknown_before
    changes = {c.field: (c.old, c.new) for c in newest.changes}
    assert changes == {
        "amount": (Decimal("2500.00"), Decimal("2600.00")),
        "status": ("To confirm", "Confirmed"),
        "confirmed by": (None, str(cast.finance1)),
    }


def test_a_change_without_an_earlier_version_says_so(cast):
    contract = make_contract(cast.sales1, cast.customer_shared)
    contract.history.all().delete()  # as for the rows the demo seed bulk-creates
    contract.payment_terms = "T/T 90 天"
    contract.save()
    [entry] = history_entries(contract)
    assert entry.unknown_before and entry.changes == []


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def _grow(obj, n, users, field, values) -> None:
    for i in range(n):
        setattr(obj, field, values[i % len(values)])
        obj._history_user = users[i % len(users)]
        obj.save()


def _records(cast):
    contract = make_contract(cast.sales1, cast.customer_shared)
    invoice = make_invoice(cast, customer=cast.customer_shared)
    payment = payment_record(
        actor=cast.sales1, customer=cast.customer_shared, amount=Decimal("10"), currency="CNY",
        received_on=date(2026, 1, 5),
    )  # fmt: skip
    claim = make_claim(cast.sales1)
    order = make_order(cast.sales1, cast.customer_shared, lines=[(make_product(), 10, "5.00")],
                       status=Order.Status.READY)  # fmt: skip
    shipment = shipment_prepare(order=order, actor=cast.assistant1, shipped_on=timezone.localdate(), carrier="COSCO",
                                quantities={order.lines.get().pk: Decimal("10")})  # fmt: skip
    return {
        "contract": (contract, "maker", [cast.assistant1, cast.sales1]),
        "invoice": (invoice, "checker", [cast.manager1, cast.finance1]),
        "payment": (payment, "recorded_by", [cast.finance1, cast.sales1]),
        "claim": (claim, "purpose", ["拜访客户", "展会"]),
        "shipment": (shipment, "carrier", ["COSCO", "Maersk"]),
        "company": (cast.customer_shared, "grade", ["key", "normal"]),
    }


# Budgets for the detail pages with the card (30 history entries, manager1); the card adds a constant number.
# Measured (SQLite): contract 10, invoice 14, payment 8, claim 12, shipment 7, company 14 queries.
BUDGETS = {"contract": 11, "invoice": 15, "payment": 9, "claim": 13, "shipment": 8, "company": 15}


@pytest.mark.parametrize("name", list(BUDGETS))
def test_the_card_adds_a_constant_number_of_queries(client, cast, name, django_assert_max_num_queries):
    obj, field, values = _records(cast)[name]
    users = [cast.sales1, cast.assistant1, cast.manager1]
    client.force_login(cast.manager1)
    url = obj.get_absolute_url()
    _grow(obj, 3, users, field, values)
    client.get(url)  # warm the per-process caches (dunning policy, exchange rates)
    few = _query_count(client, url)
    _grow(obj, 30, users, field, values)
    many = _query_count(client, url)
    assert len(client.get(url).context["audit_history"]) == 30
    assert many == few, f"{name}: {few} queries with 3 changes, {many} with 30+"
    with django_assert_max_num_queries(BUDGETS[name]):
        client.get(url)


def test_history_entries_reads_in_two_queries_whatever_the_number_of_entries(cast, django_assert_num_queries):
    contract = make_contract(cast.sales1, cast.customer_shared)
    _grow(contract, 40, [cast.sales1, cast.assistant1], "maker", [cast.assistant1, cast.sales1])
    # the latest 31 versions with their users, then the makers named by the changes
    with django_assert_num_queries(2):
        entries = history_entries(contract, limit=30)
    assert len(entries) == 30
    assert all(entry.changes[0].field == "made by" for entry in entries)
    assert {entry.changes[0].new for entry in entries} == {str(cast.assistant1), str(cast.sales1)}


def test_a_claims_card_lists_its_lines_in_three_queries(cast, django_assert_num_queries):
    claim = make_claim(cast.sales1, lines=[{}, {"amount": Decimal("30.00")}])
    line = claim.lines.order_by("pk").last()
    line.amount = Decimal("35.00")
    line.save()
    claim.purpose = "展会"
    claim.save()
    # the claim's versions; the lines' versions; their previous versions (no foreign key changed)
    with django_assert_num_queries(3):
        entries = history_entries(claim, children=[(ClaimLine.history.filter(claim_id=claim.pk), lambda r: "L")])
    assert [(e.action, e.subject) for e in entries][:2] == [("changed", ""), ("changed", "L")]
    assert entries[1].changes[0].old == Decimal("30.00") and entries[1].changes[0].new == Decimal("35.00")
    assert [e.subject for e in entries].count("L") == 3  # two lines added, one changed
