from celery import shared_task

from core.jobs import JOB_TASK_OPTIONS, parse_day, run_job

from .jobs import run_dunning


@shared_task(**JOB_TASK_OPTIONS)
def run_dunning_task(day: str | None = None, dry_run: bool = False) -> dict:
    return run_job("run_dunning", run_dunning, via="task", day=parse_day(day), dry_run=dry_run)
