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
    # last week's reports: the funnel
    from tests.reports.factories import make_report

    monday = today - timedelta(days=today.weekday() + 7)
    for i, (person, customer) in enumerate(people):
        make_report(person, monday, lines=[(customer, "lead", 50000 + 1000 * i, 10), (customer, "proposal", "30000", 40),
                                           (customer, "negotiation", "20000", 70, "USD")][: 3 - i % 2])  # fmt: skip


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


# What a role's home must show, per language: a heading word of its own queues or figures.
HOME_WORDS = {
    "en": {"sales": "Sales by month", "aging": "Receivables aging", "figures": "Open orders"},
    "zh-hans": {"sales": "月度销售", "aging": "应收账龄", "figures": "未完成订单"},
}
# A canvas is drawn when some of its pixels are not transparent.
DRAWN = """(canvas) => {
  const ctx = canvas.getContext("2d");
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < data.length; i += 16) { if (data[i] !== 0) return true; }
  return false;
}"""
# Nothing pushes the page wider than the window, and no card is wider than its column.
OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll(".card")].filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.id || c.className);
  return {page: doc.scrollWidth - doc.clientWidth, cards: wide};
}"""


def _screens(screenshot):
    from tests.browser.conftest import ARTIFACTS

    (ARTIFACTS / "screens").mkdir(parents=True, exist_ok=True)
    return lambda page, name: screenshot(page, f"screens/{name}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_role_home_and_the_manager_dashboard(page, live_server, cast, screenshot, language):
    """Each role's home (assistant2, sales1, finance1, manager1, gm) in English and Simplified
    Chinese, screenshots in test-artifacts/screens/; the manager dashboard's charts are drawn
    (pixels on every canvas), its key numbers are on the page, nothing overflows at 1366 px."""
    _history(cast)
    shoot = _screens(screenshot)
    errors = _watch(page)
    today = timezone.localdate()
    words = HOME_WORDS[language]
    for who in ("assistant2", "sales1", "finance1", "manager1", "gm"):
        page.context.clear_cookies()
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        login(page, who, DEMO_PASSWORD)
        page.wait_for_url("**/")
        assert page.locator("html").get_attribute("lang") == language
        if who == "sales1":
            page.wait_for_selector("#my-figures")
            assert words["figures"] in page.locator("#my-figures").inner_text()
        if who in ("gm", "manager1"):
            page.wait_for_selector("#panel-sales canvas")
            page.wait_for_function(
                "() => [...document.querySelectorAll('canvas[data-chart]')].every((c) => c.backdeskChart)"
            )
            canvases = page.locator("canvas[data-chart]")
            assert canvases.count() >= 5  # sales, aging, complaints, funnel or budgets
            for i in range(canvases.count()):
                canvas = canvases.nth(i)
                assert canvas.evaluate(DRAWN), canvas.get_attribute("data-chart")
                # not squashed: at least a third of its card's width, and some height
                width = canvas.evaluate("(c) => c.getBoundingClientRect().width / c.closest('.card').clientWidth")
                height = canvas.evaluate("(c) => c.getBoundingClientRect().height")
                assert width > 0.33 and height > 120, (canvas.get_attribute("data-chart"), width, height)
            assert page.locator("#sales-table tbody tr").count() == today.month
            assert words["sales"] in page.locator("#panel-sales").inner_text()
            assert words["aging"] in page.locator("#panel-aging").inner_text()
            # the key numbers are on the page, beside the charts
            people = ["sales1", "sales2"] if who == "manager1" else ["sales1", "sales2", "sales3"]
            year_orders = Order.objects.filter(salesperson__username__in=people, received_on__year=today.year).count()
            assert page.locator("#sales-table tfoot [data-total=orders]").inner_text() == str(year_orders)
            assert page.locator("[data-kpi=orders] .fs-4").inner_text() == str(year_orders)
            assert page.locator("#panel-aging [data-bucket=over90]").is_visible()
            assert page.locator("#overdue-top tbody tr").count() == len(people)
            assert page.locator("[data-export]").count() >= 8
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(OVERFLOW)
        assert overflow == {"page": 0, "cards": []}, (who, overflow)
        shoot(page, f"home-{who}-{language}")
        if who == "gm":  # the dashboard itself, up to the budgets, at the window's width
            path = shoot(page, f"home-{who}-{language}").with_name(f"dashboard-gm-{language}.png")
            page.locator("#dashboard").screenshot(path=str(path))
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
    assert f"salesperson={cast.sales3.pk}" in page.url and "date_from=" in page.url and "date_to=" in page.url
    assert int(page.locator("#order-count").inner_text()) == figure
    # the list's filter bar shows the range it was given
    assert page.locator("input[name=date_from]").input_value() == page.url.split("date_from=")[1][:10]
    assert not errors, errors
