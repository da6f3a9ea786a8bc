from core.jobs import JobCommand
from customers.jobs import document_expiry


class Command(JobCommand):
    help = "Email each owner the documents of their companies expiring within 30 days (Celery beat runs it daily)."
    job_name = "document_expiry"
    job = document_expiry
