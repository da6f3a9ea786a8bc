from core.jobs import JobCommand
from reports.jobs import weekly_report_overdue


class Command(JobCommand):
    help = "Overdue notice for last week's missing reports to salesperson, assistants, manager (Monday 10:30)."
    job_name = "weekly_report_overdue"
    job = weekly_report_overdue
