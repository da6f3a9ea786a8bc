"""The monthly report pack: one email per manager and month with one workbook of their jurisdiction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from core.models import JobRun
from customers.models import Complaint
from orders.models import Order
from reports.pack import send_monthly_reports
from reports.tasks import send_monthly_reports_task
from tests.orders.factories import make_order, make_product

OCTOBER = date(2026, 10, 1)
SHEETS = ["Summary", "Orders", "Contract performance", "Receivables aging", "Expenses vs budget", "Complaints",
          "Samples conversion"]  # fmt: skip


@pytest.fixture
def data(cast):
    product = make_product()
    for day, person, customer, price in [
        (date(2026, 10, 3), cast.sales1, cast.customer_of_assistant1, "100.00"),
        (date(2026, 10, 20), cast.sales2, cast.customer_of_sales2, "250.50"),
        (date(2026, 10, 21), cast.sales3, cast.customer_of_sales3, "999.00"),
        (date(2026, 9, 30), cast.sales1, cast.customer_of_assistant1, "1.00"),  # the month before
    ]:
        make_order(person, customer, lines=[(product, Decimal("2"), Decimal(price))], received_on=day)
    make_order(cast.sales1, cast.customer_shared, status=Order.Status.CANCELLED, received_on=date(2026, 10, 5))
    Complaint.objects.create(
        company=cast.customer_of_assistant1, received_on=date(2026, 10, 8), category=Complaint.Category.QUALITY,
        description="scratches", created_by=cast.sales1,
    )  # fmt: skip
    Complaint.objects.create(
        company=cast.customer_of_sales3, received_on=date(2026, 10, 9), category=Complaint.Category.DELIVERY,
        description="late", created_by=cast.sales3,
    )  # fmt: skip
    return cast


def attachment(message):
    (name, content, mimetype), = message.attachments  # fmt: skip
    assert name.endswith(".xlsx") and mimetype.startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(content))


def rows(sheet):
    return list(sheet.iter_rows(values_only=True))


def test_one_email_per_manager_and_month_even_when_run_twice(data):
    first = send_monthly_reports(month=OCTOBER)
    second = send_monthly_reports(month=OCTOBER)
    assert first == {"month": "2026-10", "managers": 3, "sent": 3, "already_sent": 0}
    assert second == {"month": "2026-10", "managers": 3, "sent": 0, "already_sent": 3}
    assert sorted(m.to[0] for m in mail.outbox) == [
        "gm@backdesk.example", "manager1@backdesk.example", "manager2@backdesk.example"]  # fmt: skip
    assert all("2026-10" in m.subject for m in mail.outbox)


def test_workbook_of_manager1_matches_the_modules_own_pages(client, data):
    send_monthly_reports(month=OCTOBER)
    message = next(m for m in mail.outbox if m.to == ["manager1@backdesk.example"])
    book = attachment(message)
    assert book.sheetnames == SHEETS
    assert rows(book["Expenses vs budget"])[0][4:7] == ("Paid", "Approved", "Pending")

    orders = rows(book["Orders"])
    assert orders[0][:5] == ("Salesperson", "Orders received", "Completed", "Open", "Cancelled")
    total = orders[-1]
    assert total[0] == "Total"
    # the figure of the orders statistics page, for manager1 and October
    client.force_login(data.manager1)
    stats = client.get(reverse("orders:statistics"), {"month": "2026-10"}).context["stats"]
    assert total[1] == stats.summary["m_received"] == 2  # sales1 + sales2; not sales3 (team B), not September
    assert total[4] == stats.summary["m_cancelled"] == 1
    value = orders[0].index("Value (CNY)")
    assert Decimal(str(total[value])) == stats.summary["m_value"]["CNY"] == Decimal("701.00")
    assert isinstance(total[1], int) and isinstance(total[value], (int, float))  # numbers, not text
    assert book["Orders"].cell(row=len(orders), column=value + 1).number_format == "#,##0.00"
    assert not any("Zhang" in str(row[0]) for row in orders)

    complaints = {row[0]: row[1:] for row in rows(book["Complaints"])[1:]}
    assert complaints["Quality"] == (1, 1) and complaints["Delivery"] == (0, 0) and complaints["Total"] == (1, 1)

    summary = rows(book["Summary"])
    assert summary[0] == ("Monthly report pack", "2026-10")
    assert summary[1] == ("Manager", "李娜 Li Na")
    assert summary[2][1] == datetime(2026, 10, 1) and summary[3][1] == datetime(2026, 10, 31)  # real dates


def test_gm_workbook_covers_the_company(data):
    send_monthly_reports(month=OCTOBER)
    book = attachment(next(m for m in mail.outbox if m.to == ["gm@backdesk.example"]))
    assert rows(book["Orders"])[-1][1] == 3
    assert dict((r[0], r[1]) for r in rows(book["Complaints"])[1:])["Total"] == 2


def test_command_and_task(data):
    call_command("send_monthly_reports", "--month", "2026-10")
    assert len(mail.outbox) == 3
    with time_machine.travel(datetime(2026, 11, 1, 0, 5), tick=False):  # 08:05 in Shanghai on the 1st
        send_monthly_reports_task.delay()  # the month that just ended: October, already sent
    assert len(mail.outbox) == 3
    runs = list(JobRun.objects.order_by("pk").values_list("via", "arguments", "status"))
    assert runs == [("command", {"month": "2026-10-01"}, "ok"), ("task", {"month": "2026-10-01"}, "ok")]


def test_command_refuses_a_bad_month():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_monthly_reports", "--month", "October")
