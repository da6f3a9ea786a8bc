"""What other modules may ask of expenses (kept small and stable).

travel/ uses ``claimed_by_trip`` for a trip's estimate against its actual cost.
"""

from __future__ import annotations

from decimal import Decimal


def claimed_by_trip(trip_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Claimed cost per trip and currency: ``{trip_id: {currency: amount}}`` for every id asked for.

    Counts claim lines of claims linked to the trip that are submitted or further along, not
    rejected or withdrawn. Placeholder until expenses lands: nothing claimed.
    """
    return {pk: {} for pk in trip_ids}
