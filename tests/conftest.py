"""Shared fixtures: the demo cast (like healthchecks' alice/bob/charlie) and service guards."""

from __future__ import annotations

import os
import random
import shutil
from types import SimpleNamespace

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def read_people(user) -> None:
    """Read a user's people (a manager's team, an assistant's salespersons) as a request does once,
    at its first scope (accounts.scope._people): then a section's own queries can be counted."""
    from accounts.scope import jurisdiction_ids, served_salesperson_ids

    jurisdiction_ids(user)
    served_salesperson_ids(user)


def require(condition: bool, reason: str) -> None:
    """Skip locally when a real service or tool is missing; never in CI, where it must run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run this test but: {reason}")
    pytest.skip(reason)


def require_postgresql() -> None:
    """For tests of PostgreSQL behaviour (row locks, concurrency). CI runs the suite twice, on
    PostgreSQL and then on SQLite: these run in the first pass and skip in the second."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if IN_CI and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.fail("DATABASE_URL points at PostgreSQL but the test database is not PostgreSQL")
    pytest.skip("PostgreSQL only: runs when DATABASE_URL points at PostgreSQL (CI's first pass)")


def has_chromium() -> bool:
    return shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM)


@pytest.fixture
def cast(db):
    """The demo people and a few companies, created as seed_demo does.

    Attributes: gm, manager1, manager2, sales1..3, assistant1..3, finance1, and
    companies: customer_of_assistant1 (sales1's, assigned to assistant1 only),
    customer_shared (sales1's, assigned to assistant1 and assistant2),
    customer_of_assistant2 (sales1's, assigned to assistant2 only),
    customer_unassigned (sales1's, nobody's), customer_of_sales2 (sales2's, assistant2),
    customer_of_sales3 (sales3's, assistant3).
    """
    from accounts import seed as accounts_seed
    from core.seed import SeedContext
    from customers.models import Company, CompanyAssignment

    ctx = SeedContext(scale=1, rng=random.Random(1))
    accounts_seed.seed(ctx)
    u = ctx.users

    def company(code, owner, *assistants, kind=Company.Kind.CUSTOMER):
        c = Company.objects.create(code=code, name=f"{code} 有限公司", name_en=f"{code} Ltd.", owner=owner, kind=kind)
        for a in assistants:
            CompanyAssignment.objects.create(company=c, assistant=a, assigned_by=owner)
        return c

    return SimpleNamespace(
        **u,
        customer_of_assistant1=company("T-A1", u["sales1"], u["assistant1"]),
        customer_shared=company("T-SH", u["sales1"], u["assistant1"], u["assistant2"]),
        customer_of_assistant2=company("T-A2", u["sales1"], u["assistant2"]),
        customer_unassigned=company("T-UN", u["sales1"]),
        customer_of_sales2=company("T-S2", u["sales2"], u["assistant2"]),
        customer_of_sales3=company("T-S3", u["sales3"], u["assistant3"]),
    )
