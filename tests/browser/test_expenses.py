"""In the browser: the budgets and advances pages. The claim from filing to payment is part of
the one trip-to-payment path in tests/browser/test_travel.py (issue 7)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.seed import DEMO_PASSWORD
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    login(page, username, DEMO_PASSWORD)
    page.wait_for_url("**/")


def test_budgets_and_advances_pages(page, cast, screenshot):
    from decimal import Decimal

    from expenses import services
    from expenses.models import Budget
    from tests.expenses.factories import make_claim

    year = timezone.localdate().year
    day = timezone.localdate() - timedelta(days=1)
    if day.year != year:  # the first of January: the claims count against last year
        year = day.year
    Budget.objects.create(salesperson=cast.sales1, year=year, amount=Decimal("1000.00"))
    Budget.objects.create(salesperson=cast.sales2, year=year, category="meals", amount=Decimal("200.00"))
    Budget.objects.create(team=cast.sales1.team, year=year, amount=Decimal("10000.00"))
    make_claim(cast.sales1, lines=[{"amount": Decimal("850.00")}], submit=True)
    make_claim(cast.sales2, lines=[{"amount": Decimal("210.00")}], submit=True)
    advance = services.advance_request(actor=cast.sales1, person=cast.sales1, purpose="广交会 Canton Fair",
                                       amount=Decimal("3000.00"), currency="CNY")  # fmt: skip
    services.advance_approve(advance=advance, actor=cast.manager1)
    services.advance_pay(advance=advance, actor=cast.finance1)
    login(page, "manager1", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/expenses/budgets/?year={year}")
    assert page.locator("#person-budgets tr[data-level=warning]").count() == 1
    assert page.locator("#person-budgets tr[data-level=over]").count() == 1
    screenshot(page, "expenses-09-budgets")
    page.goto("/expenses/advances/")
    assert "3,000.00" in page.locator("#outstanding").inner_text()
    screenshot(page, "expenses-10-advances")
