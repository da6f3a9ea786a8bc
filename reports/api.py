"""What other parts of Backdesk may ask of reports (kept small and stable).

The home pages and the manager dashboard use ``funnel`` for the sales-funnel table.
"""

from __future__ import annotations

from decimal import Decimal


def funnel(user, *, salesperson_ids: list[int] | None = None) -> list[dict]:
    """The sales funnel from the latest weekly reports the user may see.

    One row per stage, in stage order: ``{"stage": code, "label": str, "count": int,
    "amount": {currency: Decimal}, "weighted": {currency: Decimal}}``; ``salesperson_ids``
    narrows it to those salespersons (within the user's scope). Placeholder until reports lands.
    """
    return []


def missing_weekly_reports(user) -> list:
    """Salespersons in the user's scope whose weekly report for the current week is missing
    (after its Monday 10:30 deadline). Placeholder until reports lands."""
    return []


ZERO = Decimal("0.00")
