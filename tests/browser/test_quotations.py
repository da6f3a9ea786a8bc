"""In the browser: an assistant quotes two products for a salesperson's customer, sends the
quotation, records the customer's acceptance and turns it into an order with one click."""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from core.seed import DEMO_PASSWORD
from orders.models import Order, Quotation
from tests.browser.conftest import ARTIFACTS, login, pick
from tests.orders.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assistant_quotes_sends_accepts_and_orders(page, cast, screenshot):
    bolt = make_product(sku="BLT-100", name="六角螺栓", name_en="Hex bolt M8×40", list_price=Decimal("0.35"))
    panel = make_product(
        sku="LED-600", name="LED 面板灯", name_en="LED panel light 600×600", list_price=Decimal("128.00")
    )
    customer = cast.customer_of_assistant1
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None
        ),
    )
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm asks first

    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/orders/quotations/")
    page.get_by_role("link", name="New quotation").first.click()
    page.wait_for_url("**/orders/quotations/new/")
    # assistant1 serves sales1 only: step 1 is skipped, the customer picker is sales1's, assigned to assistant1.
    assert "王强" in page.locator("#quotation-salesperson").inner_text()
    pick(page, "id_customer", "T-A1", "T-A1")
    page.fill("#id_payment_terms", "30% T/T 定金，70% 见提单副本 / 30% deposit, 70% against B/L copy")
    page.select_option("#id_incoterm", "FOB")

    pick(page, "id_lines-0-product", "BLT", "BLT-100")
    # the list price is shown as a placeholder once the lookup answered (asynchronous: wait)
    expect(page.locator("#id_lines-0-unit_price")).to_have_attribute("placeholder", "0.35 CNY")
    page.fill("#id_lines-0-quantity", "1000")
    page.click("[data-formset-add]")
    pick(page, "id_lines-1-product", "面板", "LED-600")
    page.fill("#id_lines-1-quantity", "3")
    page.fill("#id_lines-1-unit_price", "128.00")
    page.fill("#id_lines-1-discount_percent", "12.5")
    # A third row added and removed again is ignored.
    page.click("[data-formset-add]")
    page.locator("[data-formset-row]").nth(2).locator("[data-formset-remove]").click()
    assert page.locator("[data-formset-row]:visible").count() == 2
    screenshot(page, "quotation-form")
    page.get_by_role("button", name="Save draft").click()

    page.wait_for_url(re.compile(r"/orders/quotations/\d+/$"))
    quotation = Quotation.objects.get()
    assert (quotation.salesperson, quotation.customer, quotation.maker) == (cast.sales1, customer, cast.assistant1)
    assert quotation.total == Decimal("686.00")
    assert page.locator("#quotation-total").inner_text().replace("\xa0", " ") == "CNY 686.00"
    assert page.get_by_text(f"Quotation {quotation.number} for").is_visible()

    page.get_by_role("button", name="Mark as sent").click()
    page.wait_for_selector("text=is marked as sent")
    page.get_by_role("button", name="Accepted").click()
    page.wait_for_selector("text=was accepted")
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.ACCEPTED
    assert page.locator("#quotation-timeline > li").count() == 3
    screenshot(page, "quotation-detail")

    # The PDF: fetched with the browser's session, first page converted when pdftoppm is there.
    response = page.request.get(f"/orders/quotations/{quotation.pk}/pdf/")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF") and len(body) > 1000
    pdf_path = ARTIFACTS / "quotation.pdf"
    pdf_path.write_bytes(body)
    if pdftoppm := shutil.which("pdftoppm"):
        subprocess.run(  # noqa: S603  (fixed arguments, our own file)
            [pdftoppm, "-png", "-r", "80", "-singlefile", str(pdf_path), str(ARTIFACTS / "quotation-pdf-page")],
            check=True,
        )
    else:  # no rasteriser here: the quotation page stands in for the PDF
        screenshot(page, "quotation-pdf-page")

    page.fill("#id_customer_po", "PO-88017")
    page.get_by_role("button", name="Make order").click()
    page.wait_for_url(re.compile(r"/orders/\d+/$"))
    order = Order.objects.get()
    assert page.url.endswith(order.get_absolute_url())
    assert (order.quotation, order.customer_po, order.total) == (quotation, "PO-88017", Decimal("686.00"))
    assert [(x.product_id, x.unit_price) for x in order.lines.order_by("pk")] == [
        (bolt.pk, Decimal("0.35")),
        (panel.pk, Decimal("112.00")),
    ]
    page.goto("/orders/quotations/?status=accepted")
    assert page.locator("#quotation-table tbody tr").count() == 1
    screenshot(page, "quotation-list")
    page.goto("/orders/products/?q=LED")
    assert "LED panel light" in page.locator("#product-table tbody").inner_text()
    screenshot(page, "product-list")
    assert errors == []
