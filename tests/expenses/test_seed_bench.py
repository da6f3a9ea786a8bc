"""The expenses demo data (every state, a reused receipt, budgets near and over, idempotent) and bench entries."""

from __future__ import annotations

import random

from django.test import Client

from core.seed import SeedContext
from expenses.budgets import usage_for
from expenses.models import Advance, Budget, Claim, ClaimEvent, ClaimLine


def run_seeds(ctx: SeedContext) -> None:
    from accounts import seed as accounts_seed
    from customers import seed as customers_seed
    from expenses import seed as expenses_seed
    from travel import seed as travel_seed

    for module in (accounts_seed, customers_seed, travel_seed, expenses_seed):
        module.seed(ctx)


def test_seed_every_state_reused_receipt_budgets_and_idempotent(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run_seeds(SeedContext(scale=1, rng=random.Random(3)))
    assert Claim.objects.count() == 100
    assert set(Claim.objects.values_list("status", flat=True)) == set(Claim.Status.values)
    reused = ClaimLine.objects.reused()
    assert reused.count() == 2 and reused.values("claim__claimant").distinct().count() == 2
    assert Claim.objects.exclude(trip=None).exists()
    assert not Claim.objects.exclude(trip=None).exclude(trip__traveller=models_f("claimant")).exists()
    # Every receipt points at one of two stored files (the seed writes no file per line).
    files = set(ClaimLine.objects.exclude(receipt_file="").values_list("receipt_file", flat=True))
    assert len(files) == 2 and all((tmp_path / name).exists() for name in files)
    levels = {u.level for u in usage_for(Budget.objects.all())}
    assert {"warning", "over"} <= levels
    assert set(Advance.objects.values_list("status", flat=True)) >= {"requested", "approved", "paid", "settled"}
    paid = Claim.objects.filter(status=Claim.Status.PAID)
    assert ClaimEvent.objects.filter(claim__in=paid, action="paid").count() == paid.count()
    counts = (Claim.objects.count(), ClaimLine.objects.count(), Advance.objects.count(), Budget.objects.count())
    run_seeds(SeedContext(scale=1, rng=random.Random(3)))
    assert (Claim.objects.count(), ClaimLine.objects.count(), Advance.objects.count(), Budget.objects.count()) == counts


def models_f(name):
    from django.db.models import F

    return F(name)


def test_bench_pages_answer(db, settings, tmp_path):
    import core.bench  # noqa: F401  (core.bench collects the module entries first)
    from expenses.bench import PAGES

    settings.MEDIA_ROOT = tmp_path
    ctx = SeedContext(scale=1, rng=random.Random(3))
    run_seeds(ctx)
    client = Client()
    for username in ("gm", "manager1", "assistant1", "sales1", "finance1"):
        user = ctx.users[username]
        client.force_login(user)
        for page in PAGES:
            url = page.url(user)
            if url:
                assert client.get(url).status_code == 200, (page.name, username)
