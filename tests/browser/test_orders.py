"""In the browser: an assistant files a customer's order for their salesperson in two steps, sees the
intake differences, acknowledges them and confirms the order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.seed import DEMO_PASSWORD
from orders.models import Order
from tests.browser.conftest import login, pick
from tests.orders.factories import make_order, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assistant_files_acknowledges_and_confirms_an_order(page, cast, screenshot):
    make_product(sku="LED-PNL-0100", name="LED 面板灯", name_en="LED panel light", list_price=Decimal("85.00"))
    hinge = make_product(
        sku="HNG-SS-0109", name="不锈钢合页", name_en="Stainless steel hinge", list_price=Decimal("6.80")
    )
    customer = cast.customer_of_assistant1
    make_order(cast.sales1, cast.customer_shared, lines=[(hinge, 500, Decimal("6.80"))], status=Order.Status.SHIPPED)
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
    page.goto("/orders/")
    page.click("#new-order")
    # Step 1: whom the order is for (assistant1 serves sales1 only).
    page.wait_for_selector("#salesperson-step")
    assert page.locator("#id_salesperson option").all_inner_texts() == [f"{cast.sales1} (sales1)"]
    page.get_by_role("button", name="Next").click()

    # Step 2: the customer picker offers sales1's customers assigned to assistant1.
    page.wait_for_selector("#order-form")
    assert page.locator("#order-salesperson").inner_text() == str(cast.sales1)
    page.click("#id_customer-ts-control")
    page.wait_for_selector("#id_customer-ts-dropdown .option")
    offered = page.locator("#id_customer-ts-dropdown .option").all_inner_texts()
    assert any("T-A1" in text for text in offered) and not any("T-A2" in text or "T-UN" in text for text in offered)
    pick(page, "id_customer", "T-A1", "T-A1")
    page.fill("#id_customer_po", "4500012345")
    page.fill("#id_confirmed_delivery", (timezone.localdate() + timedelta(days=45)).isoformat())
    page.select_option("#id_incoterm", "FOB")

    pick(page, "id_lines-0-product", "LED-PNL", "LED-PNL-0100")
    # the list price is filled in by the page (asynchronously: wait for it)
    expect(page.locator("#id_lines-0-unit_price")).to_have_value("85.00")  # no eval: the page's CSP refuses it
    page.fill("#id_lines-0-quantity", "200")
    page.fill("#id_lines-0-unit_price", "82.50")  # a negotiated price: flagged
    page.click("[data-add-line]")
    pick(page, "id_lines-1-product", "HNG", "HNG-SS-0109")
    expect(page.locator("#id_lines-1-unit_price")).not_to_have_value("")
    page.fill("#id_lines-1-quantity", "1000")
    page.click("#save-order")

    page.wait_for_selector("#intake-flags")
    order = Order.objects.get(customer_po="4500012345")
    assert (order.salesperson, order.maker, order.customer) == (cast.sales1, cast.assistant1, customer)
    assert order.total == Decimal("23300.00")
    assert page.locator("#intake-flags [data-flag=price]").count() == 1
    assert "82.50" in page.locator("#intake-flags").inner_text()
    assert page.locator("[data-transition=confirmed]").is_disabled()

    page.click("#acknowledge-flags")
    page.wait_for_selector("text=can now be confirmed")
    page.locator("[data-transition=confirmed]").click()
    page.wait_for_selector(f"text=Order {order.number} is now confirmed.")
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED and order.flags_acknowledged_by == cast.assistant1
    assert page.locator("#order-timeline > li").count() == 3
    assert page.locator("[data-transition=in_production]").is_visible()
    screenshot(page, "order-detail")

    page.goto("/orders/")
    page.wait_for_selector("#order-table")
    assert page.locator("#order-table tbody tr").count() == 2
    page.fill("#id_q", "4500012345")
    expect(page.locator("#order-table tbody tr")).to_have_count(1)
    page.fill("#id_q", "")
    expect(page.locator("#order-table tbody tr")).to_have_count(2)
    screenshot(page, "order-list")
    assert not errors, errors
