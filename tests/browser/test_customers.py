"""sales1 creates a customer and assigns it to assistant1, who then finds it (issue 3)."""

import re

import pytest
from playwright.sync_api import expect

from core.seed import DEMO_PASSWORD
from customers.models import Company
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sales1_creates_and_assigns_then_assistant1_finds_it(browser, live_server, cast, screenshot):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    login(page, "sales1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.click("nav >> text=Customers")
    page.click("text=New company")
    page.fill("#id_code", "bt-001")
    page.fill("#id_name", "杭州浏览器测试有限公司")
    page.fill("#id_name_en", "Hangzhou Browser Test Co., Ltd.")
    page.select_option("#id_grade", "key")
    page.fill("#id_tax_id", "12345")  # wrong on purpose: the form keeps what was typed
    page.click("main form button[type=submit]")
    assert page.locator("#id_tax_id").evaluate("e => e.classList.contains('is-invalid')")
    assert page.input_value("#id_name") == "杭州浏览器测试有限公司"
    screenshot(page, "company-form-error")
    page.fill("#id_tax_id", "91330100MA2BROWSER")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert "was created" in page.locator(".alert-success").inner_text()
    company = Company.objects.get(code="BT-001")
    assert company.owner == cast.sales1
    page.select_option("#assign-form select", str(cast.assistant1.pk))
    page.click("#assign-form button")
    assert "can now work on" in page.locator(".alert-success").inner_text()
    assert page.locator("#assignments").get_by_text(str(cast.assistant1)).is_visible()
    context.close()

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/customers/")
    page.fill("#id_q", "浏览器")
    expect(page.locator("#company-rows tbody tr")).to_have_count(1)  # no eval: the page's CSP refuses it
    assert "BT-001" in page.locator("#company-rows tbody").inner_text()
    screenshot(page, "company-list-en")
    page.click("#company-rows tbody >> text=BT-001")
    page.wait_for_url(f"**/customers/{company.pk}/")
    screenshot(page, "company-detail-en")
    # the same pages in Chinese
    page.click("#language-menu")
    page.click("button[value=zh-hans]")
    page.wait_for_load_state()
    assert "客户与工厂" in page.locator(".breadcrumb").inner_text()
    screenshot(page, "company-detail-zh-hans")
    page.goto("/customers/")
    assert page.locator("h1").inner_text().startswith("客户与工厂")
    screenshot(page, "company-list-zh-hans")
    context.close()


def test_assistant_sees_no_new_company_button(page, cast):
    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/customers/")
    assert page.get_by_text("New company").count() == 0
    assert page.goto("/customers/new/").status == 403
