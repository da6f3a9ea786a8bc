"""The whole path of issue 4 in the browser, as assistant1 with assistant2 as the second pair
of eyes: quotation → accepted → order → price difference acknowledged → confirmed →
milestones → in production → ready → shipment prepared → checked by another user → shipped."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.seed import DEMO_PASSWORD
from orders.models import Order, Shipment
from tests.browser.conftest import login, pick
from tests.orders.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quotation_to_shipped_order(page, cast, screenshot):
    make_product(sku="LED-PNL-0100", name="LED 面板灯", name_en="LED panel light", list_price=Decimal("85.00"))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())
    today = timezone.localdate()

    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    # 1. quotation for sales1's customer shared by assistant1 and assistant2
    page.goto("/orders/quotations/new/")
    pick(page, "id_customer", "T-SH", "T-SH")
    pick(page, "id_lines-0-product", "LED", "LED-PNL-0100")
    page.fill("#id_lines-0-quantity", "200")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/orders/quotations/\d+/$"))
    page.get_by_role("button", name="Mark as sent").click()
    page.wait_for_selector("text=is marked as sent")
    page.get_by_role("button", name="Accepted").click()
    page.wait_for_selector("text=was accepted")
    # 2. one click to an order
    page.fill("#id_customer_po", "PO-E2E-1")
    page.get_by_role("button", name="Make order").click()
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    order = Order.objects.get()
    assert order.status == Order.Status.RECEIVED and order.quotation is not None
    # 3. the customer's PO came with a lower price: edit it, the intake check flags it
    page.goto(f"/orders/{order.pk}/edit/")
    page.fill("#id_confirmed_delivery", (today + timedelta(days=40)).isoformat())
    page.fill("#id_lines-0-unit_price", "82.50")
    page.click("#save-order")
    page.wait_for_selector("#intake-flags [data-flag=price]")
    assert page.locator("[data-transition=confirmed]").is_disabled()
    page.click("#acknowledge-flags")
    page.wait_for_selector("text=can now be confirmed")
    page.locator("[data-transition=confirmed]").click()
    page.wait_for_selector(f"text=Order {order.number} is now confirmed.")
    # 4. production: milestones, then in production and ready
    page.locator("[data-transition=in_production]").click()
    page.wait_for_selector(f"text=Order {order.number} is now in production.")
    page.click("#edit-milestones")
    page.wait_for_url("**/milestones/")
    for kind, offset in [
        ("materials_ordered", -8),
        ("materials_arrived", -5),
        ("production_started", -3),
        ("qc", -2),
        ("packed", -1),
    ]:
        page.fill(f"#id_{kind}_planned", (today + timedelta(days=offset)).isoformat())
        page.fill(f"#id_{kind}_actual", (today + timedelta(days=offset)).isoformat())
    page.get_by_role("button", name="Save milestones").click()
    page.wait_for_selector(f"text=Milestones of order {order.number} saved.")
    page.goto(order.get_absolute_url())
    page.locator("[data-transition=ready]").click()
    page.wait_for_selector(f"text=Order {order.number} is now ready to ship.")
    # 5. shipment prepared by assistant1, who cannot check it
    page.locator("#prepare-shipment").click()
    page.fill("#id_carrier", "COSCO Shipping")
    page.fill("#id_tracking_number", "COSU6000000001")
    page.get_by_role("button", name="Prepare shipment").click()
    page.wait_for_url(re.compile(r"/orders/shipments/\d+/$"))
    assert page.get_by_role("button", name="Check and confirm").count() == 0
    shipment = Shipment.objects.get()
    # 6. assistant2 checks it: the order is shipped
    page.context.clear_cookies()
    login(page, "assistant2", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(shipment.get_absolute_url())
    page.get_by_role("button", name="Check and confirm").click()
    page.wait_for_selector("text=is now shipped")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    page.goto(order.get_absolute_url())
    timeline = page.locator("#order-timeline").inner_text()
    for status in ["Confirmed", "In production", "Ready to ship", "Shipped"]:
        assert status in timeline
    screenshot(page, "order-path-shipped")
    assert errors == []
