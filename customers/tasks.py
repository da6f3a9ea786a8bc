from celery import shared_task

from core.jobs import JOB_TASK_OPTIONS, parse_day, run_job

from .jobs import document_expiry


@shared_task(**JOB_TASK_OPTIONS)
def document_expiry_task(day: str | None = None) -> dict:
    return run_job("document_expiry", document_expiry, via="task", day=parse_day(day))
