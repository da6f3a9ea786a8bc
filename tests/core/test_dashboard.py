"""The role home pages' figures: each equals the same figure counted on the list behind it, for
manager1, the GM and sales1, and none counts rows outside the viewer's scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract
from customers.models import Complaint
from orders.models import AbnormalOrder, Order
from receivables.models import Invoice
from tests.contracts.factories import make_contract
from tests.orders.factories import make_order
from tests.receivables.factories import make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    """Orders, invoices (one overdue), abnormal orders, complaints and contracts for sales1 and
    sales2 (team A, manager1) and sales3 (team B, manager2)."""
    today = timezone.localdate()
    orders = {}
    for person, customer, n in [
        (cast.sales1, cast.customer_of_assistant1, 3),
        (cast.sales2, cast.customer_of_sales2, 2),
        (cast.sales3, cast.customer_of_sales3, 4),
    ]:
        orders[person.username] = [make_order(person, customer, received_on=today) for _ in range(n)]
    # A cancelled order is counted on the list (any status) but not in the value.
    make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.CANCELLED, received_on=today)
    make_order(cast.sales1, cast.customer_of_assistant1, status=Order.Status.CONFIRMED, currency="USD")
    overdue = today - timedelta(days=40)
    make_invoice(cast, salesperson=cast.sales1, customer=cast.customer_of_assistant1, amount=Decimal("1200.00"),
                 due_on=overdue, invoice_date=overdue - timedelta(days=30))  # fmt: skip
    make_invoice(cast, salesperson=cast.sales3, customer=cast.customer_of_sales3, amount=Decimal("7777.00"),
                 due_on=overdue, invoice_date=overdue - timedelta(days=30))  # fmt: skip
    make_invoice(cast, salesperson=cast.sales2, customer=cast.customer_of_sales2, amount=Decimal("500.00"),
                 invoice_date=today)  # fmt: skip
    for order, kind in [
        (orders["sales1"][0], AbnormalOrder.Kind.QUALITY),
        (orders["sales2"][0], AbnormalOrder.Kind.QUALITY),
        (orders["sales3"][0], AbnormalOrder.Kind.QUALITY),
        (orders["sales3"][1], AbnormalOrder.Kind.DELIVERY_DELAY),
    ]:
        AbnormalOrder.objects.create(order=order, kind=kind, reported_on=today, reported_by=cast.sales1, cause="x")
    for company, category in [
        (cast.customer_of_assistant1, Complaint.Category.QUALITY),
        (cast.customer_of_sales2, Complaint.Category.QUALITY),
        (cast.customer_of_sales3, Complaint.Category.QUALITY),
        (cast.customer_of_sales3, Complaint.Category.BILLING),
    ]:
        Complaint.objects.create(
            company=company, received_on=today, category=category, description="x", created_by=cast.sales1
        )
    make_contract(cast.sales1, cast.customer_of_assistant1, status=Contract.Status.SUBMITTED)
    make_contract(cast.sales3, cast.customer_of_sales3, status=Contract.Status.SUBMITTED)
    return orders


def _dashboard(client, user, **params):
    client.force_login(user)
    return client.get(reverse("home"), {"part": "dashboard", **params}, headers={"HX-Request": "true"})


def _context(client, user, **params):
    response = _dashboard(client, user, **params)
    assert response.status_code == 200
    return response.context


def _list_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["paginator"].count


def _this_month(sales: dict) -> dict:
    month = timezone.localdate().replace(day=1)
    return next(r for r in sales["rows"] if r["month"] == month)


@pytest.mark.parametrize(
    ("who", "people"),
    [("manager1", ["sales1", "sales2"]), ("gm", ["sales1", "sales2", "sales3"]), ("manager2", ["sales3"])],
)
def test_orders_of_the_month_equal_the_order_list_for_the_same_filter(client, cast, world, who, people):
    user = getattr(cast, who)
    context = _context(client, user, period="month")
    row = _this_month(context["sales"])
    # the figure links to the list with the same filter, and the list counts the same rows
    assert row["orders"] == _list_count(client, row["orders_url"])
    expected = Order.objects.filter(
        salesperson__username__in=people, received_on__gte=row["month"], received_on__lte=timezone.localdate()
    )
    assert row["orders"] == expected.count()
    value = sum((o.total for o in expected.exclude(status=Order.Status.CANCELLED).filter(currency="CNY")), Decimal(0))
    assert row["ordered"].get("CNY", Decimal("0.00")) == value
    # per salesperson: the drill-down of each person's figure has their rows only
    for person in people:
        sp = getattr(cast, person)
        narrowed = _this_month(_context(client, user, period="month", salesperson=sp.pk)["sales"])
        assert (
            narrowed["orders"] == _list_count(client, narrowed["orders_url"]) == expected.filter(salesperson=sp).count()
        )
        assert f"salesperson={sp.pk}" in narrowed["orders_url"]


def test_manager1_sees_nothing_of_team_b_even_when_asking_for_it(client, cast, world):
    mine = _context(client, cast.manager1, period="month")
    forged = _context(client, cast.manager1, period="month", salesperson=cast.sales3.pk, team=cast.sales3.team_id)
    # an id outside the jurisdiction is ignored: the same figures as no filter, never team B's
    assert forged["filters"].salesperson is None and forged["filters"].team is None
    assert _this_month(forged["sales"])["orders"] == _this_month(mine["sales"])["orders"]
    assert cast.sales3 not in mine["filters"].salespersons
    labels = [row["label"] for row in mine["aging"]["top"]]
    assert all("T-S3" not in label for label in labels)
    assert mine["aging"]["overdue_base"] == Decimal("1200.00")  # sales1's; sales3's 7777.00 is team B's
    assert {r["key"]: r["count"] for r in mine["abnormal"]["rows"]}["delivery_delay"] == 0
    assert {r["key"]: r["count"] for r in mine["complaints"]["rows"]}["billing"] == 0
    html = _dashboard(client, cast.manager1).content.decode()
    assert "7,777.00" not in html and "T-S3" not in html


def test_gm_sees_the_whole_company_and_can_narrow_to_a_team(client, cast, world):
    context = _context(client, cast.gm, period="month")
    assert context["aging"]["overdue_base"] == Decimal("8977.00")
    assert context["aging"]["top"][0]["label"].startswith("T-S3")
    team_b = _context(client, cast.gm, period="month", team=cast.sales3.team_id)
    assert team_b["filters"].team == cast.sales3.team
    assert team_b["aging"]["overdue_base"] == Decimal("7777.00")
    # four orders and the one behind sales3's invoice
    assert _this_month(team_b["sales"])["orders"] == 5 == Order.objects.filter(salesperson=cast.sales3).count()


@pytest.mark.parametrize("who", ["manager1", "gm"])
def test_receivables_figures_equal_the_invoice_list(client, cast, world, who):
    user = getattr(cast, who)
    context = _context(client, user)
    aging = context["aging"]
    # every invoice here is in CNY, one instalment each: the open total is the list's open amounts
    response = client.get(aging["open_url"])
    listed = Invoice.objects.filter(pk__in=[i.pk for i in response.context["paginator"].object_list]).with_open()
    assert aging["open_base"] == sum((i.open_amount for i in listed), Decimal("0.00"))
    overdue = client.get(aging["overdue_url"]).context["paginator"].object_list
    overdue = Invoice.objects.filter(pk__in=[i.pk for i in overdue]).with_open()
    assert aging["overdue_base"] == sum((i.open_amount for i in overdue), Decimal("0.00"))
    assert {i.customer_id for i in overdue} == {row["id"] for row in aging["top"]}


@pytest.mark.parametrize(("who", "quality", "billing"), [("manager1", 2, 0), ("gm", 3, 1), ("manager2", 1, 1)])
def test_complaints_and_abnormal_orders_equal_their_lists(client, cast, world, who, quality, billing):
    user = getattr(cast, who)
    context = _context(client, user, period="month")
    complaints = {r["key"]: r for r in context["complaints"]["rows"]}
    assert complaints["quality"]["count"] == quality == _list_count(client, complaints["quality"]["url"])
    assert complaints["billing"]["count"] == billing == _list_count(client, complaints["billing"]["url"])
    abnormal = {r["key"]: r for r in context["abnormal"]["rows"]}
    for row in abnormal.values():
        assert row["count"] == _list_count(client, row["url"])
    assert context["abnormal"]["count"] == _list_count(client, context["abnormal"]["url"])


@pytest.mark.parametrize(("who", "expected"), [("manager1", 1), ("manager2", 1), ("gm", 0)])
def test_contracts_awaiting_approval_equal_the_contract_list(client, cast, world, who, expected):
    context = _context(client, getattr(cast, who))
    approvals = context["approvals"]
    assert approvals["contracts"] == expected == _list_count(client, approvals["contracts_url"])


def test_salesperson_home_figures_equal_their_lists(client, cast, world):
    context = _context(client, cast.sales1)
    mine = context["mine"]
    # 3 received + 1 confirmed (USD) are open; the cancelled one is not; invoices' orders are confirmed too
    open_orders = Order.objects.filter(salesperson=cast.sales1, status__in=Order.OPEN_STATUSES)
    assert mine["open_orders"] == open_orders.count() == _list_count(client, mine["open_orders_url"])
    assert dict(mine["open_orders_value"])["USD"] == sum(
        (o.total for o in open_orders.filter(currency="USD")), Decimal("0.00")
    )
    receivables = {r["currency"]: r for r in mine["receivables"]}
    assert receivables["CNY"]["open"] == receivables["CNY"]["overdue"] == Decimal("1200.00")
    html = _dashboard(client, cast.sales1).content.decode()
    assert 'id="my-figures"' in html and "7,777.00" not in html


def test_salesperson_home_shows_their_budget_use(client, cast, world):
    from expenses.models import Budget
    from tests.expenses.factories import make_claim

    Budget.objects.create(salesperson=cast.sales1, year=timezone.localdate().year, amount=Decimal("1000.00"))
    Budget.objects.create(salesperson=cast.sales2, year=timezone.localdate().year, amount=Decimal("999.00"))
    make_claim(cast.sales1, submit=True)  # 100.00 CNY pending counts against the budget
    rows = _context(client, cast.sales1)["mine"]["budgets"]["rows"]
    assert [(r["holder"], r["usage"].used) for r in rows] == [(str(cast.sales1), Decimal("100.00"))]
    manager_rows = _context(client, cast.manager1)["budgets"]["rows"]
    assert {r["usage"].budget.amount for r in manager_rows} == {Decimal("1000.00"), Decimal("999.00")}


def test_empty_dashboard_says_what_to_do(client, cast):
    html = _dashboard(client, cast.manager1).content.decode()
    assert "No orders or invoices in this period." in html
    assert "Nothing is owed" in html
    assert "the funnel fills in as salespersons submit their weekly reports" in html
    html = _dashboard(client, cast.sales1).content.decode()
    assert "No open order." in html


def test_period_filter_and_bad_parameters(client, cast, world):
    today = timezone.localdate()
    year = _context(client, cast.manager1, period="year")
    assert year["filters"].start == today.replace(month=1, day=1)
    assert len(year["sales"]["rows"]) == today.month
    quarter = _context(client, cast.manager1, period="quarter")
    assert len(quarter["sales"]["rows"]) == (today.month - 1) % 3 + 1
    bad = _context(client, cast.manager1, period="decade", month="nonsense", salesperson="x")
    assert bad["filters"].period == "year" and bad["filters"].salesperson is None
    # a past month: nothing was received then in this world
    past = _context(client, cast.manager1, period="month", month="2020-01")
    assert past["sales"]["rows"][0]["orders"] == 0 and past["sales"]["empty"]


def test_charts_are_data_not_inline_script(client, cast, world):
    html = _dashboard(client, cast.gm).content.decode()
    for chart in ("sales-chart-data", "aging-chart-data", "complaints-chart-data"):
        assert f'data-chart="{chart}"' in html and f'id="{chart}" type="application/json"' in html
    assert "<script>" not in html
    # the home page loads the figures as it opens, with the chart scripts already there
    client.force_login(cast.gm)
    html = client.get(reverse("home"), {"period": "quarter"}).content.decode()
    assert 'hx-trigger="load"' in html and "period=quarter" in html and "part=dashboard" in html
    assert "js/charts.js" in html and "chart.umd.min.js" in html
    # without htmx the same figures are a page of their own
    page = client.get(reverse("home"), {"part": "dashboard"})
    assert "<html" in page.content.decode() and page.context["fragment"] == "home/_manager_dashboard.html"
    assert 'data-chart="sales-chart-data"' in page.content.decode()


def test_part_dashboard_is_the_home_page_for_roles_without_a_dashboard(client, cast):
    client.force_login(cast.assistant1)
    response = client.get(reverse("home"), {"part": "dashboard"})
    assert response.status_code == 200
    assert response.templates[0].name == "home/assistant.html" and "queues" in response.context


def test_finance_and_assistant_homes_still_show_their_queues(client, cast, world):
    for who in ("finance1", "assistant1"):
        client.force_login(getattr(cast, who))
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert "queue-" in response.content.decode() or "Nothing due today." in response.content.decode()


# --- each panel as Excel -----------------------------------------------------------------------


def _workbook(client, panel: str, **params):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client.get(reverse("dashboard-export", args=[panel]), params)
    assert response.status_code == 200, panel
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(b"".join(response.streaming_content)))


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


@pytest.mark.parametrize("who", ["manager1", "gm"])
@pytest.mark.parametrize("period", ["month", "year"])
def test_each_panel_downloads_as_excel_with_the_panels_figures(client, cast, world, who, period):
    from datetime import datetime

    from receivables.models import ExchangeRate

    ExchangeRate.objects.create(currency="USD", rate=Decimal("7.000000"), valid_from=timezone.localdate())
    user = getattr(cast, who)
    context = _context(client, user, period=period)
    params = {"period": period}

    book = _workbook(client, "sales", **params)
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == 10
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Month", "Orders"] and "Order value (CNY)" in header
    rows = _rows(sheet)
    sales = context["sales"]
    assert len(rows) == len(sales["rows"]) + 1  # the months, then the totals
    for row, figure in zip(rows, sales["rows"], strict=False):
        assert isinstance(row[0], datetime) and row[0].date() == figure["month"]
        assert row[1] == figure["orders"] and isinstance(row[1], int)
    total = rows[-1]
    assert total[0] == "Total" and total[1] == sales["totals"]["orders"]
    assert Decimal(str(total[header.index("Order value (CNY)")])) == sales["totals"]["ordered"]["CNY"]
    ordered_base = header.index("Total (CNY)")
    assert Decimal(str(total[ordered_base])) == sales["totals"]["ordered_base"]
    assert [c.value for c in book["Filters"]["A"]][:4] == ["Filter", "Generated", "User", "Period"]

    aging = context["aging"]
    book = _workbook(client, "aging", **params)
    buckets, top = book.worksheets[0], book.worksheets[1]
    base_row = _rows(buckets)[-1]
    assert base_row[0] == "Total (CNY)" and Decimal(str(base_row[-1])) == aging["open_base"]
    assert [(r[0], Decimal(str(r[-1]))) for r in _rows(top)] == [(t["label"], t["overdue_base"]) for t in aging["top"]]

    book = _workbook(client, "approvals", **params)
    assert [r[1] for r in _rows(book.worksheets[0])] == [
        context["approvals"]["contracts"],
        context["approvals"]["claims"],
    ]

    abnormal = context["abnormal"]
    rows = _rows(_workbook(client, "abnormal", **params).worksheets[0])
    assert [(r[1], r[2]) for r in rows[:-1]] == [(r["count"], r["open"]) for r in abnormal["rows"]]
    assert rows[-1][:3] == ("Total", abnormal["count"], abnormal["open"])

    complaints = context["complaints"]
    rows = _rows(_workbook(client, "complaints", **params).worksheets[0])
    assert [r[1] for r in rows[:-1]] == [r["count"] for r in complaints["rows"]]
    assert rows[-1] == ("Total", complaints["total"])

    rows = _rows(_workbook(client, "funnel", **params).worksheets[0])
    assert len(rows) == len(context["funnel"]["rows"]) + 1

    # out of scope: team B's overdue customer and its 7,777.00 are not in manager1's files
    if who == "manager1":
        assert all("T-S3" not in str(r[0]) for r in _rows(top))
        assert aging["overdue_base"] == Decimal("1200.00")
        assert complaints["total"] == 2


def test_panel_excel_applies_the_team_and_salesperson_filters(client, cast, world):
    client.force_login(cast.gm)
    everyone = _rows(_workbook(client, "complaints", period="month").worksheets[0])[-1][1]
    team_b = _rows(_workbook(client, "complaints", period="month", team=cast.sales3.team_id).worksheets[0])[-1][1]
    sales1 = _rows(_workbook(client, "complaints", period="month", salesperson=cast.sales1.pk).worksheets[0])[-1][1]
    assert (everyone, team_b, sales1) == (4, 2, 1)
    rows = _rows(_workbook(client, "sales", period="month", team=cast.sales3.team_id).worksheets[0])
    assert rows[-1][1] == 5  # team B's four orders and the one behind sales3's invoice
    # manager1 asking for team B gets their own figures, never team B's
    client.force_login(cast.manager1)
    forged = _rows(_workbook(client, "complaints", period="month", team=cast.sales3.team_id).worksheets[0])
    assert forged[-1][1] == 2


def test_budget_panel_excel_has_numbers_and_a_total_per_currency(client, cast, world):
    from expenses.models import Budget
    from tests.expenses.factories import make_claim

    year = timezone.localdate().year
    Budget.objects.create(salesperson=cast.sales1, year=year, amount=Decimal("1000.00"))
    Budget.objects.create(salesperson=cast.sales2, year=year, amount=Decimal("999.00"))
    Budget.objects.create(salesperson=cast.sales3, year=year, amount=Decimal("500.00"))
    make_claim(cast.sales1, submit=True)
    client.force_login(cast.manager1)
    rows = _rows(_workbook(client, "budgets").worksheets[0])
    assert [r[0] for r in rows] == [str(cast.sales1), str(cast.sales2), "Total"]  # not sales3 (team B)
    assert rows[-1][3] == 1999 and rows[-1][7] == 100  # budget and used, as numbers
    assert isinstance(rows[0][3], (int, float))
    # a salesperson's own page shows their budgets and funnel: those two panels download, theirs only
    client.force_login(cast.sales1)
    rows = _rows(_workbook(client, "budgets").worksheets[0])
    assert [r[0] for r in rows] == [str(cast.sales1), "Total"]
    _workbook(client, "funnel")


@pytest.mark.parametrize(
    ("who", "panel"),
    [("sales1", "sales"), ("sales1", "aging"), ("sales1", "approvals"), ("assistant1", "budgets"),
     ("finance1", "sales"), ("gm", "nonsense")],
)  # fmt: skip
def test_a_panel_not_on_the_users_page_is_a_404(client, cast, who, panel):
    client.force_login(getattr(cast, who))
    assert client.get(reverse("dashboard-export", args=[panel])).status_code == 404


def test_panel_excel_needs_a_login(client):
    response = client.get(reverse("dashboard-export", args=["sales"]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_every_panel_has_its_excel_link_with_the_filters(client, cast, world):
    html = _dashboard(client, cast.gm, period="quarter", team=cast.sales3.team_id).content.decode()
    for panel in ("sales", "aging", "approvals", "abnormal", "budgets", "complaints", "funnel"):
        assert f'data-export="{panel}"' in html, panel
    assert "/dashboard/export/sales.xlsx?period=quarter&amp;month=" in html
    assert f"team={cast.sales3.team_id}" in html


# --- drill-down for any period, person and team --------------------------------------------------


def _xlsx_rows(client, url: str) -> list[tuple]:
    from io import BytesIO

    from openpyxl import load_workbook

    response = client.get(url)
    assert response.status_code == 200, url
    return list(load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0].iter_rows(values_only=True))


def _earlier_this_year(cast):
    """An order, an abnormal order and a complaint in January: in the year, not in a later quarter."""
    today = timezone.localdate()
    january = today.replace(month=1, day=15)
    order = make_order(cast.sales1, cast.customer_of_assistant1, received_on=january)
    AbnormalOrder.objects.create(
        order=order, kind=AbnormalOrder.Kind.QUALITY, reported_on=january, reported_by=cast.sales1, cause="x"
    )
    Complaint.objects.create(company=cast.customer_of_assistant1, received_on=january,
                             category=Complaint.Category.QUALITY, description="x", created_by=cast.sales1)  # fmt: skip
    return january


@pytest.mark.parametrize("who", ["manager1", "gm"])
@pytest.mark.parametrize("period", ["quarter", "year"])
@pytest.mark.parametrize("narrow", ["", "team", "salesperson"])
def test_every_figure_equals_the_list_behind_its_link_for_quarter_and_year(client, cast, world, who, period, narrow):
    _earlier_this_year(cast)
    user = getattr(cast, who)
    params = {"period": period}
    if narrow == "team":
        params["team"] = cast.sales1.team_id
    elif narrow == "salesperson":
        params["salesperson"] = cast.sales1.pk
    context = _context(client, user, **params)
    sales = context["sales"]
    assert "date_from=" in sales["orders_url"] and "month=" not in sales["orders_url"]
    assert sales["totals"]["orders"] == _list_count(client, sales["orders_url"]) > 0
    for row in sales["rows"]:
        assert row["orders"] == _list_count(client, row["orders_url"])
        assert row["invoices"] == _list_count(client, row["invoices_url"])
    assert sales["totals"]["invoices"] == _list_count(client, sales["invoices_url"])
    if narrow:
        assert f"{narrow}=" in sales["orders_url"]
    abnormal = context["abnormal"]
    assert abnormal["count"] == _list_count(client, abnormal["url"])
    assert abnormal["open"] == _list_count(client, abnormal["open_url"])
    for row in abnormal["rows"]:
        assert row["count"] == _list_count(client, row["url"])
    complaints = context["complaints"]
    assert complaints["total"] == _list_count(client, complaints["url"])
    for row in complaints["rows"]:
        assert row["count"] == _list_count(client, row["url"])
    # the aging buckets open the aging report narrowed the same way, with the same totals
    aging = context["aging"]
    report = client.get(aging["buckets"][0]["url"]).context
    assert report["totals"]["base"]["total"] == aging["open_base"]
    overdue = client.get(aging["overdue_url"]).context["paginator"].object_list
    overdue = Invoice.objects.filter(pk__in=[i.pk for i in overdue]).with_open()
    assert aging["overdue_base"] == sum((i.open_amount for i in overdue), Decimal("0.00"))
    # the list's Excel applies the same filters: as many rows as the list counts (plus the header)
    assert len(_xlsx_rows(client, sales["orders_url"].replace("/orders/?", "/orders/export.xlsx?"))) == (
        sales["totals"]["orders"] + 1
    )
    abnormal_xlsx = reverse("orders:abnormal-export") + "?" + abnormal["url"].split("?", 1)[1]
    assert len(_xlsx_rows(client, abnormal_xlsx)) == abnormal["count"] + 1
    complaints_xlsx = reverse("customers:complaint-export") + "?" + complaints["url"].split("?", 1)[1]
    assert len(_xlsx_rows(client, complaints_xlsx)) == complaints["total"] + 1


def test_year_and_quarter_count_what_the_quarter_leaves_out(client, cast, world):
    january = _earlier_this_year(cast)
    today = timezone.localdate()
    year = _context(client, cast.manager1, period="year")
    quarter = _context(client, cast.manager1, period="quarter")
    in_quarter = (today.month - 1) // 3 == 0
    extra = 0 if in_quarter else 1
    assert year["sales"]["totals"]["orders"] == quarter["sales"]["totals"]["orders"] + extra
    assert year["complaints"]["total"] == quarter["complaints"]["total"] + extra
    assert f"date_from={january:%Y}-01-01" in year["sales"]["orders_url"]


def test_team_of_another_jurisdiction_and_bad_dates_are_ignored_by_the_lists(client, cast, world):
    client.force_login(cast.manager1)
    mine = _list_count(client, reverse("orders:list"))
    # team B is not manager1's: the team filter is not valid for them, the list is not widened
    response = client.get(reverse("orders:list"), {"team": cast.sales3.team_id})
    assert response.status_code == 200 and response.context["paginator"].count == mine
    assert response.context["filter_form"].errors.get("team")
    response = client.get(reverse("orders:abnormal-list"), {"team": cast.sales3.team_id})
    assert (
        response.context["paginator"].count
        == AbnormalOrder.objects.filter(order__salesperson__in=[cast.sales1, cast.sales2]).count()
    )
    # an end before the start is an error shown in the filter bar
    response = client.get(reverse("orders:list"), {"date_from": "2026-09-30", "date_to": "2026-07-01"})
    assert "The end of the period is before its start." in response.content.decode()
    response = client.get(reverse("customers:complaint-list"), {"date_from": "2026-09-30", "date_to": "2026-07-01"})
    assert "The end of the period is before its start." in response.content.decode()
    response = client.get(reverse("receivables:list"), {"date_from": "nonsense", "team": cast.sales3.team_id})
    assert (
        response.status_code == 200
        and response.context["paginator"].count
        == Invoice.objects.filter(salesperson__in=[cast.sales1, cast.sales2]).count()
    )
    # the date inputs are in the filter bars, and an applied range shows as chips
    today = timezone.localdate()
    html = client.get(reverse("orders:list"), {"date_from": f"{today:%Y-%m}-01"}).content.decode()
    assert 'name="date_from"' in html and 'name="date_to"' in html and f"{today:%Y-%m}-01" in html
    for name in ("orders:abnormal-list", "customers:complaint-list", "receivables:list"):
        assert 'name="date_from"' in client.get(reverse(name)).content.decode(), name


@pytest.mark.parametrize(("who", "count"), [("gm", 4), ("manager1", 2), ("sales1", 1)])
def test_abnormal_order_list_downloads_as_excel_in_scope(client, cast, world, who, count):
    from datetime import date as date_type

    client.force_login(getattr(cast, who))
    assert _list_count(client, reverse("orders:abnormal-list")) == count
    rows = _xlsx_rows(client, reverse("orders:abnormal-export"))
    assert rows[0][:3] == ("Reported on", "Order", "Customer PO") and len(rows) == count + 1
    assert isinstance(rows[1][0], (date_type,)) and isinstance(rows[1][9], (int, float))
    numbers = {r[1] for r in rows[1:]}
    assert numbers == set(AbnormalOrder.objects.visible_to(getattr(cast, who)).values_list("order__number", flat=True))
    html = client.get(reverse("orders:abnormal-list")).content.decode()
    assert 'id="abnormal-excel"' in html


def test_period_figures_are_kept_a_few_minutes_and_say_so_but_approvals_are_fresh(client, cast, world, settings):
    """FIGURES_CACHE_SECONDS keeps the period figures per user, filter and language: a new order
    shows once they are recalculated, the page says as of when, and a contract just submitted for
    the manager's approval shows at once."""
    from django.core.cache import cache

    settings.FIGURES_CACHE_SECONDS = 300
    cache.clear()
    first = _context(client, cast.manager1, period="month")
    orders = _this_month(first["sales"])["orders"]
    assert first["figures_as_of"] is not None and 'id="figures-as-of"' in _dashboard(client, cast.manager1).text
    make_order(cast.sales1, cast.customer_of_assistant1, received_on=timezone.localdate())
    make_contract(cast.sales2, cast.customer_of_sales2, status=Contract.Status.SUBMITTED)

    kept = _context(client, cast.manager1, period="month")
    assert _this_month(kept["sales"])["orders"] == orders  # kept
    assert kept["figures_as_of"] == first["figures_as_of"]
    assert kept["approvals"]["contracts"] == first["approvals"]["contracts"] + 1  # fresh
    # another filter, another user: their own figures, computed now
    assert _this_month(_context(client, cast.manager1, period="quarter")["sales"])["orders"] == orders + 1
    month = timezone.localdate().replace(day=1)
    everyone = Order.objects.filter(received_on__gte=month, received_on__lte=timezone.localdate()).count()
    assert _this_month(_context(client, cast.gm, period="month")["sales"])["orders"] == everyone
    cache.clear()  # as when the minutes have passed
    assert _this_month(_context(client, cast.manager1, period="month")["sales"])["orders"] == orders + 1


def test_without_keeping_there_is_no_as_of(client, cast, world):
    context = _context(client, cast.manager1)
    assert context["figures_as_of"] is None
    assert 'id="figures-as-of"' not in _dashboard(client, cast.manager1).text
