"""The trip page: estimate by category against what was claimed (expenses.api.claimed_by_trip)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from expenses.models import Claim, ClaimLine


def _claim(cast, trip, status, *amounts, currency="CNY"):
    claim = Claim.objects.create(
        number=f"EX-T-{Claim.objects.count() + 1}", claimant=cast.sales1, created_by=cast.sales1,
        kind=Claim.Kind.TRAVEL, purpose="差旅", trip=trip, status=status,
    )  # fmt: skip
    for amount in amounts:
        ClaimLine.objects.create(
            claim=claim, date=timezone.localdate(), category="transport", amount=Decimal(amount), currency=currency
        )
    return claim


def test_estimate_against_claimed_to_the_cent(client, cast, trip_of):
    trip = trip_of("approved")
    assert trip.est_total == Decimal("2500.50")
    _claim(cast, trip, Claim.Status.SUBMITTED, "1000.25", "300.10")
    _claim(cast, trip, Claim.Status.PAID, "99.99")
    _claim(cast, trip, Claim.Status.DRAFT, "5000.00")  # not claimed yet: not counted
    _claim(cast, trip, Claim.Status.APPROVED, "20.00", currency="USD")
    client.force_login(cast.sales1)
    response = client.get(trip.get_absolute_url())
    money = response.context["money"]
    assert dict(money["claimed"]) == {"CNY": Decimal("1400.34"), "USD": Decimal("20.00")}
    assert money["difference"] == Decimal("1100.16")
    body = response.content.decode()
    assert "CNY\u00a01,400.34" in body and "USD\u00a020.00" in body and "CNY\u00a01,100.16" in body
    assert [(key, amount) for key, _label, amount in money["rows"]] == [
        ("transport", Decimal("800.00")), ("hotel", Decimal("900.50")), ("meals", Decimal("300.00")),
        ("entertainment", Decimal("500.00")), ("other", Decimal("0.00")),
    ]  # fmt: skip


def test_nothing_claimed_says_so(client, cast, trip_of):
    trip = trip_of()
    client.force_login(cast.sales1)
    response = client.get(trip.get_absolute_url())
    assert response.context["money"]["difference"] is None
    assert "nothing claimed yet" in response.content.decode()
