import json

from core.jobs import JobCommand, parse_day, run_job
from receivables.jobs import run_dunning


class Command(JobCommand):
    help = "Send today's payment reminders (Celery beat runs it daily at 09:00 company time)."
    job_name = "run_dunning"
    job = run_dunning

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="show who would get what, record and send nothing")

    def handle(self, *args, **options):
        day = parse_day(options.get("day"))
        result = run_job(self.job_name, run_dunning, via="command", day=day, dry_run=options["dry_run"])
        self.stdout.write(f"{self.job_name} {day.isoformat()}: {json.dumps(result, ensure_ascii=False, default=str)}")
