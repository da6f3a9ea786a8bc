"""In the browser: a charged sample for a new customer, from the request to the order it brought.

assistant1 asks for a lower charge than the company rule gives, manager1 changes the terms,
assistant1 prepares the dispatch and cannot check it herself, sales1 checks it (double review)
and is emailed the tracking number; a week later assistant1 records the feedback and converts
the sample to an order.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from core.seed import DEMO_PASSWORD
from orders.models import Order
from samples.models import SampleRequest
from tests.browser.conftest import login, pick
from tests.orders.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username, DEMO_PASSWORD)
    page.wait_for_url("**/")


def test_charged_sample_for_a_new_customer_to_an_order(page, cast, screenshot):
    make_product(name="LED 面板灯 600x600", name_en="LED panel 600x600", list_price=Decimal("35.00"))
    assert not Order.objects.filter(customer=cast.customer_of_assistant1).exists()  # a new customer
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. assistant1 requests: first the salesperson, then customer, lines and a charge below the rule.
    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/samples/")
    screenshot(page, "samples-01-empty-list")
    page.locator("#new-sample").click()
    page.get_by_role("button", name="Next").click()
    page.wait_for_url(re.compile(r"/samples/new/\?salesperson=\d+"))
    pick(page, "id_customer", "T-A1", "T-A1")
    pick(page, "id_lines-0-product", "LED", "LED 面板灯")
    page.fill("#id_lines-0-quantity", "10")
    page.fill("#id_purpose", "首单前确认品质 Quality approval before the first order")
    page.select_option("#id_charge", "charged")
    page.fill("#id_amount", "200")
    page.select_option("#id_courier_fee", "collect")
    page.fill("#id_exception_reason", "Key prospect: half of the list value")
    screenshot(page, "samples-02-request-form")
    page.locator("#save-sample").click()
    page.wait_for_url(re.compile(r"/samples/\d+/$"))
    sample = SampleRequest.objects.get()
    assert sample.status == SampleRequest.Status.DECISION and sample.new_customer
    assert "Awaiting manager decision" in page.locator("h1").inner_text()
    assert page.locator("#submit-decision").count() == 0  # the assistant cannot decide
    screenshot(page, "samples-03-awaiting-decision")
    assert [m.to for m in mail.outbox] == [[cast.manager1.email]]

    # 2. manager1 finds it on the home queue and changes the terms.
    switch_user(page, "manager1")
    queue = page.locator("#queue-sample_decisions")
    assert sample.number in queue.inner_text()
    screenshot(page, "samples-04-manager-queue")
    queue.get_by_role("link").first.click()
    page.wait_for_url(f"**/samples/{sample.pk}/")
    page.locator("#id_decision_1").check()
    page.select_option("#id_charge", "charged")
    page.fill("#id_amount", "280")
    page.select_option("#id_courier_fee", "collect")
    page.fill("#id_comment", "80% of list value for a first sample")
    page.locator("#submit-decision").click()
    page.wait_for_url(f"**/samples/{sample.pk}/")
    assert "To dispatch" in page.locator("h1").inner_text()
    sample.refresh_from_db()
    assert (sample.charge, sample.amount, sample.decided_by) == ("charged", Decimal("280.00"), cast.manager1)
    screenshot(page, "samples-05-decided")

    # 3. assistant1 prepares the dispatch; she cannot check it herself.
    switch_user(page, "assistant1")
    page.goto(sample.get_absolute_url())
    page.locator("#prepare-dispatch").click()
    page.wait_for_url(f"**/samples/{sample.pk}/dispatch/")
    page.fill("#id_courier", "顺丰速运 SF Express")
    page.fill("#id_tracking_number", "SF1234567890")
    page.fill("#id_expected_arrival", (timezone.localdate() + timedelta(days=2)).isoformat())
    page.fill("#id_cost", "23")
    screenshot(page, "samples-06-dispatch-form")
    page.locator("#save").click()
    page.wait_for_url(f"**/samples/{sample.pk}/")
    assert "Dispatch awaiting check" in page.locator("h1").inner_text()
    assert page.locator("#check-dispatch").count() == 0
    assert page.locator("#withdraw-dispatch").is_visible()
    screenshot(page, "samples-07-prepared")

    # 4. sales1 (who sees customer_of_assistant1) checks it from the home queue.
    switch_user(page, "sales1")
    queue = page.locator("#queue-samples_to_send")
    assert sample.number in queue.inner_text()
    queue.get_by_role("link").first.click()
    page.wait_for_url(f"**/samples/{sample.pk}/")
    page.fill("#check-comment", "Parcel checked against the request")
    page.locator("#check-dispatch").click()
    page.wait_for_url(f"**/samples/{sample.pk}/")
    assert "Sent" in page.locator("h1").inner_text()
    sample.refresh_from_db()
    assert (sample.prepared_by, sample.checked_by) == (cast.assistant1, cast.sales1)
    dispatched = [m for m in mail.outbox if m.to == [cast.sales1.email] and "SF1234567890" in m.body]
    assert len(dispatched) == 1
    screenshot(page, "samples-08-sent")

    # 5. A week later (the dates moved back 8 days): the sample is on assistant1's follow-up queue.
    today = timezone.localdate()
    SampleRequest.objects.filter(pk=sample.pk).update(
        sent_on=today - timedelta(days=8), follow_up_on=today - timedelta(days=1)
    )
    switch_user(page, "assistant1")
    queue = page.locator("#queue-sample_feedback_due")
    assert sample.number in queue.inner_text()
    screenshot(page, "samples-09-feedback-queue")
    queue.get_by_role("link").first.click()
    page.wait_for_url(f"**/samples/{sample.pk}/feedback/")
    page.select_option("#id_likelihood", "high")
    page.fill("#id_opinion", "亮度和做工满意，要报 500 件 Happy with brightness and finish; wants 500 pieces")
    screenshot(page, "samples-10-feedback-form")
    page.locator("#save").click()
    page.wait_for_url(f"**/samples/{sample.pk}/")
    assert "Feedback received" in page.locator("h1").inner_text()

    # 6. Convert to order.
    page.locator("#convert-order").click()
    page.wait_for_url(f"**/samples/{sample.pk}/convert/")
    line = sample.lines.get()
    page.fill("#id_customer_po", "PO-LED-0500")
    page.fill(f"#id_qty_{line.pk}", "500")
    page.fill(f"#id_price_{line.pk}", "33.50")
    screenshot(page, "samples-11-convert-form")
    page.locator("#save").click()
    page.wait_for_url(f"**/samples/{sample.pk}/")
    sample.refresh_from_db()
    order = sample.order
    assert (order.customer, order.salesperson, order.customer_po, order.total) == (
        cast.customer_of_assistant1, cast.sales1, "PO-LED-0500", Decimal("16750.00"),
    )  # fmt: skip
    assert "Converted to order" in page.locator("h1").inner_text()
    assert order.number in page.locator("#resulting-order").inner_text()
    timeline = page.locator("#sample-timeline").inner_text()
    for what in ("requested the sample", "changed the terms", "prepared the dispatch", "checked and sent",
                 "recorded the customer's feedback", "converted the sample"):  # fmt: skip
        assert what in timeline, what
    screenshot(page, "samples-12-converted")
    page.goto("/samples/conversion/?by=customer")
    assert "100.0%" in page.locator("#conversion-table").inner_text()
    screenshot(page, "samples-13-conversion")
    assert errors == []
