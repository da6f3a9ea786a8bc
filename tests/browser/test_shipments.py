"""In the browser: double review (双人复核) — assistant1 prepares a shipment, cannot check it; assistant2 checks it."""

import re
from decimal import Decimal

import pytest

from core.seed import DEMO_PASSWORD
from orders.models import Order, OrderLine, Shipment
from tests.browser.conftest import login
from tests.orders.factories import make_order, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_one_assistant_prepares_another_checks(page, cast, screenshot):
    # customer_shared is assigned to both assistants of sales1, so both see the order.
    order = make_order(
        cast.sales1,
        cast.customer_shared,
        lines=[
            (make_product(name="LED 面板灯 600x600", name_en="LED panel 600x600"), 120, "35.00"),
            (make_product(name="驱动电源", name_en="Driver"), 120, "8.50"),
        ],
        status=Order.Status.READY,
    )
    first, second = OrderLine.objects.filter(order=order).order_by("pk")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None
        ),
    )
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(order.get_absolute_url())
    page.locator("#prepare-shipment").click()
    page.wait_for_url(f"**/orders/{order.pk}/shipments/new/")
    assert page.input_value(f"#id_qty_{first.pk}") == "120"
    page.fill("#id_carrier", "COSCO Shipping")
    page.fill("#id_tracking_number", "COSU6123456780")
    page.fill("#id_customs_declaration", "223320260001234567")
    page.fill(f"#id_qty_{first.pk}", "150")
    page.get_by_role("button", name="Prepare shipment").click()
    # Too much: the error is next to the row and nothing is saved.
    assert (
        page.locator(f"#id_qty_{first.pk}-error").inner_text() == "Only 120 pieces of this line are still open to ship."
    )
    assert page.input_value("#id_carrier") == "COSCO Shipping"
    assert not Shipment.objects.exists()
    screenshot(page, "shipment-form-error")
    page.fill(f"#id_qty_{first.pk}", "100")
    page.fill(f"#id_qty_{second.pk}", "0")
    page.get_by_role("button", name="Prepare shipment").click()

    page.wait_for_url(re.compile(r"/orders/shipments/\d+/$"))
    shipment = Shipment.objects.get()
    assert page.locator("h1").inner_text().startswith(f"Shipment {shipment.number}")
    assert "Awaiting check" in page.locator("h1").inner_text()
    assert page.locator("#preparer-notice").is_visible()
    assert page.get_by_role("button", name="Check and confirm").count() == 0
    assert page.get_by_role("button", name="Cancel shipment").is_visible()
    screenshot(page, "shipment-detail-before-check")

    page.context.clear_cookies()
    login(page, "assistant2", DEMO_PASSWORD)
    page.wait_for_url("**/")
    queue = page.locator("#queue-shipments_to_check")
    assert shipment.number in queue.inner_text()
    screenshot(page, "shipment-home-queue")
    queue.get_by_role("link").first.click()
    page.wait_for_url(f"**/orders/shipments/{shipment.pk}/")
    assert page.get_by_role("button", name="Cancel shipment").count() == 0
    page.fill("#id_comment", "Container sealed, seal no. 889231")
    page.get_by_role("button", name="Check and confirm").click()

    page.wait_for_url(f"**/orders/shipments/{shipment.pk}/")
    assert page.get_by_text(
        f"Shipment {shipment.number} checked: order {order.number} is now partly shipped."
    ).is_visible()
    assert "Checked" in page.locator("h1").inner_text()
    assert str(cast.assistant2) in page.locator("#double-review [data-step=checked]").inner_text()
    assert page.locator("#shipment-timeline > li").count() == 2
    assert "seal no. 889231" in page.locator("#shipment-timeline").inner_text()
    assert page.locator("#shipment-actions button").count() == 0
    screenshot(page, "shipment-detail-after-check")

    shipment.refresh_from_db()
    order.refresh_from_db()
    first.refresh_from_db()
    assert shipment.status == Shipment.Status.CHECKED and shipment.checked_by == cast.assistant2
    assert first.shipped_quantity == Decimal("100")
    assert order.status == Order.Status.PARTLY_SHIPPED

    page.get_by_role("link", name=order.number).first.click()
    page.wait_for_url(f"**/orders/{order.pk}/")
    panel = page.locator("#shipments-panel")
    assert shipment.number in panel.inner_text() and "Checked" in panel.inner_text()
    screenshot(page, "shipment-order-panel")

    page.goto("/orders/shipments/")
    assert shipment.number in page.locator("#shipment-rows").inner_text()
    screenshot(page, "shipment-list")
    assert errors == []
