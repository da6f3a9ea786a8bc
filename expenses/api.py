"""What other modules may ask of expenses (kept small and stable).

travel/ uses ``claimed_by_trip`` for a trip's estimate against its actual cost.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum


def claimed_by_trip(trip_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Claimed cost per trip and currency: ``{trip_id: {currency: amount}}`` for every id asked for.

    Counts claim lines of claims linked to the trip that are submitted or further along, not
    rejected or withdrawn.
    """
    from .models import Claim, ClaimLine, cents

    result: dict[int, dict[str, Decimal]] = {pk: {} for pk in trip_ids}
    if not trip_ids:
        return result
    rows = (
        ClaimLine.objects.filter(claim__trip_id__in=list(trip_ids), claim__status__in=Claim.BUDGET_STATUSES)
        .values("claim__trip_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for row in rows:
        result[row["claim__trip_id"]][row["currency"]] = cents(row["total"])
    return result


def claims_of_trip(trip_id: int, user) -> list:
    """The claims filed against a trip that ``user`` may open (newest first), for links on the trip page."""
    from .models import Claim

    return list(
        Claim.objects.visible_to(user).filter(trip_id=trip_id).exclude(status=Claim.Status.WITHDRAWN).order_by("-pk")
    )
