"""Weekly reports (周报): services, scope of every view per role, the funnel API, who is missing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from reports import api
from reports.models import Opportunity, WeeklyReport, WeeklyReportEvent, last_due_week, week_deadline
from reports.services import OpportunityData, weekly_report_create, weekly_report_submit, weekly_report_update
from tests.conftest import read_people

from .factories import make_report

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 25 November 2026, noon in Shanghai: this week starts 23 Nov, last week 16 Nov (due 23 Nov 10:30).
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=SHANGHAI)
THIS_WEEK = date(2026, 11, 23)
LAST_WEEK = date(2026, 11, 16)
ROLES = ["sales1", "sales2", "sales3", "assistant1", "assistant2", "assistant3", "manager1", "manager2", "gm",
         "finance1"]  # fmt: skip
# Who sees sales1's reports (salesperson="salesperson" scope).
SEES_SALES1 = {"sales1", "assistant1", "assistant2", "manager1", "gm"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def line(customer, stage="proposal", amount="1000.00", probability=50, currency="CNY"):
    return OpportunityData(customer=customer, description=f"{stage} deal", stage=stage, amount=Decimal(amount),
                           currency=currency, probability=probability)  # fmt: skip


# --- deadlines ------------------------------------------------------------------------------


def test_deadline_is_next_monday_1030_company_time():
    assert week_deadline(LAST_WEEK) == datetime(2026, 11, 23, 10, 30, tzinfo=SHANGHAI)
    assert last_due_week(datetime(2026, 11, 23, 10, 29, tzinfo=SHANGHAI)) == date(2026, 11, 9)
    assert last_due_week(datetime(2026, 11, 23, 10, 30, tzinfo=SHANGHAI)) == LAST_WEEK
    assert last_due_week(NOW) == LAST_WEEK


# --- services -------------------------------------------------------------------------------


def test_salesperson_drafts_and_submits_on_time(cast):
    report = weekly_report_create(
        salesperson=cast.sales1, week=THIS_WEEK + timedelta(days=2), actor=cast.sales1,
        visits="3 visits", visit_count=3, opportunities=[line(cast.customer_of_assistant1)],
    )  # fmt: skip
    assert report.week == THIS_WEEK and report.status == WeeklyReport.Status.DRAFT
    assert report.opportunities.get().weighted == Decimal("500.00")
    report = weekly_report_submit(report=report, actor=cast.sales1)
    assert report.is_submitted and not report.is_late and report.submitted_by == cast.sales1
    assert list(report.events.values_list("action", flat=True)) == ["created", "submitted"]
    with pytest.raises(ValidationError):
        weekly_report_submit(report=report, actor=cast.sales1)
    with pytest.raises(ValidationError):
        weekly_report_update(report=report, actor=cast.sales1, opportunities=[], replace=[])


def test_late_submission_is_marked_late(cast):
    report = weekly_report_create(salesperson=cast.sales1, week=date(2026, 11, 9), actor=cast.sales1)
    report = weekly_report_submit(report=report, actor=cast.sales1)
    assert report.is_late
    assert "Late" in report.events.get(action=WeeklyReportEvent.Action.SUBMITTED).comment


def test_assistant_drafts_for_served_salesperson_but_cannot_submit(cast):
    report = weekly_report_create(salesperson=cast.sales1, week=LAST_WEEK, actor=cast.assistant1,
                                  opportunities=[line(cast.customer_of_assistant1)])  # fmt: skip
    assert report.created_by == cast.assistant1
    with pytest.raises(ValidationError):
        weekly_report_submit(report=report, actor=cast.assistant1)
    with pytest.raises(ValidationError):
        weekly_report_create(salesperson=cast.sales3, week=LAST_WEEK, actor=cast.assistant1)
    with pytest.raises(ValidationError):
        weekly_report_create(salesperson=cast.sales1, week=THIS_WEEK, actor=cast.manager1)


def test_opportunity_customer_must_be_in_the_actors_scope(cast):
    # assistant1 was not assigned customer_of_assistant2; sales2's customer is not sales1's.
    for actor, customer in [(cast.assistant1, cast.customer_of_assistant2), (cast.sales1, cast.customer_of_sales2)]:
        with pytest.raises(ValidationError):
            weekly_report_create(salesperson=cast.sales1, week=LAST_WEEK, actor=actor, opportunities=[line(customer)])
    assert not WeeklyReport.objects.exists()


def test_one_report_per_week_and_no_future_week(cast):
    weekly_report_create(salesperson=cast.sales1, week=LAST_WEEK, actor=cast.sales1)
    with pytest.raises(ValidationError):
        weekly_report_create(salesperson=cast.sales1, week=LAST_WEEK + timedelta(days=4), actor=cast.assistant1)
    with pytest.raises(ValidationError):
        weekly_report_create(salesperson=cast.sales1, week=THIS_WEEK + timedelta(days=7), actor=cast.sales1)


def test_assistant_edit_keeps_lines_of_customers_not_assigned_to_them(cast):
    report = weekly_report_create(
        salesperson=cast.sales1, week=LAST_WEEK, actor=cast.sales1,
        opportunities=[line(cast.customer_of_assistant1), line(cast.customer_of_assistant2, amount="7.00")],
    )  # fmt: skip
    mine, other = report.opportunities.order_by("pk")
    weekly_report_update(report=report, actor=cast.assistant1, replace=[mine.pk, other.pk], problems="late goods",
                         opportunities=[line(cast.customer_of_assistant1, stage="won", probability=100)])  # fmt: skip
    assert sorted(report.opportunities.values_list("customer__code", "stage")) == [
        ("T-A1", "won"),
        ("T-A2", "proposal"),
    ]
    report.refresh_from_db()
    assert report.problems == "late goods"


# --- funnel and missing (reports.api) --------------------------------------------------------


@pytest.fixture
def reports(cast):
    old = make_report(cast.sales1, date(2026, 11, 9), lines=[(cast.customer_of_assistant1, "lead", "999.00", 10)])
    latest = make_report(
        cast.sales1, LAST_WEEK,
        lines=[(cast.customer_of_assistant1, "proposal", "1000.00", 50), (cast.customer_shared, "proposal", "333.33", 33),
               (cast.customer_of_assistant2, "won", "200.00", 100, "USD"), (cast.customer_unassigned, "lead", "50.00", 5)],
    )  # fmt: skip
    draft = make_report(
        cast.sales1, THIS_WEEK, submitted=False, lines=[(cast.customer_of_assistant1, "lost", "1.00", 0)]
    )
    sales3 = make_report(cast.sales3, LAST_WEEK, lines=[(cast.customer_of_sales3, "negotiation", "5000.00", 70)])
    return {"old": old, "latest": latest, "draft": draft, "sales3": sales3}


def by_stage(rows):
    return {r["stage"]: r for r in rows}


def test_funnel_uses_latest_submitted_report_and_weights(cast, reports):
    rows = api.funnel(cast.sales1)
    assert [r["stage"] for r in rows] == ["lead", "qualified", "proposal", "negotiation", "won", "lost"]
    stages = by_stage(rows)
    assert stages["proposal"]["count"] == 2
    assert stages["proposal"]["amount"] == {"CNY": Decimal("1333.33")}
    # 500.00 + 110.00 (333.33 × 33% = 109.9989, rounded per line)
    assert stages["proposal"]["weighted"] == {"CNY": Decimal("610.00")}
    assert stages["won"]["amount"] == {"USD": Decimal("200.00")}
    assert stages["lead"]["amount"] == {"CNY": Decimal("50.00")}  # the older report's lead is not counted
    assert stages["lost"]["count"] == 0  # the draft is not counted
    assert stages["negotiation"]["count"] == 0  # sales3 is not sales1's


@pytest.mark.parametrize(
    "who, expected",
    [
        ("gm", {"lead": 1, "proposal": 2, "won": 1, "negotiation": 1}),
        ("manager1", {"lead": 1, "proposal": 2, "won": 1}),
        ("manager2", {"negotiation": 1}),
        ("assistant1", {"proposal": 2}),  # customer_of_assistant1 + customer_shared only
        ("assistant2", {"proposal": 1, "won": 1}),  # customer_shared + customer_of_assistant2
        ("assistant3", {"negotiation": 1}),
        ("sales2", {}),
        ("finance1", {}),
    ],
)
def test_funnel_scope_per_role(cast, reports, who, expected):
    counts = {r["stage"]: r["count"] for r in api.funnel(getattr(cast, who)) if r["count"]}
    assert counts == expected


def test_funnel_narrowed_to_salespersons_within_scope(cast, reports):
    assert {r["stage"] for r in api.funnel(cast.gm, salesperson_ids=[cast.sales3.pk]) if r["count"]} == {"negotiation"}
    # manager1 asking for sales3 (outside their jurisdiction) gets nothing
    assert not any(r["count"] for r in api.funnel(cast.manager1, salesperson_ids=[cast.sales3.pk]))


def test_missing_weekly_reports(cast, reports):
    # last week: sales1 and sales3 submitted, sales2 did not
    assert api.missing_weekly_reports(cast.gm) == [cast.sales2]
    assert api.missing_weekly_reports(cast.gm)[0].missing_week == LAST_WEEK
    assert api.missing_weekly_reports(cast.assistant2) == [cast.sales2]
    assert api.missing_weekly_reports(cast.assistant1) == []
    assert api.missing_weekly_reports(cast.manager2) == []
    assert api.missing_weekly_reports(cast.sales2) == [cast.sales2]
    assert api.missing_weekly_reports(cast.finance1) == []
    # Monday before 10:30 the week before last is the one that counts: only the old report exists.
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert set(api.missing_weekly_reports(cast.gm)) == {cast.sales2, cast.sales3}


def test_missing_is_one_query(cast, reports, django_assert_num_queries):
    read_people(cast.manager1)
    with django_assert_num_queries(1):
        api.missing_weekly_reports(cast.manager1)


# --- views: scope per role ------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_list_shows_only_reports_in_scope(client, cast, reports, who):
    client.force_login(getattr(cast, who))
    response = client.get(reverse("reports:list"))
    assert response.status_code == 200
    shown = {r.pk for r in response.context["reports"]}
    expected = {r.pk for r in reports.values() if who in ("gm",)
                or (r.salesperson == cast.sales1 and who in SEES_SALES1)
                or (r.salesperson == cast.sales3 and who in {"sales3", "assistant3", "manager2"})}  # fmt: skip
    assert shown == expected


@pytest.mark.parametrize("who", ROLES)
def test_detail_edit_submit_are_404_out_of_scope(client, cast, reports, who):
    client.force_login(getattr(cast, who))
    draft = reports["draft"]
    detail = client.get(reverse("reports:detail", args=[draft.pk]))
    edit = client.get(reverse("reports:edit", args=[draft.pk]))
    submit = client.post(reverse("reports:submit", args=[draft.pk]))
    if who in SEES_SALES1:
        assert detail.status_code == 200
        # only the salesperson and their assistants write; managers read
        assert edit.status_code == (200 if who in {"sales1", "assistant1", "assistant2"} else 404)
        assert submit.status_code == 302
    else:
        assert (detail.status_code, edit.status_code, submit.status_code) == (404, 404, 404)
    draft.refresh_from_db()
    assert draft.is_submitted == (who == "sales1")


@pytest.mark.parametrize("who", ROLES)
def test_create_page_per_role(client, cast, who):
    client.force_login(getattr(cast, who))
    response = client.get(reverse("reports:create"))
    assert response.status_code == (200 if who.startswith(("sales", "assistant")) else 404)


def test_detail_of_assistant_hides_lines_of_unassigned_customers(client, cast, reports):
    client.force_login(cast.assistant1)
    response = client.get(reverse("reports:detail", args=[reports["latest"].pk]))
    assert {o.customer.code for o in response.context["opportunities"]} == {"T-A1", "T-SH"}
    assert response.context["hidden_lines"] == 2
    assert "T-A2" not in response.content.decode()


def test_create_and_submit_through_the_pages(client, cast):
    client.force_login(cast.sales1)
    data = {
        "salesperson": cast.sales1.pk, "week": "2026-W47", "visit_count": "4", "visits": "拜访客户四家",
        "orders": "", "problems": "", "next_week_plan": "跟进报价",
        "opp-TOTAL_FORMS": "2", "opp-INITIAL_FORMS": "0", "opp-MIN_NUM_FORMS": "0", "opp-MAX_NUM_FORMS": "50",
        "opp-0-customer": cast.customer_of_assistant1.pk, "opp-0-description": "年度框架合同", "opp-0-stage": "negotiation",
        "opp-0-amount": "120000.00", "opp-0-currency": "CNY", "opp-0-probability": "60",
        "opp-1-customer": cast.customer_shared.pk, "opp-1-description": "新品试用", "opp-1-stage": "lead",
        "opp-1-amount": "8000", "opp-1-currency": "USD", "opp-1-probability": "10",
    }  # fmt: skip
    response = client.post(reverse("reports:create"), data)
    report = WeeklyReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert report.week == LAST_WEEK and report.visit_count == 4 and report.opportunities.count() == 2
    response = client.post(reverse("reports:submit", args=[report.pk]), follow=True)
    report.refresh_from_db()
    assert report.is_submitted and report.is_late  # due Monday 23 Nov 10:30, now Wednesday
    assert "submitted late" in response.content.decode()
    negotiation = by_stage(api.funnel(cast.manager1))["negotiation"]
    assert negotiation["weighted"] == {"CNY": Decimal("72000.00")}


def test_create_form_refuses_a_customer_outside_scope_and_keeps_values(client, cast):
    client.force_login(cast.assistant1)
    data = {
        "salesperson": cast.sales1.pk, "week": "2026-W47", "visits": "keep me",
        "opp-TOTAL_FORMS": "1", "opp-INITIAL_FORMS": "0", "opp-MIN_NUM_FORMS": "0", "opp-MAX_NUM_FORMS": "50",
        "opp-0-customer": cast.customer_of_assistant2.pk, "opp-0-description": "x", "opp-0-stage": "lead",
        "opp-0-amount": "1", "opp-0-currency": "CNY", "opp-0-probability": "10",
    }  # fmt: skip
    response = client.post(reverse("reports:create"), data)
    assert response.status_code == 200 and not WeeklyReport.objects.exists()
    assert "keep me" in response.content.decode()


def test_edit_through_the_page_replaces_lines(client, cast, reports):
    client.force_login(cast.sales1)
    draft = reports["draft"]
    opp = draft.opportunities.get()
    data = {
        "visit_count": "", "visits": "v", "orders": "o", "problems": "", "next_week_plan": "p",
        "opp-TOTAL_FORMS": "1", "opp-INITIAL_FORMS": "1", "opp-MIN_NUM_FORMS": "0", "opp-MAX_NUM_FORMS": "50",
        "opp-0-id": opp.pk, "opp-0-customer": cast.customer_unassigned.pk, "opp-0-description": "changed",
        "opp-0-stage": "qualified", "opp-0-amount": "10", "opp-0-currency": "EUR", "opp-0-probability": "20",
    }  # fmt: skip
    assert client.post(reverse("reports:edit", args=[draft.pk]), data).status_code == 302
    assert list(draft.opportunities.values_list("description", "stage", "currency")) == [
        ("changed", "qualified", "EUR")
    ]
    assert list(draft.events.values_list("action", flat=True)) == ["updated"]


def test_list_filters_and_missing_panel(client, cast, reports):
    client.force_login(cast.assistant2)
    response = client.get(reverse("reports:list"), {"week": "2026-W47"})
    assert {r.pk for r in response.context["reports"]} == {reports["latest"].pk}
    assert response.context["missing"] == [cast.sales2]
    assert "missing-reports" in response.content.decode()
    response = client.get(reverse("reports:list"), {"status": "draft"})
    assert {r.pk for r in response.context["reports"]} == {reports["draft"].pk}


def test_list_query_count_does_not_grow_with_rows(client, cast, django_assert_max_num_queries):
    client.force_login(cast.manager1)
    make_report(cast.sales1, LAST_WEEK)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("reports:list"))
    for weeks_back in range(2, 40):
        make_report(cast.sales1 if weeks_back % 2 else cast.sales2, LAST_WEEK - timedelta(days=7 * weeks_back))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("reports:list"))


# --- funnel page and Excel --------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_funnel_page_per_role_equals_api(client, cast, reports, who):
    user = getattr(cast, who)
    client.force_login(user)
    response = client.get(reverse("reports:funnel"))
    assert response.status_code == 200
    assert response.context["table"].stages == api.funnel(user)


def test_funnel_page_by_salesperson_and_team(client, cast, reports):
    client.force_login(cast.gm)
    table = client.get(reverse("reports:funnel")).context["table"]
    sales1 = next(g for g in table.by_salesperson if g.key == cast.sales1.pk)
    assert sales1.week == LAST_WEEK and sales1.count == 4
    cny = next(r for r in sales1.rows() if r["currency"] == "CNY")
    assert cny["amount"] == Decimal("1383.33") and cny["weighted"] == Decimal("612.50")
    assert {t.label: t.count for t in table.by_team} == {"Team A 华东": 4, "Team B 华南": 1}


def test_funnel_excel(client, cast, reports):
    client.force_login(cast.manager1)
    response = client.get(reverse("reports:funnel-export"))
    assert response.status_code == 200
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Funnel", "By salesperson", "Salesperson totals", "By team", "Team totals"]
    rows = list(book["Funnel"].iter_rows(values_only=True))
    assert rows[0] == ("Stage", "Opportunities", "Currency", "Amount", "Weighted amount")
    proposal = next(r for r in rows if r[0] == "Proposal")
    assert proposal[1:] == (2, "CNY", 1333.33, 610)
    assert isinstance(proposal[3], float)
    totals = list(book["Salesperson totals"].iter_rows(values_only=True))[1:]
    assert ("王强 Wang Qiang", "CNY", 1383.33, 612.5) in totals
    # manager1's file has no sales3 line
    assert not any("Zhang" in str(r[0]) for r in totals)


def test_opportunity_visible_to_matches_funnel(cast, reports):
    # An assistant sees the opportunity lines of assigned customers only, in the model's own queryset.
    assert set(Opportunity.objects.visible_to(cast.assistant1).values_list("customer__code", flat=True)) == {
        "T-A1", "T-SH"}  # fmt: skip


def test_funnel_page_query_count_does_not_grow_with_rows(client, cast, django_assert_max_num_queries):
    client.force_login(cast.gm)
    make_report(cast.sales1, LAST_WEEK, lines=[(cast.customer_of_assistant1, "lead", "1.00", 10)])
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("reports:funnel"))
    for weeks_back in range(1, 10):
        lines = [(cast.customer_shared, "won", "5.00", 100)] * 20
        make_report(cast.sales2, LAST_WEEK - timedelta(days=7 * weeks_back), lines=lines)
        make_report(
            cast.sales3, LAST_WEEK - timedelta(days=7 * weeks_back), lines=[(cast.customer_of_sales3, "lost", "2", 0)]
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("reports:funnel"))
    assert {r["stage"]: r["count"] for r in response.context["table"].stages if r["count"]} == {
        "lead": 1,
        "won": 20,
        "lost": 1,
    }


@pytest.mark.parametrize("who", ["sales1", "assistant1", "manager1", "manager2", "gm", "finance1"])
def test_list_excel_in_scope_with_filters_and_types(client, cast, reports, who):
    client.force_login(getattr(cast, who))
    response = client.get(reverse("reports:export"), {"week": "2026-W47"})
    assert response.status_code == 200
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    rows = list(book["Weekly reports"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Week", "From", "Salesperson")
    names = sorted(r[2] for r in rows[1:])
    expected = {"sales1": ["王强 Wang Qiang"], "assistant1": ["王强 Wang Qiang"], "manager1": ["王强 Wang Qiang"],
                "manager2": ["张磊 Zhang Lei"], "gm": ["张磊 Zhang Lei", "王强 Wang Qiang"], "finance1": []}[who]  # fmt: skip
    assert names == expected
    for row in rows[1:]:
        assert row[0] == "2026-W47" and isinstance(row[1], datetime) and isinstance(row[6], datetime)
