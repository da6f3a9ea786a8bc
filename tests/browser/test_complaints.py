"""In the browser: an assistant records a customer's complaint, closes it, and reads the month's analysis."""

import re

import pytest
from django.utils import timezone

from core.seed import DEMO_PASSWORD
from customers.models import Complaint
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assistant_records_closes_and_analyses_a_complaint(page, cast, screenshot):
    customer = cast.customer_of_assistant1
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None
        ),
    )

    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(customer.get_absolute_url())
    page.get_by_role("link", name="Record complaint").first.click()
    page.wait_for_url("**/customers/complaints/new/**")
    assert page.input_value("#id_company") == str(customer.pk)  # preselected from the company page
    page.select_option("#id_channel", "email")
    page.select_option("#id_category", "quality")
    page.select_option("#id_severity", "high")
    page.fill("#id_product", "LED 面板灯 600x600")
    page.fill("#id_description", "二十块面板在安装两小时后闪烁 / 20 panels flicker after two hours")
    page.select_option("#id_handler", str(cast.assistant1.pk))
    page.get_by_role("button", name="Record complaint").click()

    page.wait_for_url(re.compile(r"/customers/complaints/\d+/$"))
    complaint = Complaint.objects.get()
    assert page.locator("h1").inner_text().startswith(f"Complaint #{complaint.pk}")
    assert page.get_by_text(f"Complaint #{complaint.pk} from").is_visible()

    page.get_by_role("link", name="Close", exact=True).click()
    page.wait_for_url("**/edit/?status=closed")
    assert page.input_value("#id_status") == "closed"
    page.fill("#id_resolution", "Replaced the 20 panels and credited the freight.")
    page.get_by_role("button", name="Save changes").click()

    page.wait_for_url(f"**/customers/complaints/{complaint.pk}/")
    assert page.get_by_text(f"Complaint #{complaint.pk} is now closed.").is_visible()
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.closed_on == timezone.localdate()
    assert page.locator("#complaint-timeline > li").count() == 2
    assert page.get_by_role("link", name="Reopen").is_visible()
    screenshot(page, "complaint-detail")

    page.get_by_role("link", name="Analysis of that month").click()
    page.wait_for_selector("canvas[data-chart]")
    page.wait_for_function("() => !!document.querySelector('canvas[data-chart]').backdeskChart")  # drawn by charts.js
    assert page.locator("[data-kpi=received]").inner_text() == "1"
    assert page.locator("[data-kpi=closed]").inner_text() == "1"
    assert "Quality" in page.locator("#by-category tbody tr").first.inner_text()
    screenshot(page, "complaint-analysis")
    assert errors == []
