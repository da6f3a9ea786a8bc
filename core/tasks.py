from celery import shared_task

from .heartbeat import heartbeat
from .jobs import JOB_TASK_OPTIONS, parse_day, run_job


@shared_task(**JOB_TASK_OPTIONS)
def heartbeat_task(day: str | None = None) -> dict:
    return run_job("heartbeat", heartbeat, via="task", day=parse_day(day))


@shared_task(acks_late=True)
def export_task(export_id: int) -> str:
    from .background_exports import export_run

    return export_run(export_id)
