"""A big Excel download in the browser: the list's button leads to the progress page, then the file."""

import pytest

from core.seed import DEMO_PASSWORD
from tests.browser.conftest import login
from tests.orders.factories import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_big_orders_excel_is_built_in_the_background(page, cast, settings, screenshot):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    for _ in range(3):
        make_order(cast.sales1, cast.customer_of_assistant1)
    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/orders/")
    page.get_by_role("button", name="Excel").click()  # the download menu: orders or order lines
    page.get_by_role("link", name="Orders, one row per order").click()
    page.wait_for_url("**/downloads/*/")
    page.wait_for_selector("#export-progress[data-status=done]")
    assert "3 rows" in page.inner_text("#export-progress")
    screenshot(page, "export-ready")
    with page.expect_download() as download:
        page.click("#export-download")
    assert download.value.suggested_filename.startswith("orders-")
    page.goto("/downloads/")
    assert page.locator("table tbody tr").count() == 1
    screenshot(page, "export-list")
