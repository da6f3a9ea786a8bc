from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.jobs import parse_day, run_job
from core.months import parse_month
from reports.pack import previous_month, send_monthly_reports


class Command(BaseCommand):
    help = "Email each manager the monthly report pack (Excel) of their jurisdiction (Celery beat: 1st, 08:00)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="the month to report, YYYY-MM (default: last month)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("month"):
            month = parse_month(options["month"])
            if month is None:
                raise CommandError("--month must be YYYY-MM")
        else:
            month = previous_month(parse_day(None))
        result = run_job("send_monthly_reports", send_monthly_reports, via="command", month=month)
        self.stdout.write(f"send_monthly_reports {month:%Y-%m}: {result}")
