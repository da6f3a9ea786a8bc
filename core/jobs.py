"""One way to run a scheduled job, from Celery beat or by hand.

A job is a plain function taking keyword arguments and returning a JSON-able summary.
Its Celery task and its management command both call ``run_job`` so every run leaves a
JobRun row (visible in the admin) whether it succeeded or failed::

    # samples/jobs.py
    def sample_feedback_due(*, day: date) -> dict: ...

    # samples/tasks.py
    @shared_task(**JOB_TASK_OPTIONS)
    def sample_feedback_due_task(day: str | None = None):
        return run_job("sample_feedback_due", sample_feedback_due, via="task", day=parse_day(day))

    # samples/management/commands/run_sample_feedback.py
    class Command(JobCommand):
        job_name = "sample_feedback_due"
        job = staticmethod(sample_feedback_due)
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from .models import JobRun

# Retried with backoff; acks_late so a job whose worker dies is delivered again.
JOB_TASK_OPTIONS = {"acks_late": True, "autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


def parse_day(value: str | date | None) -> date:
    """The company's today unless a day is given (ISO string from beat or the CLI)."""
    if value is None or value == "":
        return timezone.localdate()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _jsonable(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in kwargs.items()}


def run_job(name: str, func: Callable[..., Any], *, via: str, **kwargs: Any) -> Any:
    run = JobRun.objects.create(job=name, via=via, arguments=_jsonable(kwargs))
    try:
        result = func(**kwargs)
    except Exception:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.FAILED, finished_at=timezone.now(), error=traceback.format_exc()[-5000:]
        )
        raise
    JobRun.objects.filter(pk=run.pk).update(status=JobRun.Status.OK, finished_at=timezone.now(), result=result)
    return result


class JobCommand(BaseCommand):
    """A management command that runs one job for a day (default: the company's today)."""

    job_name: str = ""
    job: Callable[..., Any]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="day", help="the day to run for, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = parse_day(options.get("day"))
        result = run_job(self.job_name, type(self).job, via="command", day=day)
        self.stdout.write(f"{self.job_name} {day.isoformat()}: {result}")
