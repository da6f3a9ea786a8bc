"""Complaints (客户投诉): scope per role on every URL, list and Excel, record and close, the monthly analysis."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from customers.models import Complaint
from customers.services.complaints import complaint_create, complaint_update

ROLES = ["sales1", "assistant1", "assistant2", "manager1", "manager2", "gm", "sales3", "assistant3", "finance1"]
# Who sees cast.customer_of_assistant1 (sales1's, assigned to assistant1 only) and cast.customer_of_sales3.
SEES_A1 = {"sales1", "assistant1", "manager1", "gm"}
SEES_S3 = {"sales3", "assistant3", "manager2", "gm"}
CAN_RECORD = set(ROLES) - {"finance1"}


def make(company, received_on=date(2026, 3, 5), *, category="quality", product="", status="open", closed_on=None, **kw):
    return Complaint.objects.create(
        company=company,
        received_on=received_on,
        category=category,
        product=product,
        status=status,
        closed_on=closed_on,
        resolution="done" if status in {"resolved", "closed"} else "",
        description=kw.pop("description", f"{category} complaint"),
        created_by=kw.pop("created_by", company.owner),
        **kw,
    )


def workbook(response):
    content = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(content), read_only=True)


def rows(sheet) -> list[tuple]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def listed(response) -> set[int]:
    return {c.pk for c in response.context["complaints"]}


# Scope -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_complaint_object_urls_are_404_outside_scope(client, cast, who):
    mine = make(cast.customer_of_assistant1)
    theirs = make(cast.customer_of_sales3)
    client.force_login(getattr(cast, who))
    for complaint, seers in [(mine, SEES_A1), (theirs, SEES_S3)]:
        for name in ["customers:complaint-detail", "customers:complaint-edit"]:
            response = client.get(reverse(name, args=[complaint.pk]))
            assert response.status_code == (200 if who in seers else 404), (name, complaint.company.code)


def test_assistant_does_not_see_a_complaint_of_a_customer_assigned_to_another_assistant(client, cast):
    complaint = make(cast.customer_of_assistant2)
    client.force_login(cast.assistant1)
    assert client.get(reverse("customers:complaint-detail", args=[complaint.pk])).status_code == 404
    assert client.get(reverse("customers:complaint-edit", args=[complaint.pk])).status_code == 404
    client.force_login(cast.assistant2)
    assert client.get(reverse("customers:complaint-detail", args=[complaint.pk])).status_code == 200


def test_edit_post_outside_scope_is_404_and_changes_nothing(client, cast):
    complaint = make(cast.customer_of_sales3)
    client.force_login(cast.assistant1)
    response = client.post(
        reverse("customers:complaint-edit", args=[complaint.pk]),
        {"received_on": "2026-03-05", "channel": "phone", "category": "other", "severity": "low",
         "description": "hacked", "status": "closed", "resolution": "x"},
    )  # fmt: skip
    assert response.status_code == 404
    complaint.refresh_from_db()
    assert complaint.description != "hacked" and complaint.status == "open"


@pytest.mark.parametrize("who", ROLES)
def test_list_shows_exactly_the_scoped_complaints(client, cast, who):
    by_company = {
        name: make(getattr(cast, name)).pk
        for name in ["customer_of_assistant1", "customer_shared", "customer_of_assistant2", "customer_unassigned",
                     "customer_of_sales2", "customer_of_sales3"]
    }  # fmt: skip
    expected = {
        "sales1": {"customer_of_assistant1", "customer_shared", "customer_of_assistant2", "customer_unassigned"},
        "assistant1": {"customer_of_assistant1", "customer_shared"},
        "assistant2": {"customer_shared", "customer_of_assistant2", "customer_of_sales2"},
        "manager1": {"customer_of_assistant1", "customer_shared", "customer_of_assistant2", "customer_unassigned",
                     "customer_of_sales2"},
        "manager2": {"customer_of_sales3"},
        "gm": set(by_company),
        "sales3": {"customer_of_sales3"},
        "assistant3": {"customer_of_sales3"},
        "finance1": set(),
    }[who]  # fmt: skip
    client.force_login(getattr(cast, who))
    response = client.get(reverse("customers:complaint-list"))
    assert response.status_code == 200
    assert listed(response) == {by_company[name] for name in expected}
    if not expected:
        assert "No complaints yet" in response.content.decode()


@pytest.mark.parametrize("who", ROLES)
def test_pages_without_an_object_answer_every_role(client, cast, who):
    client.force_login(getattr(cast, who))
    for name in ["customers:complaint-list", "customers:complaint-analysis", "customers:survey-trend"]:
        assert client.get(reverse(name)).status_code == 200, name
    for name in ["customers:complaint-export", "customers:complaint-analysis-export"]:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    expected = 200 if who in CAN_RECORD else 404
    assert client.get(reverse("customers:complaint-create")).status_code == expected


@pytest.mark.parametrize("who", ROLES)
def test_create_with_a_preselected_company_is_404_outside_scope(client, cast, who):
    client.force_login(getattr(cast, who))
    url = reverse("customers:complaint-create") + f"?company={cast.customer_of_assistant1.pk}"
    response = client.get(url)
    assert response.status_code == (200 if who in SEES_A1 else 404)
    if response.status_code == 200:
        assert response.context["form"]["company"].value() == cast.customer_of_assistant1.pk


def test_anonymous_is_sent_to_login_everywhere(client, cast):
    complaint = make(cast.customer_of_assistant1)
    urls = [
        reverse("customers:complaint-list"),
        reverse("customers:complaint-export"),
        reverse("customers:complaint-create"),
        reverse("customers:complaint-analysis"),
        reverse("customers:complaint-analysis-export"),
        reverse("customers:complaint-detail", args=[complaint.pk]),
        reverse("customers:complaint-edit", args=[complaint.pk]),
        reverse("customers:survey-create", args=[cast.customer_of_assistant1.pk]),
        reverse("customers:survey-trend"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


# List: filters, search, sort, htmx, Excel --------------------------------------------------


@pytest.fixture
def listing(cast):
    """A few complaints of sales1's customers and one of sales3's (out of sales1's scope)."""
    return {
        "a": make(cast.customer_of_assistant1, date(2026, 3, 2), category="quality", product="LED panel",
                  severity="high"),
        "b": make(cast.customer_of_assistant1, date(2026, 3, 20), category="delivery", product="Hinge",
                  description="Shipment two weeks late"),
        "c": make(cast.customer_shared, date(2026, 2, 10), category="quality", product="LED panel", status="closed",
                  closed_on=date(2026, 2, 14)),
        "d": make(cast.customer_of_assistant2, date(2026, 3, 11), category="billing"),
        "x": make(cast.customer_of_sales3, date(2026, 3, 3), category="quality", product="LED panel"),
    }  # fmt: skip


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", "abcd"),
        ("category=quality", "ac"),
        ("month=2026-03", "abd"),
        ("category=quality&month=2026-03", "a"),
        ("status=closed", "c"),
        ("severity=high", "a"),
        ("q=led", "ac"),
        ("q=two+weeks", "b"),
        ("q=T-SH", "c"),
        ("q=T-S3", ""),
    ],
)
def test_list_and_excel_filters(client, cast, listing, query, expected):
    client.force_login(cast.sales1)
    want = {listing[k].pk for k in expected}
    response = client.get(reverse("customers:complaint-list") + "?" + query)
    assert listed(response) == want
    response = client.get(reverse("customers:complaint-export") + "?" + query)
    sheet = workbook(response).worksheets[0]
    data = rows(sheet)
    assert data[0][0] == "Number"
    assert {row[0] for row in data[1:]} == want


def test_list_filters_by_customer_and_search_by_number(client, cast, listing):
    client.force_login(cast.sales1)
    url = reverse("customers:complaint-list")
    assert listed(client.get(url, {"company": cast.customer_shared.pk})) == {listing["c"].pk}
    assert listed(client.get(url, {"q": f"#{listing['d'].pk}"})) >= {listing["d"].pk}
    # a customer outside scope is not a valid filter: nothing of theirs leaks
    response = client.get(url, {"company": cast.customer_of_sales3.pk})
    assert listing["x"].pk not in listed(response)


def test_excel_row_content(client, cast, listing):
    client.force_login(cast.assistant1)
    response = client.get(reverse("customers:complaint-export"), {"status": "closed"})
    assert response["Content-Disposition"].startswith("attachment")
    data = rows(workbook(response).worksheets[0])
    header, row = data[0], data[1]
    record = dict(zip(header, row, strict=True))
    assert len(data) == 2
    assert record["Customer code"] == "T-SH"
    assert record["Category"] == "Quality"
    assert record["Status"] == "Closed"
    assert record["Days to close"] == 4
    assert record["Received on"].date() == date(2026, 2, 10)


def test_list_sorts_by_column(client, cast, listing):
    client.force_login(cast.sales1)
    url = reverse("customers:complaint-list")
    by_received = [c.pk for c in client.get(url, {"sort": "received"}).context["complaints"]]
    assert by_received == [listing[k].pk for k in "cadb"]
    by_severity = [c.pk for c in client.get(url, {"sort": "-severity"}).context["complaints"]]
    assert by_severity[0] == listing["a"].pk  # high before medium
    html = client.get(url, {"sort": "customer"}).content.decode()
    assert "sort=-customer" in html  # the active column's link reverses the order


def test_list_answers_htmx_with_the_rows_fragment(client, cast, listing):
    client.force_login(cast.sales1)
    response = client.get(reverse("customers:complaint-list"), {"category": "billing"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and 'id="complaint-table"' in html
    assert f"#{listing['d'].pk}" in html and f"#{listing['a'].pk}<" not in html
    assert "Category: Billing" in html  # the applied filter is shown


def test_list_paginates_at_50(client, cast):
    Complaint.objects.bulk_create(
        Complaint(company=cast.customer_of_assistant1, received_on=date(2026, 3, 1), category="other",
                  description="x", created_by=cast.sales1)
        for _ in range(55)
    )  # fmt: skip
    client.force_login(cast.sales1)
    response = client.get(reverse("customers:complaint-list"))
    assert len(response.context["complaints"]) == 50
    assert len(client.get(reverse("customers:complaint-list"), {"page": 2}).context["complaints"]) == 5


@pytest.mark.parametrize("count", [5, 60])
def test_list_queries_do_not_grow_with_rows(client, cast, count, django_assert_max_num_queries):
    companies = [cast.customer_of_assistant1, cast.customer_shared, cast.customer_of_assistant2]
    for n in range(count):
        make(companies[n % 3], date(2026, 3, 1 + n % 28), handler=cast.assistant1 if n % 2 else cast.sales1)
    client.force_login(cast.sales1)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("customers:complaint-list"))
    assert response.status_code == 200


# Record, edit, close -------------------------------------------------------------------------


def form_data(company=None, **overrides):
    data = {
        "received_on": "2026-03-05",
        "channel": "phone",
        "category": "quality",
        "severity": "high",
        "product": "LED panel 600x600",
        "description": "Flickering after two hours",
    }
    if company is not None:
        data["company"] = company.pk
    data.update(overrides)
    return data


def test_create_form_offers_only_the_users_customers(client, cast):
    client.force_login(cast.assistant1)
    response = client.get(reverse("customers:complaint-create"))
    offered = set(response.context["form"].fields["company"].queryset)
    assert offered == {cast.customer_of_assistant1, cast.customer_shared}
    html = response.content.decode()
    # a type-ahead: no option list in the page, the scoped lookup answers instead
    assert 'data-lookup-url="/customers/lookup/?kind=customer"' in html
    assert "T-A2" not in html and "T-S3" not in html
    found = client.get(reverse("customers:lookup"), {"q": "T-", "kind": "customer"}).json()["results"]
    assert {r["text"].split()[0] for r in found} == {"T-A1", "T-SH"}


@time_machine.travel(date(2026, 3, 25), tick=False)
def test_assistant_records_a_complaint(client, cast):
    client.force_login(cast.assistant1)
    url = reverse("customers:complaint-create") + f"?company={cast.customer_of_assistant1.pk}"
    response = client.post(url, form_data(cast.customer_of_assistant1, handler=cast.assistant1.pk))
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == complaint.get_absolute_url()
    assert complaint.created_by == cast.assistant1 and complaint.handler == cast.assistant1
    assert complaint.status == "open" and complaint.closed_on is None
    assert complaint.history.get().history_user == cast.assistant1
    page = client.get(response["Location"]).content.decode()
    assert f"Complaint #{complaint.pk} from" in page  # the message
    assert "recorded the complaint" in page


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"category": ""}, "category"),
        ({"received_on": "2030-01-01"}, "received_on"),
    ],
)
def test_create_bad_input_shows_the_error_and_saves_nothing(client, cast, overrides, field):
    client.force_login(cast.assistant1)
    response = client.post(reverse("customers:complaint-create"), form_data(cast.customer_of_assistant1, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Complaint.objects.count() == 0
    html = response.content.decode()
    assert "LED panel 600x600" in html  # what was typed is kept


def test_forged_post_with_an_out_of_scope_company_creates_nothing(client, cast):
    client.force_login(cast.assistant1)
    for company in [cast.customer_of_sales3, cast.customer_of_assistant2]:
        response = client.post(reverse("customers:complaint-create"), form_data(company))
        assert response.status_code == 200
        assert "company" in response.context["form"].errors
    assert Complaint.objects.count() == 0
    # the service refuses it too, whatever the form did
    with pytest.raises(ValidationError):
        complaint_create(actor=cast.assistant1, company=cast.customer_of_sales3, received_on=date(2026, 3, 5),
                         category="quality", description="x")  # fmt: skip
    assert Complaint.objects.count() == 0


def test_handler_must_see_the_company(client, cast):
    client.force_login(cast.sales1)
    response = client.post(
        reverse("customers:complaint-create"), form_data(cast.customer_of_assistant1, handler=cast.assistant3.pk)
    )
    assert response.status_code == 200
    assert "handler" in response.context["form"].errors
    assert "cannot see" in str(response.context["form"].errors["handler"])
    assert Complaint.objects.count() == 0
    # assistant2 does not work on customer_of_assistant1; assistant1 does
    with pytest.raises(ValidationError):
        complaint_create(actor=cast.sales1, company=cast.customer_of_assistant1, received_on=date(2026, 3, 5),
                         category="quality", description="x", handler=cast.assistant2)  # fmt: skip
    ok = complaint_create(actor=cast.sales1, company=cast.customer_of_assistant1, received_on=date(2026, 3, 5),
                          category="quality", description="x", handler=cast.assistant1)  # fmt: skip
    assert ok.handler == cast.assistant1


def edit_data(complaint, **overrides):
    data = {
        "received_on": complaint.received_on.isoformat(),
        "channel": complaint.channel,
        "category": complaint.category,
        "severity": complaint.severity,
        "product": complaint.product,
        "description": complaint.description,
        "handler": complaint.handler_id or "",
        "status": complaint.status,
        "resolution": complaint.resolution,
        "closed_on": "",
    }
    data.update(overrides)
    return data


@time_machine.travel(date(2026, 3, 25), tick=False)
def test_closing_without_a_resolution_is_refused(client, cast):
    complaint = make(cast.customer_of_assistant1, handler=cast.assistant1)
    client.force_login(cast.assistant1)
    url = reverse("customers:complaint-edit", args=[complaint.pk])
    response = client.post(url, edit_data(complaint, status="closed", resolution=" "))
    assert response.status_code == 200
    assert "resolution" in response.context["form"].errors
    assert "Say how the complaint was resolved" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == "open" and complaint.closed_on is None


@time_machine.travel(date(2026, 3, 25), tick=False)
def test_status_flow_close_sets_today_and_reopen_clears_it(client, cast):
    complaint = make(cast.customer_of_assistant1, handler=cast.assistant1)
    client.force_login(cast.assistant1)
    url = reverse("customers:complaint-edit", args=[complaint.pk])

    response = client.post(url, edit_data(complaint, status="in_progress"))
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "in_progress"

    response = client.get(url + "?status=closed")
    assert response.context["form"]["status"].value() == "closed"
    assert list(dict(response.context["form"].fields["status"].choices)) == ["in_progress", "resolved", "closed"]

    response = client.post(url, edit_data(complaint, status="closed", resolution="Replaced 20 panels"))
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.closed_on == date(2026, 3, 25)
    assert complaint.resolution == "Replaced 20 panels"

    detail = client.get(complaint.get_absolute_url())
    html = detail.content.decode()
    assert "Replaced 20 panels" in html
    assert [a["status"] for a in detail.context["actions"]] == ["in_progress"]  # only "Reopen" now
    timeline = detail.context["timeline"]
    assert [e.kind for e in timeline] == ["~", "~", "+"]
    assert all(e.who == cast.assistant1 for e in timeline[:-1])  # the first row was made without a user
    assert ("status", "In progress", "Closed") in timeline[0].changes

    # a closed complaint cannot go back to open, only be reopened (in progress)
    response = client.post(url, edit_data(complaint, status="open"))
    assert response.status_code == 200 and "status" in response.context["form"].errors
    response = client.post(url, edit_data(complaint, status="in_progress", closed_on="2026-03-25"))
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "in_progress" and complaint.closed_on is None


@time_machine.travel(date(2026, 3, 25), tick=False)
def test_close_date_rules(cast):
    complaint = make(cast.customer_of_assistant1, received_on=date(2026, 3, 10))
    common = {"complaint": complaint, "actor": cast.sales1, "received_on": complaint.received_on, "channel": "phone",
              "category": "quality", "severity": "medium", "product": "", "description": "x", "handler": None,
              "status": "closed", "resolution": "Credit note"}  # fmt: skip
    with pytest.raises(ValidationError) as excinfo:
        complaint_update(**common, closed_on=date(2026, 3, 9))
    assert "closed_on" in excinfo.value.error_dict
    with pytest.raises(ValidationError):
        complaint_update(**common, closed_on=date(2026, 3, 26))
    assert complaint_update(**common, closed_on=date(2026, 3, 12)).closed_on == date(2026, 3, 12)
    # the service checks scope on its own
    with pytest.raises(ValidationError):
        complaint_update(**{**common, "actor": cast.assistant3})


# Monthly analysis ---------------------------------------------------------------------------


@pytest.fixture
def analysis_data(cast):
    A1, SH, A2, S3 = (
        cast.customer_of_assistant1,
        cast.customer_shared,
        cast.customer_of_assistant2,
        cast.customer_of_sales3,
    )
    make(A1, date(2026, 3, 2), category="quality", product="LED", status="closed", closed_on=date(2026, 3, 6))
    make(A1, date(2026, 3, 10), category="delivery", product="LED")
    make(A1, date(2026, 1, 15), category="quality", status="closed", closed_on=date(2026, 3, 20))
    make(A1, date(2026, 4, 1), category="quality", product="LED")  # after the month
    make(SH, date(2026, 3, 15), category="quality", product="Hinge", status="in_progress")
    make(SH, date(2025, 5, 1), category="billing", status="closed", closed_on=date(2025, 5, 11))
    make(SH, date(2025, 3, 31), category="service", product="LED")  # before the 12 months
    make(A2, date(2026, 2, 20), category="service", product="Hinge", status="resolved")
    make(S3, date(2026, 3, 3), category="quality", product="LED")  # sales3's: out of sales1's scope
    make(S3, date(2026, 3, 4), category="quality", product="LED")


def test_analysis_numbers_for_a_known_data_set(client, cast, analysis_data):
    client.force_login(cast.sales1)
    response = client.get(reverse("customers:complaint-analysis"), {"month": "2026-03"})
    analysis = response.context["analysis"]
    s = analysis.summary
    assert (s["received_month"], s["received_window"]) == (3, 6)
    assert (s["open_month"], s["closed_month"]) == (2, 1)
    assert (s["open_window"], s["closed_window"]) == (3, 3)
    assert s["avg_days_month"] == 34.0  # (4 + 64) / 2, the two closed in March
    assert s["avg_days_window"] == 26.0  # (4 + 64 + 10) / 3
    assert {r["key"]: (r["month"], r["window"]) for r in analysis.by_category} == {
        "quality": (2, 3), "delivery": (1, 1), "service": (0, 1), "billing": (0, 1), "other": (0, 0),
    }  # fmt: skip
    assert [(r["company__code"], r["month"], r["window"]) for r in analysis.by_customer] == [
        ("T-A1", 2, 3), ("T-SH", 1, 2), ("T-A2", 0, 1),
    ]  # fmt: skip
    assert [(str(r["label"]), r["month"], r["window"]) for r in analysis.by_product] == [
        ("LED", 2, 2), ("Hinge", 1, 2), ("(not given)", 0, 2),
    ]  # fmt: skip
    by_month = {row["month"]: row for row in analysis.by_month}
    assert len(by_month) == 12 and min(by_month) == date(2025, 4, 1) and max(by_month) == date(2026, 3, 1)
    # categories in choice order: quality, delivery, service, billing, other
    assert by_month[date(2026, 3, 1)]["cells"] == [2, 1, 0, 0, 0]
    assert by_month[date(2026, 3, 1)]["avg_days"] == 34.0
    assert by_month[date(2026, 2, 1)]["cells"] == [0, 0, 1, 0, 0]
    assert by_month[date(2025, 5, 1)]["cells"] == [0, 0, 0, 1, 0]
    assert by_month[date(2025, 5, 1)]["avg_days"] == 10.0
    assert by_month[date(2025, 4, 1)]["total"] == 0
    html = response.content.decode()
    assert 'data-chart="complaint-chart-data"' in html and 'id="complaint-chart-data"' in html
    assert "(not given)" in html and "T-S3" not in html
    assert "<script>" not in html.replace(" ", "")  # the chart data is JSON, not an inline script


def test_analysis_is_scoped_per_role(client, cast, analysis_data):
    expected = {"assistant1": (3, 5), "manager2": (2, 2), "gm": (5, 8), "finance1": (0, 0), "assistant2": (1, 3)}
    for who, (month, window) in expected.items():
        client.force_login(getattr(cast, who))
        s = client.get(reverse("customers:complaint-analysis"), {"month": "2026-03"}).context["analysis"].summary
        assert (s["received_month"], s["received_window"]) == (month, window), who


def test_analysis_excel_has_the_four_sheets_with_the_same_numbers(client, cast, analysis_data):
    client.force_login(cast.sales1)
    response = client.get(reverse("customers:complaint-analysis-export"), {"month": "2026-03"})
    book = workbook(response)
    assert book.sheetnames == ["By category", "By customer", "By product", "By month"]
    by_category = rows(book["By category"])
    assert by_category[0] == ("Category", "2026-03", "12 months to 2026-03")
    assert by_category[1:] == [("Quality", 2, 3), ("Delivery", 1, 1), ("Service", 0, 1), ("Billing", 0, 1),
                               ("Other", 0, 0)]  # fmt: skip
    assert [r[0] for r in rows(book["By customer"])[1:]] == ["T-A1", "T-SH", "T-A2"]
    assert rows(book["By product"])[1:] == [("LED", 2, 2), ("Hinge", 1, 2), ("(not given)", 0, 2)]
    by_month = rows(book["By month"])
    assert by_month[0][0] == "Month" and len(by_month) == 13
    assert by_month[-1] == ("2026-03", 2, 1, 0, 0, 0, 3, 34)


def test_analysis_defaults_to_the_current_month_and_ignores_a_bad_month(client, cast):
    client.force_login(cast.sales1)
    with time_machine.travel(date(2026, 3, 25), tick=False):
        for query in [{}, {"month": "nonsense"}, {"month": "2026-13"}]:
            response = client.get(reverse("customers:complaint-analysis"), query)
            assert response.context["analysis"].month == date(2026, 3, 1)


def test_analysis_queries_are_bounded(client, cast, analysis_data, django_assert_max_num_queries):
    client.force_login(cast.gm)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("customers:complaint-analysis"), {"month": "2026-03"}).status_code == 200


# The company page's tab ------------------------------------------------------------------------


def test_company_page_shows_its_complaints_tab(client, cast):
    complaint = make(cast.customer_of_assistant1, product="Hinge", handler=cast.assistant1)
    make(cast.customer_shared, product="NOT-THIS-ONE")
    client.force_login(cast.assistant1)
    html = client.get(cast.customer_of_assistant1.get_absolute_url()).content.decode()
    assert f'href="{complaint.get_absolute_url()}"' in html
    assert "NOT-THIS-ONE" not in html
    assert reverse("customers:complaint-create") + f"?company={cast.customer_of_assistant1.pk}" in html
    client.force_login(cast.sales1)
    html = client.get(cast.customer_unassigned.get_absolute_url()).content.decode()
    assert "No complaints from this customer" in html
