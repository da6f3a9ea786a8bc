"""A job is one function, run by its Celery task or its management command, and recorded."""

from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from core.jobs import parse_day, run_job
from core.models import JobRun
from core.tasks import heartbeat_task


def test_command_records_a_run_for_the_given_day(db, capsys):
    call_command("run_heartbeat", "--date", "2026-12-01")
    run = JobRun.objects.get()
    assert (run.job, run.via, run.status) == ("heartbeat", "command", JobRun.Status.OK)
    assert run.arguments == {"day": "2026-12-01"}
    assert run.result["day"] == "2026-12-01"
    assert "heartbeat 2026-12-01" in capsys.readouterr().out


def test_task_and_command_share_the_function(db):
    heartbeat_task.delay("2026-12-02").get()
    run = JobRun.objects.get()
    assert (run.via, run.result["day"]) == ("task", "2026-12-02")


def test_failure_is_recorded_and_raised(db):
    def broken(*, day):
        raise RuntimeError("SMTP down")

    with pytest.raises(RuntimeError):
        run_job("broken", broken, via="task", day=date(2026, 12, 1))
    run = JobRun.objects.get()
    assert run.status == JobRun.Status.FAILED
    assert "SMTP down" in run.error
    assert run.finished_at is not None


@time_machine.travel("2026-11-30 17:30:00+00:00")  # 01:30 on Dec 1st in Shanghai
def test_today_is_the_companys_today():
    assert parse_day(None) == date(2026, 12, 1)


def test_beat_schedule_points_at_real_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
