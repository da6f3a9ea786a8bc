"""Demo data in every state (deterministic, idempotent, consistent), the admin and the bench entries."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.seed import SeedContext
from travel.models import Booking, CheckIn, Trip, TripCustomer, TripEvent, Visit


@pytest.fixture
def seeded(db):
    from accounts import seed as accounts_seed
    from customers import seed as customers_seed
    from travel import seed as travel_seed

    ctx = SeedContext(scale=2, rng=random.Random(7))
    for module in (accounts_seed, customers_seed, travel_seed):
        module.seed(ctx)
    return ctx, travel_seed


def test_seed_every_state_and_idempotent(seeded):
    ctx, travel_seed = seeded
    today = timezone.localdate()
    assert Trip.objects.count() == 60 and Visit.objects.count() == 10
    assert set(Trip.objects.values_list("status", flat=True)) == set(Trip.Status.values)
    assert Trip.objects.filter(status="draft", returned=True).exists()
    assert Trip.objects.on_the_road(today).exists()
    assert Trip.objects.filter(status="approved", end_on__lt=today).exists()  # report due
    done = Trip.objects.filter(status="done")
    assert TripCustomer.objects.filter(trip__in=done, visited=True, interaction__isnull=False).exists()
    assert TripCustomer.objects.filter(important=True).exists()
    assert Booking.objects.exists() and CheckIn.objects.exists()
    # Every trip starts its timeline with its draft; every approved trip was approved by someone else.
    assert TripEvent.objects.filter(action="created").count() == 60
    for event in TripEvent.objects.filter(action="approved").select_related("trip"):
        assert event.actor_id != event.trip.traveller_id
    # A salesperson's customers only on their own trips.
    assert (
        not TripCustomer.objects.filter(trip__traveller__role="salesperson")
        .exclude(customer__owner=models_f("trip__traveller"))
        .exists()
    )
    # Check-ins fall within the trip, at most one a day.
    for check in CheckIn.objects.select_related("trip")[:200]:
        assert check.trip.start_on <= check.day <= check.trip.end_on
    travel_seed.seed(ctx)
    assert Trip.objects.count() == 60 and Visit.objects.count() == 10


def models_f(path):
    from django.db.models import F

    return F(path)


def test_admin_pages(client, cast, trip_of):
    from accounts.models import User

    trip = trip_of()
    client.force_login(User.objects.get(username="admin"))
    assert client.get(reverse("admin:travel_trip_changelist")).status_code == 200
    assert client.get(reverse("admin:travel_trip_change", args=[trip.pk])).status_code == 200


def test_bench_pages_answer(client, cast, trip_of):
    """Every bench page resolves and renders for a manager with a trip in scope."""
    import core.bench  # noqa: F401  (core.bench collects the module entries first)
    from travel import bench

    trip_of("approved")
    Visit.objects.create(
        customer=cast.customer_of_assistant1, visitors="Mr. Smith (buyer)",
        arrives_at=timezone.now() + timedelta(days=2), created_by=cast.sales1,
    )  # fmt: skip
    client.force_login(cast.manager1)
    for page in bench.PAGES:
        url = page.url(cast.manager1)
        assert url, page.name
        assert client.get(url).status_code == 200, page.name
