"""Celery application and the one beat schedule of Backdesk (SPEC section 3).

Times are in the company's time zone (settings.TIME_ZONE, default Asia/Shanghai).
Each job is a plain function in its app's ``jobs.py``; the task and the management
command both call it through ``core.jobs.run_job`` so a run is recorded either way.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("backdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Jobs arrive with their modules; an entry is added here when its task exists.
app.conf.beat_schedule = {
    "heartbeat": {
        "task": "core.tasks.heartbeat_task",
        "schedule": crontab(minute="*/10"),
    },
    "document-expiry": {
        "task": "customers.tasks.document_expiry_task",
        "schedule": crontab(hour=7, minute=30),
    },
    "sample-feedback": {
        "task": "samples.tasks.sample_feedback_due_task",
        "schedule": crontab(hour=9, minute=15),
    },
    "dunning": {
        "task": "receivables.tasks.run_dunning_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "budget-alerts": {
        "task": "expenses.tasks.budget_alerts_task",
        "schedule": crontab(hour=8, minute=0),
    },
    "weekly-report-reminders": {
        "task": "reports.tasks.weekly_report_reminders_task",
        "schedule": crontab(hour=9, minute=0, day_of_week="mon"),
    },
    "weekly-report-overdue": {
        "task": "reports.tasks.weekly_report_overdue_task",
        "schedule": crontab(hour=10, minute=30, day_of_week="mon"),
    },
    "monthly-report-pack": {
        "task": "reports.tasks.send_monthly_reports_task",
        "schedule": crontab(hour=8, minute=0, day_of_month=1),
    },
}
