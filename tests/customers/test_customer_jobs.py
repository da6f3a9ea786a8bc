"""The daily document-expiry job (task, command, beat) and the customers' home queues."""

from __future__ import annotations

from datetime import date, timedelta
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.urls import reverse

from core import home
from core.home import MAX_ITEMS
from core.models import JobRun, Notice
from customers.jobs import document_expiry
from customers.models import Company, CompanyDocument
from customers.queues import documents_expiring_for, key_customers_due_for
from customers.tasks import document_expiry_task
from tests.conftest import read_people

DAY = date(2026, 12, 1)
ROLES = ["sales1", "assistant1", "assistant2", "manager1", "manager2", "gm", "sales3", "assistant3", "finance1"]


def document(company, title, expires_in_days, **fields):
    # The job and the queues read rows only; no file on disk is needed.
    return CompanyDocument.objects.create(
        company=company, title=title, file=f"companies/{title}.pdf", original_name=f"{title}.pdf",
        content_type="application/pdf", size=100, uploaded_by=company.owner,
        expires_on=None if expires_in_days is None else DAY + timedelta(days=expires_in_days), **fields,
    )  # fmt: skip


@pytest.fixture
def documents(cast):
    return {
        "iso": document(cast.customer_of_assistant1, "ISO 9001", 10, kind=CompanyDocument.Kind.CERTIFICATE),
        "permit": document(cast.customer_unassigned, "Export permit", -3, number="EX-77"),
        "edge": document(cast.customer_of_assistant2, "Fire permit", 30),
        "later": document(cast.customer_of_sales2, "Later licence", 31),
        "forever": document(cast.customer_shared, "Licence without expiry", None),
        "ce": document(cast.customer_of_sales3, "CE certificate", 5),
    }


def mail_to(username):
    return [m for m in mail.outbox if m.to == [f"{username}@backdesk.example"]]


# --- the job ------------------------------------------------------------------------------------


def test_each_owner_gets_one_email_with_their_documents_only(cast, documents):
    summary = document_expiry(day=DAY)
    assert summary == {
        "day": "2026-12-01", "documents": 4, "owners": 2, "sent": 2, "already_sent": 0, "no_email": 0,
    }  # fmt: skip
    assert len(mail.outbox) == 2
    (to_sales1,) = mail_to("sales1")
    (to_sales3,) = mail_to("sales3")
    assert not mail_to("sales2")  # their only document expires in 31 days
    body = to_sales1.body
    for text in ["ISO 9001", "Export permit", "EX-77", "Fire permit", "[EXPIRED]", "[in 10 days]", "T-A1", "T-UN"]:
        assert text in body, text
    for text in ["CE certificate", "Later licence", "Licence without expiry"]:
        assert text not in body, text
    assert body.index("Export permit") < body.index("ISO 9001") < body.index("Fire permit")  # by date
    assert to_sales1.subject == "Backdesk: 3 customer documents to renew"
    assert "CE certificate" in to_sales3.body and "ISO 9001" not in to_sales3.body
    assert to_sales3.subject == "Backdesk: 1 customer document to renew"


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(cast, documents):
    document_expiry(day=DAY)
    assert len(mail.outbox) == 2
    summary = document_expiry(day=DAY)
    assert (summary["sent"], summary["already_sent"]) == (0, 2)
    assert len(mail.outbox) == 2
    document_expiry(day=DAY + timedelta(days=1))
    # sales1 and sales3 again, and sales2 whose licence is now within 30 days
    assert sorted(m.to[0].split("@")[0] for m in mail.outbox[2:]) == ["sales1", "sales2", "sales3"]
    assert Notice.objects.filter(key=f"doc-expiry:{cast.sales1.pk}:2026-12-02", status="sent").exists()


def test_the_email_is_in_the_owners_language(cast, documents):
    cast.sales1.language = "zh-hans"
    cast.sales1.save()
    document_expiry(day=DAY)
    (to_sales1,) = mail_to("sales1")
    (to_sales3,) = mail_to("sales3")
    # Dates are formatted in the owner's locale (Django's own zh-hans formats).
    assert "2026年12月11日" in to_sales1.body  # ISO 9001, DAY + 10
    assert "Dec. 6, 2026" in to_sales3.body  # CE certificate, DAY + 5, in English


def test_owners_without_email_or_inactive_are_skipped(cast, documents):
    cast.sales3.email = ""
    cast.sales3.save()
    cast.sales1.is_active = False
    cast.sales1.save()
    summary = document_expiry(day=DAY)
    assert (summary["owners"], summary["sent"], summary["no_email"]) == (1, 0, 1)
    assert mail.outbox == []


def test_a_failing_address_does_not_stop_the_others_and_the_retry_sends_only_what_is_missing(
    cast, documents, monkeypatch
):
    real_send = EmailMessage.send

    def send(self, *args, **kwargs):
        if self.to == ["sales1@backdesk.example"]:
            raise SMTPException("mailbox unavailable")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", send)
    with pytest.raises(SMTPException):
        document_expiry(day=DAY)
    assert [m.to for m in mail.outbox] == [["sales3@backdesk.example"]]

    monkeypatch.setattr(EmailMessage, "send", real_send)
    summary = document_expiry(day=DAY)  # the retry
    assert (summary["sent"], summary["already_sent"]) == (1, 1)
    assert sorted(m.to[0] for m in mail.outbox) == ["sales1@backdesk.example", "sales3@backdesk.example"]


def test_the_command_records_a_run(cast, documents, capsys):
    call_command("run_document_expiry", "--date", "2026-12-01")
    run = JobRun.objects.get()
    assert (run.job, run.via, run.status) == ("document_expiry", "command", JobRun.Status.OK)
    assert run.arguments == {"day": "2026-12-01"}
    assert run.result["sent"] == 2
    assert "document_expiry 2026-12-01" in capsys.readouterr().out
    assert len(mail.outbox) == 2


def test_the_task_records_a_run(cast, documents):
    result = document_expiry_task.delay("2026-12-01").get()
    run = JobRun.objects.get()
    assert (run.job, run.via, run.status, run.result) == ("document_expiry", "task", JobRun.Status.OK, result)
    assert result["sent"] == 2


@time_machine.travel("2026-11-30 23:30:00+00:00", tick=False)  # 07:30 on Dec 1st in Shanghai
def test_the_task_defaults_to_the_companys_today(cast, documents):
    assert document_expiry_task.delay().get()["day"] == "2026-12-01"


def test_beat_runs_it_daily_at_07_30_company_time():
    from config.celery import app

    entry = app.conf.beat_schedule["document-expiry"]
    assert entry["task"] == "customers.tasks.document_expiry_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {30})
    assert app.conf.timezone == "Asia/Shanghai"


# --- home queues --------------------------------------------------------------------------------

EXPECTED_DOCUMENTS = {  # titles within 30 days (or expired) of the companies each role sees
    "sales1": {"ISO 9001", "Export permit", "Fire permit"},
    "assistant1": {"ISO 9001"},
    "assistant2": {"Fire permit"},
    "manager1": {"ISO 9001", "Export permit", "Fire permit"},
    "manager2": {"CE certificate"},
    "gm": {"ISO 9001", "Export permit", "Fire permit", "CE certificate"},
    "sales3": {"CE certificate"},
    "assistant3": {"CE certificate"},
    "finance1": set(),
}


@pytest.mark.parametrize("who", ROLES)
def test_documents_queue_has_exactly_the_scoped_items(cast, documents, who, django_assert_max_num_queries):
    user = getattr(cast, who)
    read_people(user)
    with django_assert_max_num_queries(1):
        items = documents_expiring_for(user, DAY)
    assert {item.detail.split(": ", 1)[1].split(" · ")[0] for item in items} == EXPECTED_DOCUMENTS[who]
    for item in items:
        assert item.url.endswith("#documents")


def test_documents_queue_items_say_when(cast, documents):
    items = {i.detail.split(": ", 1)[1].split(" · ")[0]: i for i in documents_expiring_for(cast.sales1, DAY)}
    assert items["Export permit"].badge == "Expired"
    assert items["ISO 9001"].badge == "10 days"
    assert items["ISO 9001"].label == "T-A1 T-A1 有限公司"
    assert items["ISO 9001"].url == reverse("customers:detail", args=[cast.customer_of_assistant1.pk]) + "#documents"


def test_documents_queue_is_two_queries_however_many(cast, django_assert_max_num_queries):
    for i in range(MAX_ITEMS + 5):
        document(cast.customer_of_assistant1, f"Certificate {i:02}", i)
    with django_assert_max_num_queries(2):
        items = documents_expiring_for(cast.assistant1, DAY)
    assert len(items) == MAX_ITEMS + 1
    assert items[-1].label == f"All {MAX_ITEMS + 5} expiring documents"
    assert items[-1].url == reverse("customers:documents-expiring")


def due_companies(cast):
    def cadence(company, days, last_contact_days_ago):
        company.follow_up_days = days
        company.last_contact_on = None if last_contact_days_ago is None else DAY - timedelta(days=last_contact_days_ago)
        company.next_follow_up_on = company.compute_next_follow_up(DAY)
        company.save()

    cadence(cast.customer_of_assistant1, 30, 35)  # 5 days overdue
    cadence(cast.customer_shared, 30, 10)  # not due
    cadence(cast.customer_of_assistant2, 14, None)  # never contacted: due today
    cadence(cast.customer_of_sales2, 7, 7)  # due today
    cadence(cast.customer_of_sales3, 30, 31)  # 1 day overdue


EXPECTED_DUE = {
    "sales1": ["T-A1", "T-A2"],
    "assistant1": ["T-A1"],
    "assistant2": ["T-A2", "T-S2"],
    "manager1": ["T-A1", "T-A2", "T-S2"],
    "manager2": ["T-S3"],
    "gm": ["T-A1", "T-S3", "T-A2", "T-S2"],
    "sales3": ["T-S3"],
    "assistant3": ["T-S3"],
    "finance1": [],
}


@pytest.mark.parametrize("who", ROLES)
def test_key_customers_queue_has_exactly_the_scoped_due_companies(cast, who, django_assert_max_num_queries):
    due_companies(cast)
    read_people(getattr(cast, who))
    with django_assert_max_num_queries(1):
        items = key_customers_due_for(getattr(cast, who), DAY)
    assert [item.label.split(" ")[0] for item in items] == EXPECTED_DUE[who]  # most overdue first


def test_key_customers_queue_items(cast):
    due_companies(cast)
    a1, a2 = key_customers_due_for(cast.sales1, DAY)
    assert (a1.badge, a1.detail) == ("5 days overdue", "Last contact 10/27/2026")
    assert (a2.badge, a2.detail) == ("Due today", "Never contacted")
    assert a1.url == cast.customer_of_assistant1.get_absolute_url() + "#interactions"


def test_key_customers_queue_is_two_queries_however_many(cast, django_assert_max_num_queries):
    Company.objects.bulk_create(
        Company(code=f"K{i:03}", name=f"Key {i}", owner=cast.sales1, follow_up_days=30, next_follow_up_on=DAY)
        for i in range(MAX_ITEMS + 3)
    )
    with django_assert_max_num_queries(2):
        items = key_customers_due_for(cast.sales1, DAY)
    assert items[-1].label == f"All {MAX_ITEMS + 3} calls due"
    assert items[-1].url == reverse("customers:follow-ups")


def test_sections_are_registered_for_assistants_and_salespersons():
    for key in ["documents_expiring", "key_customers_due"]:
        assert home.SECTIONS[key].roles == ("assistant", "salesperson")


@time_machine.travel("2026-12-01 10:00:00+08:00", tick=False)
def test_the_assistants_home_shows_both_sections(client, cast, documents):
    due_companies(cast)
    client.force_login(cast.assistant1)
    html = client.get(reverse("home")).content.decode()
    assert 'id="queue-documents_expiring"' in html and "ISO 9001" in html
    assert 'id="queue-key_customers_due"' in html and "5 days overdue" in html
    client.force_login(cast.manager1)
    assert 'id="queue-documents_expiring"' not in client.get(reverse("home")).content.decode()
