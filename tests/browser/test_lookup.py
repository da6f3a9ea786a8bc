"""The type-ahead picker (Backdesk.lookup in static/js/backdesk.js) in a real browser.

A lookup answer that lands after the user has left the picker must not pull focus back:
Tom Select's open() focuses its control, so the next keys typed (a quantity) went into the
picker. This was the intermittent loss of a typed quantity in the order and quotation tests.
"""

from decimal import Decimal

import pytest

from core.seed import DEMO_PASSWORD
from tests.browser.conftest import login, pick
from tests.orders.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLOW_LOOKUPS = """
() => {
  const original = window.fetch;
  window.lookupDelay = 0;
  window.fetch = (...args) =>
    new Promise((resolve) => setTimeout(resolve, window.lookupDelay)).then(() => original(...args));
}
"""


def test_late_lookup_answer_does_not_take_the_focus_back(page, cast):
    make_product(sku="LED-PNL-0100", name="LED 面板灯", name_en="LED panel light", list_price=Decimal("85.00"))
    make_product(
        sku="LED-PNL-0200", name="LED 面板灯 大", name_en="LED panel light, large", list_price=Decimal("95.00")
    )
    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/orders/quotations/new/")
    page.evaluate(SLOW_LOOKUPS)
    pick(page, "id_lines-0-product", "LED", "LED-PNL-0100")

    # The user types a new search, then moves on before its answer arrives.
    page.evaluate("window.lookupDelay = 1500")
    control = page.locator("#id_lines-0-product-ts-control")
    control.click()
    control.fill("LED-PNL-02")
    page.locator("#id_lines-0-quantity").click()
    page.wait_for_timeout(2500)  # the answer has landed

    assert page.evaluate("document.activeElement.id") == "id_lines-0-quantity"
    page.keyboard.type("200")
    assert page.input_value("#id_lines-0-quantity") == "200"
    assert page.locator("#id_lines-0-product-ts-dropdown").is_hidden()


def test_picker_still_opens_and_picks_when_focused(page, cast):
    make_product(sku="HNG-SS-0109", name="不锈钢铰链", name_en="Stainless hinge", list_price=Decimal("3.20"))
    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/orders/quotations/new/")
    page.evaluate(SLOW_LOOKUPS)
    page.evaluate("window.lookupDelay = 800")  # a slow answer while the user waits in the picker
    control = page.locator("#id_lines-0-product-ts-control")
    control.click()
    control.fill("HNG")
    page.locator("#id_lines-0-product-ts-dropdown .option", has_text="HNG-SS-0109").click()
    assert page.locator("#id_lines-0-product").input_value() != ""
