"""seed_demo for reports: 8 weeks per salesperson, some missing, every stage, idempotent."""

from __future__ import annotations

import random

from accounts import seed as accounts_seed
from core.seed import SeedContext
from customers import seed as customers_seed
from reports import api
from reports import seed as reports_seed
from reports.models import Opportunity, Stage, WeeklyReport


def test_seed_is_idempotent_and_has_shape(db):
    ctx = SeedContext(scale=1, rng=random.Random(7))
    accounts_seed.seed(ctx)
    customers_seed.seed(ctx)
    reports_seed.seed(ctx)
    reports, lines = WeeklyReport.objects.count(), Opportunity.objects.count()
    assert 15 <= reports <= 26
    assert set(Opportunity.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert WeeklyReport.objects.filter(status="draft").exists()
    assert WeeklyReport.objects.filter(is_late=True).exists()
    assert api.missing_weekly_reports(ctx.users["gm"])  # someone is missing the latest week
    assert any(row["count"] for row in api.funnel(ctx.users["gm"]))
    reports_seed.seed(SeedContext(scale=1, rng=random.Random(7), users=ctx.users))
    assert (WeeklyReport.objects.count(), Opportunity.objects.count()) == (reports, lines)
