"""In the browser: an assistant plans milestones (one late), records a failed QC check and the abnormal
order it leads to, then reads the monthly abnormal-order statistics."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.seed import DEMO_PASSWORD
from orders.models import AbnormalOrder, Order, QualityCheck
from tests.browser.conftest import login
from tests.orders.factories import make_order, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assistant_follows_production_and_records_an_abnormal_order(page, cast, screenshot):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None
        ),
    )
    product = make_product(name="不锈钢保温杯", name_en="Steel vacuum flask", specification="500ml 304")
    order = make_order(
        cast.sales1,
        cast.customer_of_assistant1,
        lines=[(product, Decimal("1200"), Decimal("23.45"))],
        status=Order.Status.CONFIRMED,
        currency="USD",
        customer_po="PO-FLASK-01",
    )
    today = timezone.localdate()

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(order.get_absolute_url())
    page.click("#edit-milestones")
    page.wait_for_url("**/milestones/")
    page.fill("#id_materials_ordered_planned", day(-10))
    page.fill("#id_materials_ordered_actual", day(-9))
    page.fill("#id_materials_ordered_note", "面料已下单 / fabric ordered")
    page.fill("#id_materials_arrived_planned", day(-2))
    page.fill("#id_materials_arrived_note", "dye house running late")
    page.fill("#id_production_started_planned", day(3))
    page.fill("#id_qc_planned", day(12))
    page.fill("#id_packed_planned", day(15))
    screenshot(page, "milestone-form")
    page.get_by_role("button", name="Save milestones").click()
    page.wait_for_url(f"**/orders/{order.pk}/**")
    assert page.get_by_text(f"Milestones of order {order.number} saved.").is_visible()
    assert page.locator("#milestones .late-badge").inner_text().replace("\xa0", " ") == "2 days late"
    assert order.milestones.count() == 5

    page.click("#record-qc")
    page.wait_for_url("**/qc/new/")
    for item in QualityCheck.ITEMS:
        if item != "colour_right":
            page.check(f"#id_{item}")
    page.fill("#id_note", "第二批颜色偏深 / second batch darker than the approved swatch")
    screenshot(page, "qc-form")
    page.get_by_role("button", name="Record quality check").click()
    page.wait_for_url("**/abnormal/new/?kind=quality&qc=*")
    assert page.input_value("#id_kind") == "quality"
    assert "colour right" in page.input_value("#id_cause")
    assert page.input_value("#id_currency") == "USD"
    page.fill("#id_action", "Factory re-dyes the second batch; air freight at our cost")
    page.fill("#id_cost", "860.40")
    screenshot(page, "abnormal-form")
    page.get_by_role("button", name="Record abnormal order").click()
    page.wait_for_url(f"**/orders/{order.pk}/**")
    assert page.get_by_text(f"Abnormal order of {order.number} recorded.").is_visible()
    record = AbnormalOrder.objects.get()
    assert record.kind == "quality" and record.cost == Decimal("860.40") and record.reported_by == cast.assistant1
    assert "Failed" in page.locator("#quality-checks").inner_text()
    assert "USD" in page.locator("#abnormalities").inner_text()
    page.evaluate("window.scrollTo(0, 0)")  # the redirect lands on #production; a full-page shot wants the top
    screenshot(page, "order-production-panel")

    page.goto("/orders/abnormal/statistics/")
    page.wait_for_selector("canvas[data-chart]")
    page.wait_for_function("() => !!document.querySelector('canvas[data-chart]').backdeskChart")  # drawn by charts.js
    assert page.locator("[data-kpi=month]").inner_text() == "1"
    assert "USD 860.40" in page.locator("[data-kpi=cost-month]").inner_text().replace("\xa0", " ")
    assert "T-A1" in page.locator("#by-customer").inner_text()
    screenshot(page, "abnormal-statistics")

    page.goto("/")
    assert order.number in page.locator("#queue-late_milestones").inner_text()
    screenshot(page, "home-late-milestones")

    page.goto("/orders/abnormal/")
    assert order.number in page.locator("#abnormal-table").inner_text()
    screenshot(page, "abnormal-list")
    assert errors == []
