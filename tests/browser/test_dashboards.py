"""In the browser: each role's home page, and the manager dashboard with its charts, in English and
Chinese. Screenshots go to test-artifacts/ (dashboard-<who>-<language>.png)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import Contract
from core.months import add_months
from core.seed import DEMO_PASSWORD
from customers.models import Complaint
from orders.models import AbnormalOrder, Order
from receivables.models import ExchangeRate
from tests.browser.conftest import login
from tests.contracts.factories import make_contract
from tests.orders.factories import make_order, make_product
from tests.receivables.factories import make_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _history(cast) -> None:
    """Eleven months of orders and invoices for both teams, in CNY and USD, with overdue
    invoices, abnormal orders, complaints, budgets and contracts waiting for approval."""
    from expenses.models import Budget

    today = timezone.localdate()
    ExchangeRate.objects.create(currency="USD", rate=Decimal("7.100000"), valid_from=date(2020, 1, 1))
    people = [
        (cast.sales1, cast.customer_of_assistant1),
        (cast.sales2, cast.customer_of_sales2),
        (cast.sales3, cast.customer_of_sales3),
    ]
    first = today.replace(month=1, day=1)
    for month_index in range(today.month):
        month = add_months(first, month_index)
        for i, (person, customer) in enumerate(people):
            for k in range(1 + (month_index + i) % 3):
                make_order(
                    person, customer, received_on=month + timedelta(days=3 + 5 * k),
                    status=Order.Status.SHIPPED if month_index < today.month - 2 else Order.Status.CONFIRMED,
                    currency="USD" if (k + i) % 2 else "CNY",
                    lines=[(make_product(), Decimal("100"), Decimal(150 + 40 * k + 25 * month_index + 30 * i))],
                )  # fmt: skip
    for i, (person, customer) in enumerate(people):
        for days in (5, 45, 75, 120):
            due = today - timedelta(days=days - 10 * i)
            make_invoice(cast, salesperson=person, customer=customer, amount=Decimal("18000.00") + 3000 * i,
                         due_on=due, invoice_date=due - timedelta(days=30))  # fmt: skip
        make_invoice(cast, salesperson=person, customer=customer, amount=Decimal("9500.00"), invoice_date=today)
        order = Order.objects.filter(salesperson=person).first()
        for kind in (AbnormalOrder.Kind.QUALITY, AbnormalOrder.Kind.DELIVERY_DELAY)[: i + 1]:
            AbnormalOrder.objects.create(order=order, kind=kind, reported_on=today - timedelta(days=20),
                                         reported_by=person, cause="色差 / colour difference",
                                         cost=Decimal("1200.00"))  # fmt: skip
        for category in (Complaint.Category.QUALITY, Complaint.Category.DELIVERY, Complaint.Category.SERVICE)[: 3 - i]:
            Complaint.objects.create(company=customer, received_on=today - timedelta(days=15), category=category,
                                     description="交期延误 / late delivery", created_by=person)  # fmt: skip
        Budget.objects.create(salesperson=person, year=today.year, amount=Decimal("30000.00"))
    make_contract(cast.sales1, cast.customer_of_assistant1, status=Contract.Status.SUBMITTED)
    make_contract(cast.sales3, cast.customer_of_sales3, status=Contract.Status.SUBMITTED)


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text) if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None
        ),
    )
    return errors


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_role_home_and_the_manager_dashboard(page, live_server, cast, screenshot, language):
    _history(cast)
    errors = _watch(page)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for who in ("assistant1", "sales1", "finance1", "gm", "manager1"):
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        login(page, who, DEMO_PASSWORD)
        page.wait_for_url("**/")
        if who in ("sales1", "gm", "manager1"):
            # the figures arrive right after the page
            page.wait_for_selector("#my-figures" if who == "sales1" else "#panel-sales canvas")
        if who in ("gm", "manager1"):
            page.wait_for_function(
                "() => [...document.querySelectorAll('canvas[data-chart]')].every((c) => c.backdeskChart)"
            )
            assert page.locator("canvas[data-chart]").count() >= 4  # sales, aging, complaints, budgets
            assert page.locator("#sales-table tbody tr").count() == timezone.localdate().month
        page.wait_for_load_state("networkidle")
        screenshot(page, f"dashboard-{who}-{language}")
    assert not errors, errors


def test_manager_filters_and_drills_down(page, cast, screenshot):
    _history(cast)
    errors = _watch(page)
    login(page, "gm", DEMO_PASSWORD)
    page.wait_for_url("**/")
    page.wait_for_selector("#panel-sales canvas")
    gm_orders = int(page.locator("#sales-table tfoot [data-total=orders]").inner_text())
    page.select_option("#id_period", "quarter")
    page.select_option("#id_team", str(cast.sales3.team_id))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/?*team=*")
    page.wait_for_selector("#panel-sales canvas")
    team_b = int(page.locator("#sales-table tfoot [data-total=orders]").inner_text())
    assert 0 < team_b < gm_orders
    assert page.locator("#dashboard-period").inner_text().endswith(cast.sales3.team.name)
    screenshot(page, "dashboard-gm-team-b-quarter")
    # a month's order count opens the order list of that month with the same count
    page.select_option("#id_salesperson", str(cast.sales3.pk))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(f"**/?*salesperson={cast.sales3.pk}*")
    page.wait_for_selector("#panel-sales canvas")
    link = page.locator("#sales-table tbody tr").last.locator("a[data-figure=orders]")
    figure = int(link.inner_text())
    link.click()
    page.wait_for_url("**/orders/?*")
    assert f"salesperson={cast.sales3.pk}" in page.url and "month=" in page.url
    assert int(page.locator("#order-count").inner_text()) == figure
    assert not errors, errors
