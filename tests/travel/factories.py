"""Trips for tests, made through the services (so numbers, events and totals are real)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from travel import services
from travel.models import Trip


def make_trip(
    traveller,
    *customers,
    actor=None,
    start: date | None = None,
    days: int = 3,
    status: str = Trip.Status.DRAFT,
    reviewer=None,
    approver=None,
) -> Trip:
    """A trip of ``traveller`` visiting ``customers``, moved through the workflow up to ``status``."""
    start = start or timezone.localdate() + timedelta(days=7)
    end = start + timedelta(days=days - 1)
    trip = services.trip_create(
        actor=actor or traveller,
        traveller=traveller,
        purpose="拜访客户，洽谈明年订单 / Visit customers about next year's orders",
        destination="南京 Nanjing",
        hotel_nights=days - 1,
        currency="CNY",
        est_transport=Decimal("800.00"),
        est_hotel=Decimal("900.50"),
        est_meals=Decimal("300.00"),
        est_entertainment=Decimal("500.00"),
        est_other=Decimal("0.00"),
        legs=[
            {"day": start, "origin": "上海", "destination": "南京", "transport": "train", "note": ""},
            {"day": end, "origin": "南京", "destination": "上海", "transport": "train", "note": ""},
        ],
        stops=[{"customer": c, "agenda": "新品介绍"} for c in customers],
    )
    order = [Trip.Status.SUBMITTED, Trip.Status.REVIEWED, Trip.Status.APPROVED]
    if status in (Trip.Status.DRAFT,):
        return trip
    if status == Trip.Status.CANCELLED:
        return services.trip_cancel(trip=trip, actor=traveller)
    trip = services.trip_submit(trip=trip, actor=actor or traveller)
    if status == Trip.Status.SUBMITTED:
        return trip
    if services.needs_review(trip):
        trip = services.trip_review(trip=trip, actor=reviewer, checklist=ALL_OK)
        if status == Trip.Status.REVIEWED:
            return trip
    assert status in order
    return services.trip_approve(trip=trip, actor=approver)


ALL_OK = {"reason_sufficient": True, "dates_sensible": True, "route_sensible": True, "estimate_reasonable": True}
