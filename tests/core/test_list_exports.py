"""The list pages that had no Excel download: each file holds the list's rows (as many as the
list counts, for each role's scope and filters), with real dates and numbers and a header row."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from customers.models import Company, CompanyDocument
from expenses.models import Advance
from samples.models import SampleItem, SampleLoan
from tests.orders.factories import make_product
from travel.models import Visit

pytestmark = pytest.mark.django_db


def _count(client, url: str, **params) -> int:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.context["paginator"].count


def _sheet(client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert sheet.freeze_panes == "A2"
    return list(sheet.iter_rows(values_only=True))


def _same_as_list(client, list_name: str, export_name: str, **params) -> list[tuple]:
    count = _count(client, reverse(list_name), **params)
    rows = _sheet(client, reverse(export_name), **params)
    assert len(rows) == count + 1, (list_name, params)
    html = client.get(reverse(list_name), params).content.decode()
    assert reverse(export_name) in html  # the page links to its download
    return rows


def test_products_download_with_the_lists_filters(client, cast):
    make_product(sku="P-1", list_price=Decimal("12.50"))
    make_product(sku="P-2", list_price=Decimal("99.00"), active=False)
    client.force_login(cast.sales1)
    rows = _same_as_list(client, "orders:product-list", "orders:product-export")
    assert rows[0][:2] == ("SKU", "Name") and len(rows) == 3
    price = {r[0]: r[5] for r in rows[1:]}
    assert price["P-1"] == 12.5 and isinstance(price["P-1"], (int, float))
    rows = _same_as_list(client, "orders:product-list", "orders:product-export", active="no")
    assert [r[0] for r in rows[1:]] == ["P-2"]


@pytest.mark.parametrize(("who", "codes"), [("gm", {"K1", "K2", "K3"}), ("manager1", {"K1", "K2"}), ("sales1", {"K1"})])
def test_follow_ups_download_in_scope(client, cast, who, codes):
    today = timezone.localdate()
    for code, owner in (("K1", cast.sales1), ("K2", cast.sales2), ("K3", cast.sales3)):
        Company.objects.create(code=code, name=f"Key {code}", owner=owner, follow_up_days=30,
                               next_follow_up_on=today - timedelta(days=5))  # fmt: skip
    client.force_login(getattr(cast, who))
    rows = _same_as_list(client, "customers:follow-ups", "customers:follow-ups-export")
    assert {r[0] for r in rows[1:]} == codes
    row = next(r for r in rows[1:] if r[0] == sorted(codes)[0])
    assert isinstance(row[5], datetime) and row[5].date() == today - timedelta(days=5)
    assert row[3] == 30 and row[6] == 5


def _document(company, title, days):
    return CompanyDocument.objects.create(
        company=company, title=title, file=f"companies/{title}.pdf", original_name=f"{title}.pdf",
        content_type="application/pdf", size=100, uploaded_by=company.owner,
        expires_on=timezone.localdate() + timedelta(days=days),
    )  # fmt: skip


@pytest.mark.parametrize(("who", "titles"), [("gm", {"A1", "S3"}), ("sales1", {"A1"}), ("sales3", {"S3"})])
def test_expiring_documents_download_in_scope(client, cast, who, titles):
    _document(cast.customer_of_assistant1, "A1", 10)
    _document(cast.customer_of_sales3, "S3", -2)
    client.force_login(getattr(cast, who))
    rows = _same_as_list(client, "customers:documents-expiring", "customers:documents-expiring-export")
    assert {r[5] for r in rows[1:]} == titles
    assert all(isinstance(r[0], datetime) for r in rows[1:])
    if who == "gm":
        expired = _same_as_list(
            client, "customers:documents-expiring", "customers:documents-expiring-export", status="expired"
        )
        assert [(r[5], r[8]) for r in expired[1:]] == [("S3", -2)]


@pytest.fixture
def loans(cast):
    today = timezone.localdate()
    a = SampleItem.objects.create(code="SM-1", name="Demo unit")
    b = SampleItem.objects.create(code="SM-2", name="Other unit")
    SampleLoan.objects.create(item=a, salesperson=cast.sales1, customer=cast.customer_of_assistant1,
                              lent_on=today, due_back=today + timedelta(days=7), lent_by=cast.sales1)  # fmt: skip
    SampleLoan.objects.create(item=b, salesperson=cast.sales3, customer=cast.customer_of_sales3,
                              lent_on=today, due_back=today + timedelta(days=3), lent_by=cast.sales3)  # fmt: skip
    return today


@pytest.mark.parametrize(("who", "codes"), [("gm", {"SM-1", "SM-2"}), ("manager1", {"SM-1"}), ("sales3", {"SM-2"})])
def test_sample_loans_download_in_scope(client, cast, loans, who, codes):
    client.force_login(getattr(cast, who))
    rows = _same_as_list(client, "samples:loan-list", "samples:loan-export")
    assert {r[0] for r in rows[1:]} == codes
    assert all(isinstance(r[5], datetime) for r in rows[1:])


def test_sample_register_downloads_with_who_has_each_item(client, cast, loans):
    client.force_login(cast.gm)
    rows = _same_as_list(client, "samples:item-list", "samples:item-export")
    due = {r[0]: r[6] for r in rows[1:]}
    assert due["SM-2"].date() == loans + timedelta(days=3)
    assert _same_as_list(client, "samples:item-list", "samples:item-export", q="SM-1")[1][0] == "SM-1"


@pytest.mark.parametrize(("who", "count"), [("gm", 2), ("sales1", 1), ("manager2", 1)])
def test_visits_download_in_scope(client, cast, who, count):
    for customer in (cast.customer_of_assistant1, cast.customer_of_sales3):
        Visit.objects.create(customer=customer, visitors="Mr. Smith (buyer)",
                             arrives_at=timezone.now() + timedelta(days=2), created_by=cast.sales1)  # fmt: skip
    client.force_login(getattr(cast, who))
    rows = _same_as_list(client, "travel:visits", "travel:visit-export")
    assert len(rows) == count + 1
    assert isinstance(rows[1][0], datetime) and rows[1][0].date() >= date.today() - timedelta(days=1)


@pytest.mark.parametrize(
    ("who", "people"), [("gm", {"sales1", "sales3"}), ("manager1", {"sales1"}), ("sales3", {"sales3"})]
)
def test_advances_download_in_scope(client, cast, who, people):
    from expenses import services

    for person in (cast.sales1, cast.sales3):
        services.advance_request(actor=person, person=person, purpose="Fair", amount=Decimal("500"), currency="CNY")
    client.force_login(getattr(cast, who))
    rows = _same_as_list(client, "expenses:advances", "expenses:advance-export")
    listed = Advance.objects.filter(number__in=[r[0] for r in rows[1:]])
    assert {a.person.username for a in listed} == people
    assert all(r[3] == 500 and r[6] == 0 and isinstance(r[3], (int, float)) for r in rows[1:])  # not paid out yet


@pytest.mark.parametrize(("who", "count"), [("gm", 2), ("manager1", 1), ("sales1", 1), ("sales3", 1)])
def test_reminders_download_in_scope(client, cast, who, count):
    from receivables.models import Reminder
    from tests.receivables.factories import make_invoice

    today = timezone.localdate()
    for person, customer in ((cast.sales1, cast.customer_of_assistant1), (cast.sales3, cast.customer_of_sales3)):
        invoice = make_invoice(cast, salesperson=person, customer=customer, amount=Decimal("700.00"),
                               due_on=today - timedelta(days=9), invoice_date=today - timedelta(days=39))  # fmt: skip
        Reminder.objects.create(instalment=invoice.instalments.first(), step="overdue", day=today, days_overdue=9,
                                open_amount=Decimal("700.00"), status=Reminder.Status.SENT)  # fmt: skip
    client.force_login(getattr(cast, who))
    response = client.get(reverse("receivables:reminder-list"))
    assert response.context["page_obj"].paginator.count == count
    assert reverse("receivables:reminder-export") in response.content.decode()
    rows = _sheet(client, reverse("receivables:reminder-export"))
    assert len(rows) == count + 1
    assert isinstance(rows[1][0], datetime) and rows[1][6] == 9 and rows[1][7] == 700
    if who == "gm":
        one = _sheet(client, reverse("receivables:reminder-export"), customer=cast.customer_of_sales3.pk)
        assert [r[2] for r in one[1:]] == [cast.customer_of_sales3.code]
    elif who == "sales1":  # another salesperson's customer: 404, as on the page
        response = client.get(reverse("receivables:reminder-export"), {"customer": cast.customer_of_sales3.pk})
        assert response.status_code == 404


@pytest.mark.parametrize(("who", "holders"), [("gm", 3), ("manager1", 2), ("sales1", 1)])
def test_budgets_page_downloads_as_excel_in_scope(client, cast, who, holders):
    from expenses.models import Budget

    year = timezone.localdate().year
    for person in (cast.sales1, cast.sales2, cast.sales3):
        Budget.objects.create(salesperson=person, year=year, amount=Decimal("1000.00"))
    Budget.objects.create(salesperson=cast.sales1, year=year - 1, amount=Decimal("5.00"))
    client.force_login(getattr(cast, who))
    page = client.get(reverse("expenses:budgets"))
    assert reverse("expenses:budget-export") in page.content.decode()
    shown = len(page.context["person_rows"]) + len(page.context["team_rows"])
    rows = _sheet(client, reverse("expenses:budget-export"), year=year)
    assert len(rows) == 1 + shown + 1 == 1 + holders + 1  # header, budgets, one total (CNY)
    assert rows[-1][0] == "Total" and rows[-1][3] == 1000 * holders
    last_year = _sheet(client, reverse("expenses:budget-export"), year=year - 1)
    assert len(last_year) == (3 if who in ("gm", "manager1", "sales1") else 1)


@pytest.mark.parametrize(
    ("who", "travellers"), [("gm", {"sales1", "sales3"}), ("manager1", {"sales1"}), ("sales3", {"sales3"})]
)
def test_on_the_road_and_findings_download_in_scope(client, cast, who, travellers):
    from tests.travel.factories import make_trip
    from travel.models import Trip, TripCustomer

    yesterday = timezone.localdate() - timedelta(days=1)
    for person, customer in ((cast.sales1, cast.customer_of_assistant1), (cast.sales3, cast.customer_of_sales3)):
        trip = make_trip(person, customer)  # a draft, then approved and under way (the workflow is tested elsewhere)
        Trip.objects.filter(pk=trip.pk).update(
            status=Trip.Status.APPROVED, start_on=yesterday, end_on=yesterday + timedelta(days=2)
        )
        TripCustomer.objects.filter(trip=trip).update(
            important=True, visited=True, visited_on=yesterday, reported_at=timezone.now(), outcome="大单 / big order"
        )
    client.force_login(getattr(cast, who))
    rows = _same_as_list(client, "travel:on-the-road", "travel:on-the-road-export")
    assert len(rows) == len(travellers) + 1
    assert all(isinstance(r[3], datetime) and r[3].date() == yesterday for r in rows[1:])
    rows = _same_as_list(client, "travel:findings", "travel:findings-export")
    assert len(rows) == len(travellers) + 1
    assert all(isinstance(r[0], datetime) and r[6] == "大单 / big order" for r in rows[1:])


@pytest.mark.parametrize(("who", "count"), [("gm", 2), ("manager1", 1), ("sales3", 1)])
def test_sample_feedback_due_downloads_in_scope(client, cast, who, count):
    from samples.models import SampleRequest
    from tests.samples.factories import make_sample

    for customer in (cast.customer_of_assistant1, cast.customer_of_sales3):
        sample = make_sample(cast, SampleRequest.Status.DISPATCHED, customer=customer)
        SampleRequest.objects.filter(pk=sample.pk).update(follow_up_on=timezone.localdate() - timedelta(days=1))
    client.force_login(getattr(cast, who))
    rows = _same_as_list(client, "samples:follow-ups", "samples:follow-ups-export")
    assert len(rows) == count + 1 and rows[0][0] == "Sample"
    assert all(isinstance(r[1], datetime) for r in rows[1:])
