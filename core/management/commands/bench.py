import json
from pathlib import Path

from django.core.management.base import BaseCommand

from core import bench


class Command(BaseCommand):
    help = "Measure page times, queries and exports on the current database (seed_demo --scale 100 first)."

    def add_arguments(self, parser):
        parser.add_argument("--users", default="gm,manager1,assistant2")
        parser.add_argument("--repeat", type=int, default=15)
        parser.add_argument("--out", default="bench/results")
        parser.add_argument("--export", help="internal: run one export USER:URL_NAME and print JSON")
        parser.add_argument("--no-exports", action="store_true")

    def handle(self, *args, users, repeat, out, export, no_exports, **options):
        if export:
            username, url_name = export.split(":", 1)
            self.stdout.write(json.dumps(bench.run_export(username, url_name)))
            return
        report = {
            "machine": bench.machine(),
            "counts": bench.counts(),
            "pages": bench.measure_pages(users.split(","), repeat),
            "exports": [] if no_exports else bench.measure_exports(),
        }
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"bench-{report['machine']['database']}"
        (folder / f"{name}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        text = bench.markdown(report)
        (folder / f"{name}.md").write_text(text)
        self.stdout.write(text)
