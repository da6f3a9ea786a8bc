from celery import shared_task

from core.jobs import JOB_TASK_OPTIONS, parse_day, run_job

from .jobs import budget_alerts


@shared_task(**JOB_TASK_OPTIONS)
def budget_alerts_task(day: str | None = None) -> dict:
    return run_job("budget_alerts", budget_alerts, via="task", day=parse_day(day))
