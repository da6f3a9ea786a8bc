"""What other parts of Backdesk may ask of reports (kept small and stable).

The home pages and the manager dashboard use ``funnel`` for the sales-funnel table.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def funnel_lines(user, *, salesperson_ids: list[int] | None = None) -> list[dict]:
    """The opportunity lines of the latest submitted weekly report of each salesperson, as far as
    ``user`` may see them (an assistant: only their assigned customers). One query.

    Each: salesperson_id, team_id, stage, currency, amount, weighted (amount × probability,
    rounded to the cent per line so every total is a sum of what the lines show).
    """
    from accounts.scope import visible_salespersons

    from .models import Opportunity, WeeklyReport

    # The latest submitted report per salesperson is a subquery per salesperson (a handful),
    # not per opportunity line: the lines are then read by an index on report_id.
    people = visible_salespersons(user)
    if salesperson_ids is not None:
        people = people.filter(pk__in=salesperson_ids)
    latest = WeeklyReport.objects.submitted().filter(salesperson=OuterRef("pk")).order_by("-week").values("pk")[:1]
    report_ids = people.annotate(latest=Subquery(latest)).filter(latest__isnull=False).values("latest")
    lines = Opportunity.objects.visible_to(user).filter(report__in=report_ids)
    rows = []
    for salesperson_id, team_id, stage, currency, amount, probability in lines.values_list(
        "report__salesperson_id", "report__salesperson__team_id", "stage", "currency", "amount", "probability"
    ).order_by():
        rows.append(
            {
                "salesperson_id": salesperson_id,
                "team_id": team_id,
                "stage": stage,
                "currency": currency,
                "amount": amount,
                "weighted": (amount * probability / 100).quantize(CENT),
            }
        )
    return rows


def funnel_rows(lines: list[dict]) -> list[dict]:
    """Lines added up per stage, every stage in stage order (empty ones too)."""
    from .models import Stage

    rows = {
        code: {"stage": code, "label": label, "count": 0, "amount": defaultdict(lambda: ZERO),
               "weighted": defaultdict(lambda: ZERO)}
        for code, label in Stage.choices
    }  # fmt: skip
    for line in lines:
        row = rows[line["stage"]]
        row["count"] += 1
        row["amount"][line["currency"]] += line["amount"]
        row["weighted"][line["currency"]] += line["weighted"]
    result = []
    for row in rows.values():
        row["amount"] = {c: v for c, v in sorted(row["amount"].items())}
        row["weighted"] = {c: v for c, v in sorted(row["weighted"].items())}
        result.append(row)
    return result


def funnel(user, *, salesperson_ids: list[int] | None = None) -> list[dict]:
    """The sales funnel from the latest weekly reports the user may see.

    One row per stage, in stage order: ``{"stage": code, "label": str, "count": int,
    "amount": {currency: Decimal}, "weighted": {currency: Decimal}}``; ``salesperson_ids``
    narrows it to those salespersons (within the user's scope).
    """
    return funnel_rows(funnel_lines(user, salesperson_ids=salesperson_ids))


def missing_weekly_reports(user) -> list:
    """Salespersons in the user's scope whose weekly report for the current week is missing
    (after its Monday 10:30 deadline).

    "The current week" is the latest week whose deadline has passed (last week from Monday
    10:30 on; before that, the week before last). A draft that was not submitted is missing.
    Active salespersons only, ordered by name; each has ``missing_week`` (that Monday). One query.
    """
    from .models import last_due_week

    week = last_due_week(timezone.now())
    people = list(missing_queryset(user, week))
    for person in people:
        person.missing_week = week
    return people


def missing_queryset(user, week):
    """Active salespersons visible to ``user`` without a submitted report for ``week``."""
    from accounts.scope import visible_salespersons

    from .models import WeeklyReport

    submitted = WeeklyReport.objects.submitted().filter(week=week).values("salesperson_id")
    return (
        visible_salespersons(user)
        .filter(is_active=True)
        .exclude(pk__in=submitted)
        .select_related("team")
        .order_by("display_name", "username")
    )
