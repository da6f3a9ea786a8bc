"""In the browser: assistant2 drafts a contract for sales2 (salesperson first, customer from the
type-ahead, then lines), submits it; manager1 approves, the GM approves (the amount is above the
threshold), and assistant2 uploads the signed scan."""

from decimal import Decimal

import pytest

from contracts.models import ApprovalPolicy, Contract
from core.seed import DEMO_PASSWORD
from tests.browser.conftest import login, pick
from tests.contracts.factories import PDF_BYTES
from tests.orders.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username, DEMO_PASSWORD)
    page.wait_for_url("**/")


def test_contract_from_draft_to_signed(page, cast, screenshot, tmp_path):
    policy = ApprovalPolicy.current()
    policy.gm_threshold = Decimal("10000.00")
    policy.save()
    make_product(sku="LED-PNL-0100", name="LED 面板灯", name_en="LED panel light", list_price=Decimal("85.00"))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    as_user(page, "assistant2")
    page.goto("/contracts/")
    page.click("#new-contract")
    page.wait_for_selector("#salesperson-step")
    offered = page.locator("#id_salesperson option").all_inner_texts()
    assert offered == [f"{cast.sales1} (sales1)", f"{cast.sales2} (sales2)"]
    page.select_option("#id_salesperson", str(cast.sales2.pk))
    screenshot(page, "contract-1-salesperson")
    page.click("#salesperson-next")

    page.wait_for_selector("#order-form")
    assert page.locator("#contract-salesperson").inner_text() == str(cast.sales2)
    page.click("#id_customer-ts-control")
    page.wait_for_selector("#id_customer-ts-dropdown .option")
    texts = page.locator("#id_customer-ts-dropdown .option").all_inner_texts()
    assert any("T-S2" in t for t in texts) and not any("T-A2" in t or "T-SH" in t for t in texts)
    pick(page, "id_customer", "T-S2", "T-S2")
    page.fill("#id_title", "LED 面板灯 2026 年度供货")
    page.fill("#id_payment_terms", "30% T/T 预付，70% 见提单副本付款")
    page.fill("#id_delivery_terms", "FOB 上海，收到预付款后 45 天内")
    pick(page, "id_lines-0-product", "LED-PNL", "LED-PNL-0100")
    page.fill("#id_lines-0-description", "LED 面板灯 600×600 40W")
    page.fill("#id_lines-0-quantity", "200")
    page.fill("#id_lines-0-unit", "pcs")
    page.fill("#id_lines-0-unit_price", "82.50")
    screenshot(page, "contract-2-form")
    page.click("#save-contract")

    page.wait_for_selector("#submit-contract")
    contract = Contract.objects.get()
    assert (contract.salesperson, contract.maker, contract.customer) == (
        cast.sales2,
        cast.assistant2,
        cast.customer_of_sales2,
    )
    assert contract.amount == Decimal("16500.00")
    page.click("#submit-contract")
    page.wait_for_selector("#awaiting-note")
    assert "李娜" in page.locator("#awaiting-note").inner_text()
    screenshot(page, "contract-3-submitted")

    as_user(page, "manager1")
    page.goto(contract.get_absolute_url())
    page.fill("#approve-comment", "价格可以")
    page.click("#approve-contract")
    page.wait_for_selector("text=it now goes to the general manager")
    screenshot(page, "contract-4-manager-approved")

    as_user(page, "gm")
    page.goto("/")
    assert contract.number in page.content()  # the GM's home queue
    page.goto(contract.get_absolute_url())
    page.click("#approve-contract")
    page.wait_for_selector("#sign-card")
    screenshot(page, "contract-5-gm-approved")

    as_user(page, "assistant2")
    page.goto(contract.get_absolute_url())
    scan = tmp_path / "signed-contract.pdf"
    scan.write_bytes(PDF_BYTES)
    page.set_input_files("#id_scan", str(scan))
    page.click("#sign-contract")
    page.wait_for_selector("text=register number")
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED and contract.register_number
    assert page.locator("#register-number").inner_text() == contract.register_number
    actions = page.locator("#contract-timeline > li").evaluate_all("items => items.map(i => i.dataset.action)")
    assert actions == ["created", "submitted", "manager_approved", "gm_approved", "signed"]
    screenshot(page, "contract-6-signed")
    assert errors == []


def test_contract_list_on_a_phone_shows_status_and_amount(page, cast, screenshot):
    from tests.contracts.factories import make_contract

    contract = make_contract(cast.sales1, cast.customer_of_assistant1, maker=cast.assistant1,
                             status=Contract.Status.SUBMITTED, amount="12345.60")  # fmt: skip
    page.set_viewport_size({"width": 390, "height": 844})
    as_user(page, "sales1")
    page.goto("/contracts/")
    row = page.locator("#contract-table tbody tr").first
    assert contract.number in row.inner_text()
    # Status and amount stay on screen at 390 px (they used to be cut off to the right).
    for text in ("Awaiting manager", "CNY\xa012,345.60"):
        box = row.get_by_text(text).locator("visible=true").first.bounding_box()
        assert box and box["x"] + box["width"] <= 390, text
    screenshot(page, "contract-list-phone")
