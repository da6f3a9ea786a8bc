"""The sales-funnel table: the funnel of reports.api, per salesperson and per team as well.

Page and Excel both read ``funnel_table`` so their figures agree to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Team
from accounts.scope import visible_salespersons

from .api import ZERO, funnel_lines, funnel_rows
from .models import Stage, WeeklyReport


@dataclass
class FunnelGroup:
    """One salesperson or team: per currency, amount per stage, total amount and weighted."""

    key: object
    label: str
    count: int = 0
    cells: dict = field(default_factory=dict)  # currency -> {"stages": {stage: (count, amount)}, "amount", "weighted"}
    week: object = None  # the salesperson's latest submitted week

    def add(self, line: dict) -> None:
        self.count += 1
        cell = self.cells.setdefault(
            line["currency"], {"stages": defaultdict(lambda: [0, ZERO]), "amount": ZERO, "weighted": ZERO}
        )
        cell["stages"][line["stage"]][0] += 1
        cell["stages"][line["stage"]][1] += line["amount"]
        cell["amount"] += line["amount"]
        cell["weighted"] += line["weighted"]

    def rows(self) -> list[dict]:
        """One row per currency, stages in stage order."""
        return [
            {"currency": currency, "stages": [tuple(cell["stages"].get(code, (0, ZERO))) for code in Stage.values],
             "amount": cell["amount"], "weighted": cell["weighted"]}
            for currency, cell in sorted(self.cells.items())
        ]  # fmt: skip


@dataclass
class FunnelTable:
    stages: list  # rows of reports.api.funnel
    by_salesperson: list[FunnelGroup]
    by_team: list[FunnelGroup]
    lines: list[dict]

    @property
    def totals(self) -> dict[str, dict[str, Decimal]]:
        out: dict = {}
        for line in self.lines:
            cell = out.setdefault(line["currency"], {"amount": ZERO, "weighted": ZERO})
            cell["amount"] += line["amount"]
            cell["weighted"] += line["weighted"]
        return dict(sorted(out.items()))


def funnel_table(user, *, salesperson_ids: list[int] | None = None) -> FunnelTable:
    lines = funnel_lines(user, salesperson_ids=salesperson_ids)
    people_qs = visible_salespersons(user)
    if salesperson_ids is not None:
        people_qs = people_qs.filter(pk__in=salesperson_ids)
    people = list(people_qs.select_related("team").order_by("display_name", "username"))
    latest = _latest_weeks([p.pk for p in people])
    with_lines = {line["salesperson_id"] for line in lines}
    by_person = {
        p.pk: FunnelGroup(key=p.pk, label=str(p), week=latest.get(p.pk))
        for p in people
        if p.is_active or p.pk in with_lines  # a salesperson who left still counts while their lines do
    }
    teams: dict = {}
    for line in lines:
        by_person[line["salesperson_id"]].add(line)
        team = teams.setdefault(line["team_id"], FunnelGroup(key=line["team_id"], label=""))
        team.add(line)
    names = dict(Team.objects.filter(pk__in=[k for k in teams if k]).values_list("pk", "name"))
    for key, team in teams.items():
        team.label = names.get(key, "—")
    return FunnelTable(
        stages=funnel_rows(lines),
        by_salesperson=list(by_person.values()),
        by_team=sorted(teams.values(), key=lambda t: t.label),
        lines=lines,
    )


def _latest_weeks(salesperson_ids: list[int]) -> dict:
    from django.db.models import Max

    return dict(
        WeeklyReport.objects.submitted()
        .filter(salesperson__in=salesperson_ids)
        .values("salesperson_id")
        .annotate(week=Max("week"))
        .values_list("salesperson_id", "week")
        .order_by()
    )
