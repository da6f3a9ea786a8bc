"""The heartbeat runs again a scheduled job whose worker died mid-run, even when the broker lost
the task: what the dead run left unsent goes out once, nothing is sent twice."""

from __future__ import annotations

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from core.heartbeat import heartbeat
from core.jobs import run_job
from core.models import JobRun
from receivables.jobs import run_dunning
from receivables.models import ReminderEmail
from tests.receivables.factories import make_invoice

DAY = date(2026, 7, 15)  # a Wednesday, a working day
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0):
    return time_machine.travel(datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def killed_dunning_run(cast):
    """Two overdue invoices; the 09:00 dunning run decided and recorded its emails, then its
    worker was killed before sending (SystemExit is not caught: the run stays "running")."""
    make_invoice(cast, customer=cast.customer_of_assistant1, due_on=date(2026, 7, 1))
    make_invoice(cast, salesperson=cast.sales3, customer=cast.customer_of_sales3, due_on=date(2026, 7, 10))
    mail.outbox.clear()
    with (
        at(9),
        mock.patch("receivables.jobs.send_pending", side_effect=SystemExit("worker killed")),
        pytest.raises(SystemExit),
    ):
        run_job("run_dunning", run_dunning, via="task", day=DAY, dry_run=False)
    run = JobRun.objects.get()
    assert run.status == JobRun.Status.RUNNING and mail.outbox == []
    assert ReminderEmail.objects.filter(status=ReminderEmail.Status.PENDING).count() == 4
    return run


def test_heartbeat_resumes_a_dunning_run_whose_worker_died(killed_dunning_run):
    with at(9, 5):  # still within the takeover interval: the worker may be alive and sending
        assert heartbeat(day=DAY)["jobs_resumed"] == []
    assert mail.outbox == []

    with at(9, 20):
        assert heartbeat(day=DAY)["jobs_resumed"] == [killed_dunning_run.pk]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "assistant1@backdesk.example", "assistant3@backdesk.example",
        "sales1@backdesk.example", "sales3@backdesk.example",
    ]  # fmt: skip
    killed_dunning_run.refresh_from_db()
    assert killed_dunning_run.status == JobRun.Status.FAILED and "interrupted" in killed_dunning_run.error
    resumed = JobRun.objects.filter(job="run_dunning").exclude(pk=killed_dunning_run.pk).get()
    assert resumed.status == JobRun.Status.OK and resumed.arguments == {"day": "2026-07-15", "dry_run": False}
    assert not ReminderEmail.objects.exclude(status=ReminderEmail.Status.SENT).exists()

    with at(9, 40):  # the next heartbeats find nothing more to do
        assert heartbeat(day=DAY)["jobs_resumed"] == []
    assert len(mail.outbox) == 4


def test_a_run_already_followed_by_a_successful_one_is_only_closed(killed_dunning_run):
    with at(9, 10):
        run_dunning_again = run_job("run_dunning", run_dunning, via="command", day=DAY, dry_run=False)
    assert run_dunning_again["sent"] == 4
    with at(9, 30):
        assert heartbeat(day=DAY)["jobs_resumed"] == []
    killed_dunning_run.refresh_from_db()
    assert killed_dunning_run.status == JobRun.Status.FAILED
    assert len(mail.outbox) == 4


def test_old_interrupted_runs_are_left_to_a_person(killed_dunning_run):
    with time_machine.travel(datetime(2026, 7, 18, 9, tzinfo=SHANGHAI), tick=False):
        assert heartbeat(day=date(2026, 7, 18))["jobs_resumed"] == []
    killed_dunning_run.refresh_from_db()
    assert killed_dunning_run.status == JobRun.Status.RUNNING
    assert mail.outbox == []


def test_monthly_pack_run_is_resumed_with_its_month(cast):
    from reports.pack import send_monthly_reports

    with (
        at(8),
        mock.patch("reports.pack.build_pack", side_effect=SystemExit("worker killed")),
        pytest.raises(SystemExit),
    ):
        run_job("send_monthly_reports", send_monthly_reports, via="task", month=date(2026, 6, 1))
    mail.outbox.clear()
    with at(8, 30):
        assert len(heartbeat(day=DAY)["jobs_resumed"]) == 1
    resumed = JobRun.objects.filter(job="send_monthly_reports", status=JobRun.Status.OK).get()
    assert resumed.arguments == {"month": "2026-06-01"}
    packs = [m for m in mail.outbox if m.attachments]
    assert packs and len({m.to[0] for m in packs}) == len(packs)  # one pack per manager
    with at(9):
        heartbeat(day=DAY)
    assert len([m for m in mail.outbox if m.attachments]) == len(packs)
