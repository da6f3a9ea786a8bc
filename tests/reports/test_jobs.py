"""Weekly report reminder (Monday 09:00) and overdue notice (10:30): once per salesperson and week;
the home queue "weekly reports missing"."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from config.celery import app as celery_app
from core import home
from core.models import JobRun
from reports.jobs import weekly_report_overdue, weekly_report_reminders
from reports.queues import weekly_reports_missing_for
from reports.tasks import weekly_report_overdue_task, weekly_report_reminders_task
from tests.conftest import read_people

from .factories import make_report

MONDAY = date(2026, 11, 23)
LAST_WEEK = date(2026, 11, 16)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_reminder_goes_to_salespersons_without_a_submitted_report_once(cast):
    make_report(cast.sales1, LAST_WEEK)
    make_report(cast.sales2, LAST_WEEK, submitted=False)  # a draft is not submitted
    summary = weekly_report_reminders(day=MONDAY)
    assert summary == {"week": "2026-W47", "missing": 2, "sent": 2, "already_sent": 0, "no_email": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["sales2@backdesk.example", "sales3@backdesk.example"]
    assert all(not m.cc for m in mail.outbox)
    assert "2026-W47" in mail.outbox[0].subject and "/reports/new/?salesperson=" in mail.outbox[0].body
    assert weekly_report_reminders(day=MONDAY)["already_sent"] == 2
    assert len(mail.outbox) == 2


def test_overdue_notice_copies_assistants_and_manager(cast):
    make_report(cast.sales1, LAST_WEEK)
    make_report(cast.sales3, LAST_WEEK)
    weekly_report_overdue(day=MONDAY)
    weekly_report_overdue(day=MONDAY)  # a second run (retry, replay) sends nothing more
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sales2@backdesk.example"]
    assert sorted(message.cc) == ["assistant2@backdesk.example", "manager1@backdesk.example"]
    assert "Overdue" in message.subject


def test_overdue_notice_in_the_salespersons_language(cast, monkeypatch):
    from django.utils import translation

    import reports.jobs

    languages = []
    real = reports.jobs.render_to_string

    def spy(*args, **kwargs):
        languages.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(reports.jobs, "render_to_string", spy)
    cast.sales2.language = "zh-hans"
    cast.sales2.save(update_fields=["language"])
    make_report(cast.sales1, LAST_WEEK)
    make_report(cast.sales3, LAST_WEEK)
    weekly_report_overdue(day=MONDAY)
    assert languages == ["zh-hans", "zh-hans"]  # subject and body


def test_commands_and_tasks_share_the_job(cast):
    call_command("run_weekly_report_reminders", "--date", "2026-11-23")
    call_command("run_weekly_report_overdue", "--date", "2026-11-23")
    assert len(mail.outbox) == 6  # 3 reminders, 3 overdue notices
    weekly_report_reminders_task.delay("2026-11-23")
    weekly_report_overdue_task.delay("2026-11-23")
    assert len(mail.outbox) == 6
    runs = JobRun.objects.order_by("pk").values_list("job", "via", "status")
    assert list(runs) == [
        ("weekly_report_reminders", "command", "ok"),
        ("weekly_report_overdue", "command", "ok"),
        ("weekly_report_reminders", "task", "ok"),
        ("weekly_report_overdue", "task", "ok"),
    ]


def test_beat_schedule():
    schedule = celery_app.conf.beat_schedule
    reminder = schedule["weekly-report-reminders"]["schedule"]
    overdue = schedule["weekly-report-overdue"]["schedule"]
    pack = schedule["monthly-report-pack"]["schedule"]
    assert (reminder.hour, reminder.minute, reminder.day_of_week) == ({9}, {0}, {1})
    assert (overdue.hour, overdue.minute, overdue.day_of_week) == ({10}, {30}, {1})
    assert (pack.hour, pack.minute, pack.day_of_month) == ({8}, {0}, {1})
    assert schedule["monthly-report-pack"]["task"] == "reports.tasks.send_monthly_reports_task"


# --- home queue -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, expected",
    [("assistant1", []), ("assistant2", ["刘洋 Liu Yang"]), ("assistant3", ["张磊 Zhang Lei"]),
     ("manager1", ["刘洋 Liu Yang"]), ("manager2", ["张磊 Zhang Lei"]),
     ("gm", ["刘洋 Liu Yang", "张磊 Zhang Lei"])],
)  # fmt: skip
def test_queue_section(cast, who, expected, django_assert_num_queries):
    make_report(cast.sales1, LAST_WEEK)
    tuesday = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    read_people(getattr(cast, who))
    with time_machine.travel(tuesday, tick=False), django_assert_num_queries(1):
        items = weekly_reports_missing_for(getattr(cast, who), MONDAY)
    assert [i.label for i in items] == expected
    if who == "assistant2":
        assert items[0].url.startswith("/reports/new/?salesperson=")
    if who.startswith("manager"):
        assert items[0].url.startswith("/reports/?salesperson=")


def test_queue_registered_for_assistants_and_managers():
    section = home.SECTIONS["weekly_reports_missing"]
    assert set(section.roles) == {"assistant", "manager"}


def test_home_page_shows_the_section(client, cast):
    client.force_login(cast.assistant2)
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI), tick=False):
        body = client.get("/").content.decode()
    assert "queue-weekly_reports_missing" in body and "刘洋 Liu Yang" in body
