"""Budget usage: paid + approved + pending claims against a budget (SPEC: warning at 80%, override at 100%).

Usage is computed, never stored: one grouped query per year over the claim lines of the people
concerned (claimant, team, category, currency, status), then matched to the budgets in Python,
so a page of budgets costs the same whatever the number of claims.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum

from .models import ZERO, Budget, Claim, ClaimLine, cents

WARNING_PERCENT = Decimal("80")
LIMIT_PERCENT = Decimal("100")
THRESHOLDS = (80, 100)


@dataclass
class BudgetUsage:
    budget: Budget
    paid: Decimal = ZERO
    approved: Decimal = ZERO
    pending: Decimal = ZERO
    extra: dict = field(default_factory=dict)

    @property
    def used(self) -> Decimal:
        return self.paid + self.approved + self.pending

    @property
    def remaining(self) -> Decimal:
        return self.budget.amount - self.used

    @property
    def percent(self) -> Decimal:
        """Exact ratio, for the thresholds: 800.00 of 1000.00 is exactly 80."""
        return self.used * 100 / self.budget.amount

    @property
    def percent_shown(self) -> Decimal:
        return self.percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def bar_percent(self) -> int:
        return int(min(self.percent, LIMIT_PERCENT))

    @property
    def level(self) -> str:
        if self.percent >= LIMIT_PERCENT:
            return "over"
        if self.percent >= WARNING_PERCENT:
            return "warning"
        return "ok"

    @property
    def crossed(self) -> list[int]:
        return [t for t in THRESHOLDS if self.percent >= t]


def _bucket(status: str) -> str:
    if status == Claim.Status.PAID:
        return "paid"
    if status == Claim.Status.APPROVED:
        return "approved"
    return "pending"


def usage_for(budgets: Iterable[Budget], *, exclude_claim: Claim | None = None) -> list[BudgetUsage]:
    budgets = list(budgets)
    usages = [BudgetUsage(budget=b) for b in budgets]
    for year in sorted({b.year for b in budgets}):
        of_year = [u for u in usages if u.budget.year == year]
        people = {u.budget.salesperson_id for u in of_year if u.budget.salesperson_id}
        teams = {u.budget.team_id for u in of_year if u.budget.team_id}
        lines = ClaimLine.objects.filter(
            claim__status__in=Claim.BUDGET_STATUSES,
            date__gte=date(year, 1, 1),
            date__lte=date(year, 12, 31),
        ).filter(Q(claim__claimant__in=people) | Q(claim__claimant__team__in=teams))
        if exclude_claim is not None:
            lines = lines.exclude(claim=exclude_claim)
        rows = lines.values(
            "claim__claimant_id", "claim__claimant__team_id", "category", "currency", "claim__status"
        ).annotate(total=Sum("amount"))
        for row in rows:
            bucket = _bucket(row["claim__status"])
            for usage in of_year:
                b = usage.budget
                if b.currency != row["currency"] or (b.category and b.category != row["category"]):
                    continue
                if b.salesperson_id and b.salesperson_id != row["claim__claimant_id"]:
                    continue
                if b.team_id and b.team_id != row["claim__claimant__team_id"]:
                    continue
                setattr(usage, bucket, getattr(usage, bucket) + cents(row["total"]))
    return usages


def budgets_touched_by(claim: Claim) -> list[Budget]:
    """The budgets a claim's lines count against: the claimant's own and their team's."""
    lines = list(claim.lines.values_list("date", "category", "currency"))
    if not lines:
        return []
    years = {d.year for d, _c, _cur in lines}
    who = Q(salesperson=claim.claimant_id)
    if claim.claimant.team_id:
        who |= Q(team=claim.claimant.team_id)
    candidates = Budget.objects.filter(who, year__in=years).select_related("salesperson", "team")
    touched = []
    for budget in candidates:
        if any(
            d.year == budget.year and cur == budget.currency and (not budget.category or budget.category == cat)
            for d, cat, cur in lines
        ):
            touched.append(budget)
    return touched


def claim_budget_usage(claim: Claim) -> list[BudgetUsage]:
    """Usage of the budgets this claim touches, counting the claim itself even while it is a draft."""
    budgets = budgets_touched_by(claim)
    if not budgets:
        return []
    usages = usage_for(budgets, exclude_claim=claim)
    status = claim.status if claim.status in Claim.BUDGET_STATUSES else Claim.Status.SUBMITTED
    bucket = _bucket(status)
    lines = list(claim.lines.all())
    for usage in usages:
        b = usage.budget
        own = ZERO
        for line in lines:
            if (
                line.date.year == b.year
                and line.currency == b.currency
                and (not b.category or b.category == line.category)
            ):
                own += line.amount
        setattr(usage, bucket, getattr(usage, bucket) + own)
    return usages
