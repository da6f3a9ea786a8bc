import time

from django.core.management.base import BaseCommand

from accounts.seed import CAST
from core.seed import DEMO_PASSWORD, seed_all


class Command(BaseCommand):
    help = "Create the demo company (idempotent, deterministic). --scale N multiplies volumes."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="multiply record volumes (100 for benchmarks)")
        parser.add_argument("--quiet", action="store_true", help="do not print the demo logins")

    def handle(self, *args, scale, quiet, **options):
        started = time.monotonic()
        ctx = seed_all(scale=scale, stdout=self.stdout)
        for line in ctx.log:
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready (scale {scale}) in {time.monotonic() - started:.1f}s."))
        if not quiet:
            self.stdout.write(f"Demo logins, password '{DEMO_PASSWORD}':")
            for username, (display, role, team, gm, finance, serves) in CAST.items():
                what = "general manager" if gm else ("finance" if finance else role)
                extra = f", serves {', '.join(serves)}" if serves else ""
                team_txt = f", team {team}" if team else ""
                self.stdout.write(f"  {username:<11} {what}{team_txt}{extra}  ({display})")
            self.stdout.write("  admin       Django superuser (/admin/)")
