"""Pages and exports of contracts for manage.py bench (core/bench.py)."""

from __future__ import annotations

from django.urls import reverse

from core.bench import COMPUTED, Page, _deep, _detail, _first_visible


def _pdf(user):
    pk = _first_visible("contracts.Contract")(user)
    return reverse("contracts:pdf", args=[pk]) if pk else None


PAGES: list = [
    Page("contracts: list", lambda user: reverse("contracts:list")),
    Page("contracts: list, deep page", _deep("contracts:list", "contracts.Contract")),
    Page("contracts: list, search", lambda user: reverse("contracts:list") + "?q=%E7%B2%BE%E5%AF%86"),
    Page("contracts: detail", _detail("contracts:detail", "contracts.Contract")),
    Page("contracts: PDF", _pdf, target_ms=1500, repeat=5),
    Page("contracts: performance checklist", lambda user: reverse("contracts:performance")),
    Page("contracts: performance, deep page", _deep("contracts:performance", "contracts.Contract")),
    Page("contracts: monthly statistics", lambda user: reverse("contracts:statistics")),
    Page(
        "contracts: monthly statistics, computed (not kept)",
        lambda user: reverse("contracts:statistics"),
        settings=COMPUTED,
    ),
    Page("contracts: annual statistics", lambda user: reverse("contracts:statistics") + "?period=year"),
]
EXPORTS: list = [
    ("contracts: Excel of all contracts", "gm", "contracts:export"),
    ("contracts: performance checklist Excel", "gm", "contracts:performance-export"),
    ("contracts: statistics Excel", "gm", "contracts:statistics-export"),
]
