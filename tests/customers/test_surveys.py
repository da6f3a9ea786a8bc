"""Satisfaction surveys (客户满意度调查): scope per role, recording with bad input, the trend."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from customers.models import SatisfactionSurvey
from customers.services.complaints import survey_create

ROLES = ["sales1", "assistant1", "assistant2", "manager1", "manager2", "gm", "sales3", "assistant3", "finance1"]
SEES_A1 = {"sales1", "assistant1", "manager1", "gm"}
SEES_S3 = {"sales3", "assistant3", "manager2", "gm"}


def survey(company, period, score, comments=""):
    return SatisfactionSurvey.objects.create(
        company=company, period=period, score=score, comments=comments, surveyed_by=company.owner
    )


@pytest.mark.parametrize("who", ROLES)
def test_survey_create_is_404_outside_scope(client, cast, who):
    client.force_login(getattr(cast, who))
    for company, seers in [(cast.customer_of_assistant1, SEES_A1), (cast.customer_of_sales3, SEES_S3)]:
        response = client.get(reverse("customers:survey-create", args=[company.pk]))
        assert response.status_code == (200 if who in seers else 404), company.code


@pytest.mark.parametrize("who", ROLES)
def test_survey_trend_for_a_customer_is_404_outside_scope(client, cast, who):
    client.force_login(getattr(cast, who))
    for company, seers in [(cast.customer_of_assistant1, SEES_A1), (cast.customer_of_sales3, SEES_S3)]:
        response = client.get(reverse("customers:survey-trend"), {"company": company.pk})
        assert response.status_code == (200 if who in seers else 404), company.code


def test_assistant_cannot_survey_a_customer_assigned_to_another_assistant(client, cast):
    client.force_login(cast.assistant1)
    url = reverse("customers:survey-create", args=[cast.customer_of_assistant2.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"period": "2026-03", "score": "4"}).status_code == 404
    assert SatisfactionSurvey.objects.count() == 0


def test_a_factory_gets_no_survey(client, cast):
    from customers.models import Company

    factory = Company.objects.create(code="F-1", name="F-1 厂", owner=cast.sales1, kind=Company.Kind.FACTORY)
    client.force_login(cast.sales1)
    assert client.get(reverse("customers:survey-create", args=[factory.pk])).status_code == 404


@time_machine.travel(date(2026, 3, 25), tick=False)
def test_record_a_survey_normalises_the_month(client, cast):
    client.force_login(cast.assistant1)
    url = reverse("customers:survey-create", args=[cast.customer_of_assistant1.pk])
    response = client.get(url)
    assert 'value="2026-03"' in response.content.decode()  # this month by default
    response = client.post(url, {"period": "2026-02", "score": "4", "comments": "Faster replies please"})
    assert response.status_code == 302
    assert response["Location"] == cast.customer_of_assistant1.get_absolute_url() + "#surveys"
    saved = SatisfactionSurvey.objects.get()
    assert saved.period == date(2026, 2, 1) and saved.score == 4 and saved.surveyed_by == cast.assistant1
    # a full date is accepted as well, and becomes the first of its month
    client.post(url, {"period": "2026-01-17", "score": "5"})
    assert SatisfactionSurvey.objects.filter(period=date(2026, 1, 1)).exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"period": "2026-02", "score": "0"}, "score"),
        ({"period": "2026-02", "score": "6"}, "score"),
        ({"period": "2026-02", "score": ""}, "score"),
        ({"period": "", "score": "3"}, "period"),
        ({"period": "March", "score": "3"}, "period"),
        ({"period": "2026-05", "score": "3"}, "period"),  # the future
    ],
)
@time_machine.travel(date(2026, 3, 25), tick=False)
def test_bad_survey_input_shows_an_error_and_saves_nothing(client, cast, data, field):
    client.force_login(cast.sales1)
    response = client.post(
        reverse("customers:survey-create", args=[cast.customer_of_assistant1.pk]), {**data, "comments": "kept"}
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert "kept</textarea>" in html  # what was typed is kept
    if field == "score":
        assert "Choose a score from 1 to 5." in html
    assert SatisfactionSurvey.objects.count() == 0


@time_machine.travel(date(2026, 3, 25), tick=False)
def test_duplicate_period_is_a_form_error(client, cast):
    survey(cast.customer_of_assistant1, date(2026, 2, 1), 3)
    client.force_login(cast.sales1)
    response = client.post(
        reverse("customers:survey-create", args=[cast.customer_of_assistant1.pk]), {"period": "2026-02", "score": "5"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["period"]
    assert "already has a survey for 2026-02" in str(errors)
    assert SatisfactionSurvey.objects.get().score == 3
    # another customer may have the same month
    response = client.post(
        reverse("customers:survey-create", args=[cast.customer_shared.pk]), {"period": "2026-02", "score": "5"}
    )
    assert response.status_code == 302


def test_service_refuses_out_of_scope_and_bad_scores(cast):
    with pytest.raises(ValidationError):
        survey_create(actor=cast.assistant1, company=cast.customer_of_sales3, period=date(2026, 2, 1), score=4)
    with pytest.raises(ValidationError):
        survey_create(actor=cast.sales1, company=cast.customer_of_assistant1, period=date(2026, 2, 1), score=6)
    assert SatisfactionSurvey.objects.count() == 0


@pytest.fixture
def trend_data(cast):
    A1, SH, A2, S3 = (
        cast.customer_of_assistant1,
        cast.customer_shared,
        cast.customer_of_assistant2,
        cast.customer_of_sales3,
    )
    survey(A1, date(2026, 1, 1), 3)
    survey(A1, date(2026, 2, 1), 4)
    survey(A1, date(2026, 3, 1), 2)
    survey(SH, date(2026, 2, 1), 5)
    survey(SH, date(2026, 3, 1), 5)
    survey(A2, date(2026, 3, 1), 4)
    survey(A2, date(2025, 3, 1), 1)  # before the 12 months, still in the per-customer history
    survey(S3, date(2026, 3, 1), 1)  # sales3's: out of sales1's scope


def test_trend_numbers(client, cast, trend_data):
    client.force_login(cast.sales1)
    response = client.get(reverse("customers:survey-trend"), {"month": "2026-03"})
    trend = response.context["trend"]
    by_month = {row["month"]: (row["count"], row["avg"]) for row in trend.overall}
    assert len(by_month) == 12
    assert by_month[date(2026, 3, 1)] == (3, 3.67)  # (2 + 5 + 4) / 3, sales3's 1 not counted
    assert by_month[date(2026, 2, 1)] == (2, 4.5)
    assert by_month[date(2026, 1, 1)] == (1, 3.0)
    assert by_month[date(2025, 4, 1)] == (0, None)
    customers = [(r["code"], r["count"], r["latest"], r["change"]) for r in trend.customers]
    assert customers == [("T-A1", 3, 2, -2), ("T-A2", 2, 4, 3), ("T-SH", 2, 5, 0)]
    assert trend.customers[0]["recent"] == [3, 4, 2]
    assert trend.chart["datasets"][0]["data"][-3:] == [3.0, 4.5, 3.67]
    html = response.content.decode()
    assert 'data-chart="survey-chart-data"' in html and "T-S3" not in html


def test_trend_of_one_customer(client, cast, trend_data):
    client.force_login(cast.assistant1)
    response = client.get(
        reverse("customers:survey-trend"), {"company": cast.customer_of_assistant1.pk, "month": "2026-03"}
    )
    trend = response.context["trend"]
    assert [s.score for s in trend.company_surveys] == [2, 4, 3]
    assert [row["avg"] for row in trend.overall][-3:] == [3.0, 4.0, 2.0]
    assert trend.customers == []


def test_trend_customer_picker_is_a_type_ahead_not_every_customer(client, cast, trend_data):
    """The picker holds only the chosen customer; the others come from the scoped lookup as the
    user types (a select of every surveyed customer was most of the page at 20,000 companies)."""
    client.force_login(cast.sales1)
    html = client.get(reverse("customers:survey-trend"), {"month": "2026-03"}).content.decode()
    picker = html[html.index('id="trend-company"') : html.index("</select>", html.index('id="trend-company"'))]
    assert f'data-lookup-url="{reverse("customers:lookup")}?kind=customer"' in picker
    assert "T-A1" not in picker and '<option value="">' in picker
    html = client.get(
        reverse("customers:survey-trend"), {"company": cast.customer_of_assistant1.pk, "month": "2026-03"}
    ).content.decode()
    picker = html[html.index('id="trend-company"') : html.index("</select>", html.index('id="trend-company"'))]
    assert f'<option value="{cast.customer_of_assistant1.pk}" selected>T-A1' in picker
    assert "T-A2" not in picker


def test_trend_is_scoped_per_role(client, cast, trend_data):
    for who, count in {"assistant1": 5, "manager2": 1, "gm": 7, "finance1": 0, "assistant3": 1}.items():
        client.force_login(getattr(cast, who))
        trend = client.get(reverse("customers:survey-trend"), {"month": "2026-03"}).context["trend"]
        assert sum(row["count"] for row in trend.overall) == count, who


def test_trend_queries_are_bounded(client, cast, trend_data, django_assert_max_num_queries):
    client.force_login(cast.gm)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("customers:survey-trend"), {"month": "2026-03"}).status_code == 200


def test_company_page_shows_its_surveys_tab(client, cast, trend_data):
    client.force_login(cast.assistant1)
    html = client.get(cast.customer_of_assistant1.get_absolute_url()).content.decode()
    assert reverse("customers:survey-create", args=[cast.customer_of_assistant1.pk]) in html
    assert 'id="survey-trend-badges"' in html
    client.force_login(cast.sales1)
    html = client.get(cast.customer_unassigned.get_absolute_url()).content.decode()
    assert "No satisfaction surveys yet" in html
