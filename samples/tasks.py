from celery import shared_task

from core.jobs import JOB_TASK_OPTIONS, parse_day, run_job

from .jobs import sample_feedback_due


@shared_task(**JOB_TASK_OPTIONS)
def sample_feedback_due_task(day: str | None = None) -> dict:
    return run_job("sample_feedback_due", sample_feedback_due, via="task", day=parse_day(day))
