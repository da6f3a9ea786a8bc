"""In the browser: finance1 records a payment, allocates it across two invoices, and the aging page changes."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.seed import DEMO_PASSWORD
from receivables.models import Allocation, Invoice, Payment
from tests.browser.conftest import login, pick
from tests.receivables.factories import make_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_records_and_allocates_a_payment_and_aging_changes(page, cast, screenshot):
    today = timezone.localdate()
    first = make_invoice(
        cast, amount=Decimal("1200.00"), due_on=today - timedelta(days=40), invoice_date=today - timedelta(days=70)
    )
    second = make_invoice(
        cast, amount=Decimal("800.00"), due_on=today - timedelta(days=10), invoice_date=today - timedelta(days=40)
    )
    make_invoice(
        cast, amount=Decimal("500.00"), due_on=today + timedelta(days=20), invoice_date=today - timedelta(days=10)
    )
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, "finance1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/receivables/aging/")
    assert page.locator("#aging-total").inner_text().replace("\xa0", " ") == "CNY 2,500.00"
    assert page.locator("#bucket-d60").inner_text().replace("\xa0", " ") == "CNY 1,200.00"
    screenshot(page, "receivables-aging-before")

    page.goto("/receivables/payments/new/")
    pick(page, "id_customer", "T-A1", "T-A1")
    page.fill("#id_amount", "1500.00")
    page.fill("#id_bank_reference", "CMB 20261125-0042")
    page.select_option("#id_method", "tt")
    page.locator("#save-payment").click()
    page.wait_for_url(re.compile(r"/receivables/payments/\d+/$"))
    payment = Payment.objects.get()
    assert (payment.amount, payment.bank_reference, payment.recorded_by) == (
        Decimal("1500.00"),
        "CMB 20261125-0042",
        cast.finance1,
    )
    screenshot(page, "receivables-payment-recorded")

    # too much on one invoice: refused, nothing allocated
    page.fill(f"#alloc_{first.pk}", "1300")
    page.evaluate(f"document.getElementById('alloc_{first.pk}').removeAttribute('max')")
    page.locator("#allocate-submit").click()
    page.wait_for_load_state("networkidle")
    assert "Only" in page.locator(".alert-danger, .alert-error, .alert").first.inner_text()
    assert not Allocation.objects.exists()

    page.fill(f"#alloc_{first.pk}", "1200")
    page.fill(f"#alloc_{second.pk}", "300")
    page.locator("#allocate-submit").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#payment-allocated").inner_text().replace("\xa0", " ") == "CNY 1,500.00"
    assert Invoice.objects.with_open().get(pk=first.pk).open_amount == 0
    assert Invoice.objects.with_open().get(pk=second.pk).open_amount == Decimal("500.00")
    page.locator("#confirm-payment").click()
    page.wait_for_load_state("networkidle")
    assert Payment.objects.get().status == Payment.Status.CONFIRMED
    screenshot(page, "receivables-payment-allocated")

    page.goto("/receivables/aging/")
    assert page.locator("#aging-total").inner_text().replace("\xa0", " ") == "CNY 1,000.00"
    assert page.locator("#bucket-d60").inner_text().replace("\xa0", " ") == "CNY 0.00"
    assert page.locator("#bucket-d30").inner_text().replace("\xa0", " ") == "CNY 500.00"
    screenshot(page, "receivables-aging-after")

    page.goto(first.get_absolute_url())
    assert page.locator("#invoice-open").inner_text().replace("\xa0", " ") == "CNY 0.00"
    screenshot(page, "receivables-invoice-paid")
    assert errors == []
