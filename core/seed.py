"""Demo data: deterministic (fixed random seed), idempotent, and able to grow (--scale).

Each app that has demo data provides ``<app>/seed.py`` with ``seed(ctx: SeedContext)``;
they run in SEED_ORDER, each creating only what is missing, so a second run adds nothing.
"""

from __future__ import annotations

import importlib
import random
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

DEMO_PASSWORD = "backdesk-demo"  # noqa: S105  (demo data only, printed by seed_demo)
RANDOM_SEED = 20261124
SEED_ORDER = ["accounts", "customers", "orders", "contracts", "receivables", "samples", "travel", "expenses", "reports"]


@dataclass
class SeedContext:
    scale: int
    rng: random.Random
    users: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.log.append(line)


def seed_all(*, scale: int = 1, stdout=None) -> SeedContext:
    ctx = SeedContext(scale=scale, rng=random.Random(RANDOM_SEED))
    for app in SEED_ORDER:
        started = time.monotonic()
        module = importlib.import_module(f"{app}.seed")
        with transaction.atomic():
            module.seed(ctx)
        if stdout is not None:
            stdout.write(f"  {app}: {time.monotonic() - started:.1f}s")
    # Bulk inserts leave the planner's statistics stale until autovacuum comes round;
    # refresh them so the first pages after a seed use the right plans. On PostgreSQL vacuum
    # too, as autovacuum would: without the visibility map it sets, the planner avoids the
    # index-only scans the pages rely on (3 s at scale 100). Not possible inside a transaction
    # (the tests'), where ANALYZE alone does.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")
    return ctx
