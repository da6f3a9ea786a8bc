"""The dunning job: recipients, one email per recipient per day, exactly once (twice, concurrently,
after a crash), the command with --date and --dry-run."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from core.models import JobRun
from customers.models import Contact
from receivables.jobs import run_dunning
from receivables.models import DunningPolicy, Reminder, ReminderEmail
from receivables.services.chasing import pause_customer, promise_record
from receivables.services.payments import payment_allocate, payment_record
from tests.conftest import require_postgresql

from .factories import instalment, make_invoice

OVERDUE_DAY = date(2026, 7, 15)  # Wednesday, a working day
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 9):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def by_recipient():
    return {m.to[0]: m for m in mail.outbox}


@pytest.fixture
def two_overdue(cast):
    a = make_invoice(cast, customer=cast.customer_of_assistant1, due_on=date(2026, 7, 1))  # 14 days overdue
    b = make_invoice(cast, customer=cast.customer_shared, due_on=date(2026, 6, 20))  # 25 days: escalation
    c = make_invoice(cast, salesperson=cast.sales3, customer=cast.customer_of_sales3, due_on=date(2026, 7, 10))
    return a, b, c


def test_one_email_per_recipient_listing_all_their_invoices(cast, two_overdue):
    a, b, c = two_overdue
    mail.outbox.clear()
    summary = run_dunning(day=OVERDUE_DAY)
    assert summary["due_reminders"] == 3
    mails = by_recipient()
    # sales1 gets both of theirs in one email; assistant1 sees both customers; assistant2 only the shared one
    assert set(mails) == {
        "sales1@backdesk.example", "assistant1@backdesk.example", "assistant2@backdesk.example",
        "manager1@backdesk.example", "sales3@backdesk.example", "assistant3@backdesk.example",
    }  # fmt: skip
    assert a.number in mails["sales1@backdesk.example"].body and b.number in mails["sales1@backdesk.example"].body
    assert (
        a.number in mails["assistant1@backdesk.example"].body and b.number in mails["assistant1@backdesk.example"].body
    )
    assert (
        b.number in mails["assistant2@backdesk.example"].body
        and a.number not in mails["assistant2@backdesk.example"].body
    )
    # the manager is copied only on the escalated invoice (25 days ≥ 15)
    assert (
        b.number in mails["manager1@backdesk.example"].body and a.number not in mails["manager1@backdesk.example"].body
    )
    assert c.number not in mails["sales1@backdesk.example"].body
    assert Reminder.objects.filter(day=OVERDUE_DAY).count() == 3
    assert set(Reminder.objects.values_list("step", flat=True)) == {"overdue", "escalation_1"}
    assert not Reminder.objects.exclude(status=Reminder.Status.SENT).exists()
    assert ReminderEmail.objects.filter(status=ReminderEmail.Status.SENT).count() == 6


def test_email_in_the_recipients_language_with_templates_editable_per_language(cast, two_overdue):
    from receivables.models import EmailTemplate

    EmailTemplate.objects.create(
        language="zh-hans",
        kind=EmailTemplate.Kind.TEAM,
        subject="回款提醒 {{ day|date:'Y-m-d' }}：{{ rows|length }} 张发票",
        body="{{ recipient_name }}，您好：\n{% for row in rows %}{{ row.invoice_number }} {{ row.open_display }}\n{% endfor %}",
    )
    cast.sales1.language = "zh-hans"
    cast.sales1.save()
    mail.outbox.clear()
    run_dunning(day=OVERDUE_DAY)
    message = by_recipient()["sales1@backdesk.example"]
    assert message.subject == "回款提醒 2026-07-15：2 张发票"
    assert "CNY 1,000.00" in message.body
    # an English-speaking colleague gets the default template in English
    assert by_recipient()["assistant1@backdesk.example"].subject == "Payment reminder 07/15/2026: 2 invoices to chase"


def test_running_twice_sends_nothing_the_second_time(cast, two_overdue):
    mail.outbox.clear()
    run_dunning(day=OVERDUE_DAY)
    first = len(mail.outbox)
    second = run_dunning(day=OVERDUE_DAY)
    assert len(mail.outbox) == first
    assert (second["reminders"], second["emails"], second["sent"]) == (0, 0, 0)
    assert Reminder.objects.count() == 3


def test_next_day_sends_again_and_paid_invoice_stops(cast, two_overdue):
    a, b, c = two_overdue
    run_dunning(day=OVERDUE_DAY)
    with at(date(2026, 7, 16)):
        payment = payment_record(actor=cast.finance1, customer=a.customer, amount=a.total, currency="CNY",
                                 received_on=date(2026, 7, 16))  # fmt: skip
        payment_allocate(payment=payment, actor=cast.finance1, amounts={a.pk: a.total})
    mail.outbox.clear()
    run_dunning(day=date(2026, 7, 16))
    assert a.number not in by_recipient()["sales1@backdesk.example"].body
    assert b.number in by_recipient()["sales1@backdesk.example"].body
    assert not Reminder.objects.filter(instalment=instalment(a), day=date(2026, 7, 16)).exists()


def test_pause_and_promise_stop_chasing(cast, two_overdue):
    a, b, c = two_overdue
    pause_customer(customer=cast.customer_shared, actor=cast.sales1, reason="质量争议 quality dispute")
    with at(date(2026, 7, 14)):
        promise_record(invoice=c, actor=cast.assistant3, promised_on=date(2026, 7, 17), amount=Decimal("500"))
    run_dunning(day=OVERDUE_DAY)
    reminded = set(Reminder.objects.values_list("instalment__invoice__number", flat=True))
    assert reminded == {a.number}
    # broken promise: the day after the promised date chasing resumes (Sat 07-18 off → Mon 07-20)
    run_dunning(day=date(2026, 7, 17))
    assert not Reminder.objects.filter(instalment__invoice=c, day=date(2026, 7, 17)).exists()
    run_dunning(day=date(2026, 7, 20))
    assert Reminder.objects.filter(instalment__invoice=c, day=date(2026, 7, 20)).exists()


def test_customer_reminders_only_when_the_policy_turns_them_on(cast, two_overdue):
    a, *_ = two_overdue
    Contact.objects.create(company=a.customer, name="Ms Chen", email="ap@customer.example", is_billing=True)
    run_dunning(day=OVERDUE_DAY)
    assert "ap@customer.example" not in by_recipient()
    policy = DunningPolicy.current()
    policy.customer_reminders = True
    policy.save()
    mail.outbox.clear()
    run_dunning(day=date(2026, 7, 16))
    assert a.number in by_recipient()["ap@customer.example"].body


def test_a_send_failure_is_visible_and_the_retry_sends_only_what_is_missing(cast, two_overdue):
    mail.outbox.clear()
    real_send = mail.EmailMessage.send
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("SMTP connection refused")
        return real_send(self, *args, **kwargs)

    with mock.patch.object(mail.EmailMessage, "send", flaky), pytest.raises(OSError):
        run_dunning(day=OVERDUE_DAY)
    failed = ReminderEmail.objects.get(status=ReminderEmail.Status.FAILED)
    assert "SMTP connection refused" in failed.last_error
    assert len(mail.outbox) == 5
    # the Celery retry (or the next run) sends the failed one and nothing else
    summary = run_dunning(day=OVERDUE_DAY)
    assert summary["sent"] == 1
    assert len(mail.outbox) == 6
    assert len({m.to[0] for m in mail.outbox}) == 6


def test_crash_between_decision_and_send_is_recovered_without_duplicate(cast, two_overdue):
    mail.outbox.clear()
    with (
        mock.patch("receivables.jobs.send_pending", side_effect=SystemExit("worker killed")),
        pytest.raises(SystemExit),
    ):
        run_dunning(day=OVERDUE_DAY)
    assert Reminder.objects.count() == 3  # the decision was recorded (committed)
    assert ReminderEmail.objects.filter(status=ReminderEmail.Status.PENDING).count() == 6
    assert mail.outbox == []
    run_dunning(day=OVERDUE_DAY)
    assert len(mail.outbox) == 6
    run_dunning(day=OVERDUE_DAY)
    assert len(mail.outbox) == 6


def test_a_worker_that_died_while_sending_is_taken_over_after_the_timeout(cast, two_overdue):
    mail.outbox.clear()
    with mock.patch("receivables.jobs.send_pending", side_effect=SystemExit("killed")), pytest.raises(SystemExit):
        run_dunning(day=OVERDUE_DAY)
    stuck = ReminderEmail.objects.order_by("pk").first()
    ReminderEmail.objects.filter(pk=stuck.pk).update(status=ReminderEmail.Status.SENDING)
    run_dunning(day=OVERDUE_DAY)
    assert len(mail.outbox) == 5  # the "sending" one belongs to a worker that may still be at it
    with time_machine.travel(datetime.now(tz=SHANGHAI) + timedelta(minutes=20)):
        run_dunning(day=OVERDUE_DAY)
    assert len(mail.outbox) == 6


def test_command_with_date_and_dry_run(cast, two_overdue):
    out = StringIO()
    call_command("run_dunning", "--date", "2026-07-15", "--dry-run", stdout=out)
    assert '"due_reminders": 3' in out.getvalue()
    assert Reminder.objects.count() == 0 and mail.outbox == []
    call_command("run_dunning", "--date", "2026-07-15", stdout=StringIO())
    assert Reminder.objects.count() == 3 and len(mail.outbox) == 6
    assert list(JobRun.objects.values_list("via", "status")) == [("command", "ok"), ("command", "ok")]


def test_task_runs_the_same_job(cast, two_overdue):
    from receivables.tasks import run_dunning_task

    run_dunning_task.delay("2026-07-15")
    assert Reminder.objects.count() == 3
    assert JobRun.objects.get().via == "task"


def test_beat_schedule_runs_dunning_at_nine():
    from config.celery import app

    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == "receivables.tasks.run_dunning_task")
    assert entry["schedule"].hour == {9} and entry["schedule"].minute == {0}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_on_postgresql_send_each_reminder_once(cast):
    require_postgresql()
    invoices = [make_invoice(cast, due_on=date(2026, 7, 1)) for _ in range(20)]
    invoices += [make_invoice(cast, salesperson=cast.sales3, customer=cast.customer_of_sales3, due_on=date(2026, 6, 1))
                 for _ in range(20)]  # fmt: skip
    mail.outbox.clear()
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        from django.db import connections

        try:
            barrier.wait()
            run_dunning(day=OVERDUE_DAY)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Reminder.objects.count() == 40
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients)), recipients  # nobody got two emails
    # and every reminder is in exactly one email per recipient kind
    assert sorted(recipients) == sorted(
        ["sales1@backdesk.example", "assistant1@backdesk.example",
         "sales3@backdesk.example", "assistant3@backdesk.example", "manager2@backdesk.example"]
    )  # fmt: skip
    body = next(m.body for m in mail.outbox if m.to[0] == "sales1@backdesk.example")
    assert all(i.number in body for i in invoices[:20])
