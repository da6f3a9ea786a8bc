from core.jobs import JobCommand
from reports.jobs import weekly_report_reminders


class Command(JobCommand):
    help = "Remind salespersons who have not submitted last week's report (Celery beat: Monday 09:00)."
    job_name = "weekly_report_reminders"
    job = weekly_report_reminders
