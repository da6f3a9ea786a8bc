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

import logging
import traceback
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import JobRun

logger = logging.getLogger(__name__)

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


# The task of each scheduled job, for the heartbeat to run again one whose worker died mid-run.
# Every job is idempotent (what it sends is claimed once in the database), so running it again
# finishes what the dead run left and repeats nothing.
JOB_TASKS = {
    "run_dunning": "receivables.tasks.run_dunning_task",
    "send_monthly_reports": "reports.tasks.send_monthly_reports_task",
    "weekly_report_reminders": "reports.tasks.weekly_report_reminders_task",
    "weekly_report_overdue": "reports.tasks.weekly_report_overdue_task",
    "document_expiry": "customers.tasks.document_expiry_task",
    "budget_alerts": "expenses.tasks.budget_alerts_task",
    "sample_feedback_due": "samples.tasks.sample_feedback_due_task",
}
RESUME_WITHIN = timedelta(days=2)  # older interrupted runs are left to a person (the admin shows them)


def resume_interrupted_jobs() -> list[int]:
    """Queue again each job run left "running" by a worker that died: started more than
    STALE_CLAIM_SECONDS ago (no job takes that long), within the last two days, and not followed
    by a successful run with the same arguments. Celery would redeliver such a task after the
    broker's visibility timeout, but only if the broker kept it; this does not depend on that.
    Returns the ids of the runs resumed."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.STALE_CLAIM_SECONDS)
    resumed = []
    runs = JobRun.objects.filter(
        status=JobRun.Status.RUNNING, job__in=JOB_TASKS, started_at__lt=stale, started_at__gte=now - RESUME_WITHIN
    ).order_by("started_at")
    for run in runs:
        later_ok = JobRun.objects.filter(
            job=run.job, arguments=run.arguments, status=JobRun.Status.OK, started_at__gt=run.started_at
        ).exists()
        if not later_ok:
            try:
                import_string(JOB_TASKS[run.job]).delay(**_task_arguments(run))
            except Exception:  # the broker is down: the run stays "running" and the next heartbeat tries again
                logger.exception("could not queue job run %s again", run.pk)
                continue
            resumed.append(run.pk)
        note = "interrupted: its worker stopped; queued again by the heartbeat" if not later_ok else "interrupted"
        JobRun.objects.filter(pk=run.pk, status=JobRun.Status.RUNNING).update(
            status=JobRun.Status.FAILED, finished_at=now, error=note
        )
    return resumed


def _task_arguments(run: JobRun) -> dict[str, Any]:
    arguments = dict(run.arguments)
    if run.job == "send_monthly_reports" and arguments.get("month"):
        arguments["month"] = str(arguments["month"])[:7]  # the task takes YYYY-MM
    return arguments


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
