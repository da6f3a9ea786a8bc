from core.heartbeat import heartbeat
from core.jobs import JobCommand


class Command(JobCommand):
    help = "Record a heartbeat job run (the same function Celery beat runs every 10 minutes)."
    job_name = "heartbeat"
    job = heartbeat
