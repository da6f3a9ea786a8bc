"""In the browser: an expense claim from filing to payment.

sales1 files a travel claim against an approved trip with two receipts (a PNG hotel bill and a
PDF dinner receipt linked to a customer), tries a line without a receipt number first (the form
says why and keeps what was typed), submits; assistant1 reviews with the checklist; manager1
approves; finance1 marks it paid. Every step is on the timeline.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.seed import DEMO_PASSWORD
from expenses.models import Claim
from tests.browser.conftest import login, pick
from tests.expenses.factories import PDF_BYTES, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username, DEMO_PASSWORD)
    page.wait_for_url("**/")


def add_line(page, *, day, category, amount, description, number, issuer, file=None):
    page.fill("#id_date", day.isoformat())
    page.select_option("#id_category", category)
    page.fill("#id_amount", amount)
    page.fill("#id_description", description)
    page.fill("#id_receipt_number", number)
    page.fill("#id_receipt_issuer", issuer)
    if file:
        page.set_input_files("#id_receipt_file", files=[file])


def test_claim_with_two_receipts_reviewed_approved_and_paid(page, cast, screenshot):
    from travel.models import Trip

    today = timezone.localdate()
    trip = Trip.objects.create(
        number="TR-2026-00077", traveller=cast.sales1, created_by=cast.sales1, purpose="拜访苏州客户",
        destination="苏州 Suzhou", start_on=today - timedelta(days=4), end_on=today - timedelta(days=2),
        status=Trip.Status.DONE,
    )  # fmt: skip
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. sales1 files the claim against the trip.
    login(page, "sales1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/expenses/")
    screenshot(page, "expenses-01-empty-list")
    page.locator("#new-claim").click()
    page.select_option("#id_kind", "travel")
    page.fill("#id_purpose", "苏州客户拜访 Customer visits in Suzhou")
    page.select_option("#id_trip", str(trip.pk))
    page.locator("#save-claim").click()
    page.wait_for_url(re.compile(r"/expenses/\d+/"))
    claim = Claim.objects.get()
    assert claim.trip == trip and claim.status == Claim.Status.DRAFT

    # A hotel line without its receipt number: refused with the reason, the typed values stay.
    add_line(page, day=today - timedelta(days=3), category="hotel", amount="456.78",
             description="两晚 Jinjiang Inn", number="", issuer="锦江之星旅馆有限公司")  # fmt: skip
    page.locator("#add-line-button").click()
    page.wait_for_load_state()
    assert "receipt (invoice) number" in page.locator("#add-line").inner_text()
    assert page.input_value("#id_description") == "两晚 Jinjiang Inn"
    assert page.input_value("#id_amount") == "456.78"
    screenshot(page, "expenses-02-line-error")
    page.fill("#id_receipt_number", "0455 1234")
    page.set_input_files(
        "#id_receipt_file", files=[{"name": "hotel.png", "mimeType": "image/png", "buffer": png_bytes(40, 20)}]
    )
    page.locator("#add-line-button").click()
    page.wait_for_selector("#claim-lines tbody tr >> text=0455 1234")

    add_line(page, day=today - timedelta(days=2), category="meals", amount="312.50",
             description="客户晚餐 Dinner with the buyer", number="FP-88120", issuer="苏州松鹤楼餐饮有限公司",
             file={"name": "dinner.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})  # fmt: skip
    pick(page, "id_customer", "T-A1", "T-A1")
    page.locator("#add-line-button").click()
    page.wait_for_selector("#claim-lines tbody tr >> text=FP-88120")
    assert "769.28" in page.locator("[data-total=CNY]").inner_text()
    assert page.locator(".receipt-link").count() == 2
    screenshot(page, "expenses-03-draft-with-two-receipts")
    page.locator("#submit-claim").click()
    page.wait_for_selector(".alert-success")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert claim.lines.get(receipt_number="FP-88120").customer == cast.customer_of_assistant1
    assert any(m.to == ["assistant1@backdesk.example"] for m in mail.outbox)

    # 2. assistant1 finds it on her queue and reviews it with the checklist.
    switch_user(page, "assistant1")
    page.locator("#queue-claims_to_review").get_by_text(claim.number).click()
    page.wait_for_url(re.compile(r"/expenses/\d+/"))
    with page.expect_popup() as popup:
        page.locator(".receipt-link").first.click()
    assert popup.value.url.endswith("/receipt/")
    popup.value.close()
    page.check("#id_receipts_ok")
    page.check("#id_content_ok")
    page.check("#id_amounts_ok")
    page.fill("#id_review_comment", "票据齐全，金额无误")
    screenshot(page, "expenses-04-first-review")
    page.locator("#pass-review").click()
    page.wait_for_selector(".alert-success")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEWED and claim.reviewed_by == cast.assistant1

    # 3. manager1 approves.
    switch_user(page, "manager1")
    page.locator("#queue-claims_to_approve").get_by_text(claim.number).click()
    page.wait_for_url(re.compile(r"/expenses/\d+/"))
    screenshot(page, "expenses-05-approval")
    page.locator("#approve-claim").click()
    page.wait_for_selector(".alert-success")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED

    # 4. finance1 marks it paid.
    switch_user(page, "finance1")
    page.locator("#queue-claims_to_pay").get_by_text(claim.number).click()
    page.wait_for_url(re.compile(r"/expenses/\d+/"))
    page.fill("#id_reference", "ICBC-20261124-01")
    screenshot(page, "expenses-06-payment")
    page.locator("#pay-claim").click()
    page.wait_for_selector(".alert-success")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PAID and claim.paid_by == cast.finance1
    timeline = page.locator("#claim-timeline").inner_text()
    for who in ("Wang Qiang", "Zhao Min", "Li Na", "Wu Fang"):
        assert who in timeline
    screenshot(page, "expenses-07-paid")

    # sales1 sees it paid in the list.
    switch_user(page, "sales1")
    page.goto("/expenses/")
    assert "Paid" in page.locator("#claim-table").inner_text()
    screenshot(page, "expenses-08-list")
    assert errors == []


def test_budgets_and_advances_pages(page, cast, screenshot):
    from decimal import Decimal

    from expenses import services
    from expenses.models import Budget
    from tests.expenses.factories import make_claim

    year = timezone.localdate().year
    day = timezone.localdate() - timedelta(days=1)
    if day.year != year:  # the first of January: the claims count against last year
        year = day.year
    Budget.objects.create(salesperson=cast.sales1, year=year, amount=Decimal("1000.00"))
    Budget.objects.create(salesperson=cast.sales2, year=year, category="meals", amount=Decimal("200.00"))
    Budget.objects.create(team=cast.sales1.team, year=year, amount=Decimal("10000.00"))
    make_claim(cast.sales1, lines=[{"amount": Decimal("850.00")}], submit=True)
    make_claim(cast.sales2, lines=[{"amount": Decimal("210.00")}], submit=True)
    advance = services.advance_request(actor=cast.sales1, person=cast.sales1, purpose="广交会 Canton Fair",
                                       amount=Decimal("3000.00"), currency="CNY")  # fmt: skip
    services.advance_approve(advance=advance, actor=cast.manager1)
    services.advance_pay(advance=advance, actor=cast.finance1)
    login(page, "manager1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/expenses/budgets/?year={year}")
    assert page.locator("#person-budgets tr[data-level=warning]").count() == 1
    assert page.locator("#person-budgets tr[data-level=over]").count() == 1
    screenshot(page, "expenses-09-budgets")
    page.goto("/expenses/advances/")
    assert "3,000.00" in page.locator("#outstanding").inner_text()
    screenshot(page, "expenses-10-advances")
