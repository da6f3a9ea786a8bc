from core.jobs import JobCommand
from expenses.jobs import budget_alerts


class Command(JobCommand):
    help = "Email salespersons and managers whose expense budgets reached 80% or 100% (Celery beat runs it daily)."
    job_name = "budget_alerts"
    job = budget_alerts
