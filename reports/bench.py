"""Pages and exports of reports for manage.py bench (core/bench.py)."""

from django.urls import reverse

from core.bench import Page, _deep, _detail

PAGES: list = [
    Page("reports: weekly reports", lambda user: reverse("reports:list")),
    Page("reports: weekly reports, deep page", _deep("reports:list", "reports.WeeklyReport")),
    Page("reports: weekly report detail", _detail("reports:detail", "reports.WeeklyReport")),
    Page("reports: sales funnel", lambda user: reverse("reports:funnel")),
]
EXPORTS: list = [
    ("reports: weekly reports Excel", "gm", "reports:export"),
    ("reports: sales funnel Excel", "gm", "reports:funnel-export"),
]
