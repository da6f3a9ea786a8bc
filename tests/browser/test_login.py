import pytest

from core.seed import DEMO_PASSWORD
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assistant1_logs_in_and_sees_the_assistant_home(page, cast, screenshot):
    page.goto("/")
    assert "/accounts/login/" in page.url
    screenshot(page, "login")
    login(page, "assistant1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "Today's queue"
    assert page.get_by_text("Nothing due today.").first.is_visible()
    assert page.get_by_role("cell", name=str(cast.sales1)).is_visible()
    # the served salesperson's companies assigned to assistant1
    assert page.locator("tbody tr td.text-end").first.inner_text() == "2"
    path = screenshot(page, "assistant1-home")
    assert path.stat().st_size > 10_000


def test_wrong_password_in_the_browser_keeps_the_username(page, cast, screenshot):
    login(page, "assistant1", "not-the-password")
    assert page.get_by_text("Please enter a correct username and password").is_visible()
    assert page.input_value("input[name=username]") == "assistant1"
    screenshot(page, "login-wrong-password")


def test_language_switch_to_chinese_and_phone_width(browser, live_server, cast, screenshot):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, "sales1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.click(".navbar-toggler")
    page.wait_for_selector(".navbar-collapse.show")  # the menu has finished opening: nothing moves under the click
    page.click("#language-menu")
    page.wait_for_selector("button[value=zh-hans]", state="visible")
    page.click("button[value=zh-hans]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "我的工作"
    screenshot(page, "sales1-home-zh-hans-phone")
    context.close()
