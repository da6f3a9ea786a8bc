"""Pages and exports of expenses for manage.py bench (core/bench.py)."""

from django.urls import reverse

from core.bench import Page, _deep, _detail

PAGES: list = [
    Page("expenses: claim list", lambda user: reverse("expenses:list")),
    Page("expenses: claim list, deep page", _deep("expenses:list", "expenses.Claim")),
    Page("expenses: claim list, search", lambda user: reverse("expenses:list") + "?q=EX-20"),
    Page("expenses: claims waiting for me", lambda user: reverse("expenses:list") + "?status=to_act"),
    Page("expenses: claims with a reused receipt", lambda user: reverse("expenses:list") + "?status=reused"),
    Page("expenses: claim detail", _detail("expenses:detail", "expenses.Claim")),
    Page("expenses: budgets", lambda user: reverse("expenses:budgets")),
    Page("expenses: advances", lambda user: reverse("expenses:advances")),
    Page("expenses: advance detail", _detail("expenses:advance-detail", "expenses.Advance")),
]
EXPORTS: list = [
    ("expenses: Excel of all claims", "gm", "expenses:export"),
]
