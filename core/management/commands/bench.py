import json
import logging
from pathlib import Path

from django.core.management.base import BaseCommand

from core import bench


class Command(BaseCommand):
    help = (
        "Measure pages, downloads, jobs and gunicorn throughput on the current database and write "
        "bench/results/bench-<database>.{md,json}. --seed N seeds (timed) first; make bench does it on an "
        "empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", default="gm,manager1,assistant2")
        parser.add_argument("--repeat", type=int, default=15, help="requests per page after the warm-up")
        parser.add_argument("--out", default="bench/results")
        parser.add_argument("--seed", type=int, metavar="SCALE", help="run seed_demo --scale SCALE first, timed")
        parser.add_argument("--seed-seconds", type=float, help="seed time measured outside (with --scale)")
        parser.add_argument("--scale", type=int, help="the scale the database was seeded at")
        parser.add_argument("--pages", help="only pages whose name contains one of these (comma-separated)")
        parser.add_argument("--no-exports", action="store_true")
        parser.add_argument("--no-jobs", action="store_true")
        parser.add_argument("--no-http", action="store_true")
        parser.add_argument("--http-seconds", type=int, default=10, help="wrk duration per page")
        parser.add_argument("--export", help="internal: run one export USER:URL and print JSON")
        parser.add_argument("--job", choices=sorted(bench.JOBS), help="internal: run one job and print JSON")

    def handle(self, *args, **o):
        for noisy in ("weasyprint", "fontTools"):  # PDF progress lines would bury the report
            logging.getLogger(noisy).setLevel(logging.WARNING)
        if o["export"]:
            username, target = o["export"].split(":", 1)
            self.stdout.write(json.dumps(bench.run_export(username, target), default=str))
            return
        if o["job"]:
            self.stdout.write(json.dumps(bench.JOBS[o["job"]](), default=str))
            return
        seed = None
        if o["seed"]:
            self.stderr.write(f"Seeding --scale {o['seed']} ...")
            seed = bench.run_seed(o["seed"])
        elif o["seed_seconds"] is not None:
            seed = {"scale": o["scale"], "seconds": o["seed_seconds"]}
        pages = bench.PAGES
        if o["pages"]:
            wanted = [w.strip() for w in o["pages"].split(",") if w.strip()]
            pages = [p for p in bench.PAGES if any(w in p.name for w in wanted)]
        report = {"machine": bench.machine(), "seed": seed, "counts": bench.counts()}
        self.stderr.write(f"Pages ({len(pages)} × {o['users']}) ...")
        report["pages"] = bench.measure_pages(o["users"].split(","), o["repeat"], pages)
        if not o["no_exports"]:
            self.stderr.write(f"Downloads ({len(bench.EXPORTS)}) ...")
            report["exports"] = bench.measure_exports()
        if not o["no_jobs"]:
            self.stderr.write("Jobs (run_dunning twice, contract PDF, statement PDF) ...")
            report["jobs"] = bench.measure_jobs()
        if not o["no_http"]:
            self.stderr.write("gunicorn + wrk ...")
            report["http"] = bench.measure_http(seconds=o["http_seconds"])
        bench.check_targets(report)
        folder = Path(o["out"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"bench-{report['machine']['database']}"
        (folder / f"{name}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        text = bench.markdown(report)
        (folder / f"{name}.md").write_text(text)
        self.stdout.write(text)
