from celery import shared_task

from .heartbeat import heartbeat
from .jobs import JOB_TASK_OPTIONS, parse_day, run_job


@shared_task(**JOB_TASK_OPTIONS)
def heartbeat_task(day: str | None = None) -> dict:
    return run_job("heartbeat", heartbeat, via="task", day=parse_day(day))
