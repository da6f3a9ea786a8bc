from celery import shared_task

from core.jobs import JOB_TASK_OPTIONS, parse_day, run_job

from .jobs import weekly_report_overdue, weekly_report_reminders
from .pack import previous_month, send_monthly_reports


@shared_task(**JOB_TASK_OPTIONS)
def weekly_report_reminders_task(day: str | None = None) -> dict:
    return run_job("weekly_report_reminders", weekly_report_reminders, via="task", day=parse_day(day))


@shared_task(**JOB_TASK_OPTIONS)
def weekly_report_overdue_task(day: str | None = None) -> dict:
    return run_job("weekly_report_overdue", weekly_report_overdue, via="task", day=parse_day(day))


@shared_task(**JOB_TASK_OPTIONS)
def send_monthly_reports_task(month: str | None = None) -> dict:
    """On the 1st: the pack of the month that just ended (or ``month`` as YYYY-MM)."""
    from core.months import parse_month

    target = parse_month(month) if month else previous_month(parse_day(None))
    return run_job("send_monthly_reports", send_monthly_reports, via="task", month=target)
