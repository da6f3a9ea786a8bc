"""In the browser: assistant1 sees that sales1's weekly report is missing; sales1 writes and submits it
with two opportunities; the missing list clears; manager1 reads the funnel."""

from decimal import Decimal

import pytest
from django.utils import timezone

from core.seed import DEMO_PASSWORD
from reports.models import WeeklyReport, last_due_week, week_label
from tests.browser.conftest import login, pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_errors(page) -> list:
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None
        ),
    )
    return errors


def test_weekly_report_missing_written_submitted_and_in_the_funnel(page, cast, screenshot):
    errors = watch_errors(page)
    week = last_due_week(timezone.now())
    label = week_label(week)

    # assistant1 (serves sales1): sales1 has not submitted the week that is due.
    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    assert str(cast.sales1) in page.locator("#queue-weekly_reports_missing").inner_text()
    page.goto("/reports/")
    missing = page.locator("#missing-reports")
    assert label in missing.inner_text() and str(cast.sales1) in missing.inner_text()
    screenshot(page, "reports-assistant1-missing")
    page.context.clear_cookies()

    # sales1 writes the report with two opportunities and submits it.
    login(page, "sales1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/reports/")
    page.click("#report-create")
    page.wait_for_selector("#report-form")
    page.fill("#id_week", label)
    page.fill("#id_visit_count", "5")
    page.fill("#id_visits", "拜访客户五家，其中两家为重点客户。")
    page.fill("#id_orders", "新签订单一笔。")
    page.fill("#id_problems", "交期偏长。")
    page.fill("#id_next_week_plan", "跟进报价，寄送样品。")
    page.click("#add-opportunity")
    pick(page, "id_opp-0-customer", "T-A1", "T-A1")
    page.fill("#id_opp-0-description", "年度框架协议")
    page.select_option("#id_opp-0-stage", "negotiation")
    page.fill("#id_opp-0-amount", "120000")
    page.fill("#id_opp-0-probability", "60")
    page.click("#add-opportunity")
    pick(page, "id_opp-1-customer", "T-SH", "T-SH")
    page.fill("#id_opp-1-description", "新品试产")
    page.select_option("#id_opp-1-stage", "proposal")
    page.fill("#id_opp-1-amount", "8000")
    page.select_option("#id_opp-1-currency", "USD")
    page.fill("#id_opp-1-probability", "40")
    screenshot(page, "reports-sales1-form")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector("#report-submit")
    assert page.locator("#opportunity-list tbody tr").count() == 2
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#report-submit")
    page.wait_for_selector(".alert")
    report = WeeklyReport.objects.get()
    assert report.is_submitted and report.week == week and report.opportunities.count() == 2
    assert "Submitted" in page.locator("h1").inner_text()
    screenshot(page, "reports-sales1-submitted")
    page.context.clear_cookies()

    # assistant1: nobody missing now.
    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/reports/")
    assert "Everyone has submitted" in page.locator("#missing-reports").inner_text()
    page.context.clear_cookies()

    # manager1: the funnel, per stage and per salesperson, with weighted amounts.
    login(page, "manager1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/reports/funnel/")
    stages = page.locator("#funnel-stages").inner_text()
    assert "72,000.00" in stages  # 120,000 × 60 %
    assert "3,200.00" in stages  # 8,000 USD × 40 %
    assert str(cast.sales1) in page.locator("#funnel-salespersons").inner_text()
    screenshot(page, "reports-manager1-funnel")
    with page.expect_download() as download:
        page.click("#funnel-export")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert Decimal("120000") == report.opportunities.get(stage="negotiation").amount
    assert errors == []
