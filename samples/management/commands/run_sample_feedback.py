from core.jobs import JobCommand
from samples.jobs import sample_feedback_due


class Command(JobCommand):
    help = "Remind salespersons of samples due for customer feedback (Celery beat runs it daily)."
    job_name = "sample_feedback_due"
    job = sample_feedback_due
