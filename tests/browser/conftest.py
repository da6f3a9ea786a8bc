"""Playwright driving Debian's Chromium (`playwright install` cannot download browsers here)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from tests.conftest import CHROMIUM, has_chromium, require

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
# inside one unless told the test process knows what it is doing.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    require(has_chromium(), f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 850}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def pick(page, field_id: str, text: str, option: str) -> None:
    """Type into a Tom Select type-ahead and click the offered option.

    The options arrive asynchronously; on a loaded machine the list can close while a late
    answer re-renders it, so the list is opened again (as a user would) before giving up.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    control = page.locator(f"#{field_id}-ts-control")
    choice = page.locator(f"#{field_id}-ts-dropdown .option", has_text=option).first
    control.click()
    control.fill(text)
    for _attempt in range(3):
        try:
            choice.click(timeout=8000)
            break
        except PlaywrightTimeout:
            control.click()
            control.fill(text)
    else:
        choice.click()
    # A lookup answer still on its way re-renders the list; let it land before the next step.
    # (A late answer no longer takes the focus back: tests/browser/test_lookup.py pins that.)
    page.wait_for_load_state("networkidle")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep a screenshot of the page a browser test failed on (test-artifacts/FAILED-*.png)."""
    outcome = yield
    report = outcome.get_result()
    page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):  # a closed page must not hide the real failure
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{item.name}.png"), full_page=True)
