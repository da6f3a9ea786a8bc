"""What travel puts on the home queues (core.home), imported by TravelConfig.ready().

Each section is one query: the first items and their total together (core.home.first_items).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.scope import served_salesperson_ids
from core import home

from .models import CheckIn, Trip, TripCustomer, Visit

MAX_ITEMS = 10


def _with_more(queryset: QuerySet, item, *, url: str, more: str) -> list[home.QueueItem]:
    # one query a section: the rows and their total together (core.home.first_items)
    return home.first_items(queryset, item, url=url, more_label=more, limit=MAX_ITEMS)


def _dates(trip: Trip) -> str:
    start, end = (formats.date_format(day, "SHORT_DATE_FORMAT") for day in (trip.start_on, trip.end_on))
    return f"{start} – {end}"


def _trip_item(trip: Trip, badge: str = "") -> home.QueueItem:
    return home.QueueItem(
        label=f"{trip.number} {trip.traveller} → {trip.destination}",
        detail=_dates(trip),
        url=trip.get_absolute_url(),
        badge=badge or trip.get_status_display(),
    )


def awaiting_decision_queryset(user: User) -> QuerySet[Trip]:
    """Trips waiting for this user: the review (assistants) or the approval (managers)."""
    trips = Trip.objects.visible_to(user).exclude(traveller=user)
    if user.role == User.Role.ASSISTANT:
        return trips.filter(
            status=Trip.Status.SUBMITTED,
            traveller__role=User.Role.SALESPERSON,
            traveller__in=served_salesperson_ids(user),
        )
    step = Q(status=Trip.Status.REVIEWED, traveller__role=User.Role.SALESPERSON) | Q(
        status=Trip.Status.SUBMITTED, traveller__role=User.Role.MANAGER
    )
    if user.role == User.Role.MANAGER or user.is_superuser:
        mine = Q(traveller__team__manager=user)
        if user.is_gm or user.is_superuser:
            # The GM decides where no other manager can (services.approvers): a manager's own trip,
            # a team without a manager.
            mine |= (
                Q(traveller__team__isnull=True)
                | Q(traveller__team__manager__isnull=True)
                | Q(traveller__team__manager=F("traveller"))
            )
        return trips.filter(step & mine)
    return trips.none()


def awaiting_for(user, today: date) -> list[home.QueueItem]:
    # The trips to decide and the trips returned to their maker or traveller for changes, in one
    # section and one query: both wait for this user, and a home page stays within its query budget.
    returned = (
        Trip.objects.visible_to(user)
        .filter(status=Trip.Status.DRAFT, returned=True)
        .filter(Q(traveller=user) | Q(created_by=user))
    )
    queryset = (
        (awaiting_decision_queryset(user) | returned)
        .select_related("traveller")
        .order_by("-returned", "submitted_at", "pk")
    )

    def item(trip: Trip) -> home.QueueItem:
        return _trip_item(trip, badge=_("Returned") if trip.status == Trip.Status.DRAFT else "")

    return _with_more(
        queryset,
        item,
        url=reverse("travel:list") + "?status=awaiting",
        more=_("All %(count)s trips waiting for you"),
    )


def on_the_road_for(user, today: date) -> list[home.QueueItem]:
    def item(trip: Trip) -> home.QueueItem:
        return home.QueueItem(
            label=f"{trip.traveller} · {trip.destination}",
            detail=f"{trip.number} · {_dates(trip)}" + ("" if trip.checked else " · " + _("check in")),
            url=trip.get_absolute_url() + ("#check-ins" if trip.checked else "#check-in"),
            badge=_("Checked in") if trip.checked else _("Call today"),
        )

    queryset = (
        Trip.objects.visible_to(user)
        .on_the_road(today)
        .annotate(checked=Exists(CheckIn.objects.filter(trip=OuterRef("pk"), day=today)))
        .select_related("traveller")
        .order_by("checked", "traveller__username", "pk")
    )
    return _with_more(queryset, item, url=reverse("travel:on-the-road"), more=_("All %(count)s on the road"))


def reports_due_for(user, today: date) -> list[home.QueueItem]:
    queryset = (
        Trip.objects.filter(traveller=user, status=Trip.Status.APPROVED, end_on__lt=today)
        .select_related("traveller")
        .order_by("end_on", "pk")
    )
    return _with_more(
        queryset,
        lambda trip: _trip_item(trip, badge=_("Report due")),
        url=reverse("travel:list") + "?status=to_report",
        more=_("All %(count)s visit reports due"),
    )


def visits_coming_for(user, today: date) -> list[home.QueueItem]:
    start = timezone.make_aware(datetime.combine(today, time.min))
    queryset = (
        Visit.objects.visible_to(user)
        .filter(arrives_at__gte=start, arrives_at__lt=start + timedelta(days=15))
        .select_related("customer")
        .order_by("arrives_at", "pk")
    )

    def item(visit: Visit) -> home.QueueItem:
        arrives = timezone.localtime(visit.arrives_at)
        return home.QueueItem(
            label=f"{visit.customer.code} {visit.customer.display_name}",
            detail=f"{visit.visitors} · {formats.date_format(arrives, 'SHORT_DATETIME_FORMAT')}",
            url=visit.get_absolute_url(),
            badge=_("Today") if arrives.date() == today else formats.date_format(arrives.date(), "SHORT_DATE_FORMAT"),
        )

    return _with_more(queryset, item, url=reverse("travel:visits"), more=_("All %(count)s visits coming"))


def findings_for(user, today: date) -> list[home.QueueItem]:
    since = timezone.now() - timedelta(days=30)
    queryset = (
        TripCustomer.objects.visible_to(user)
        .filter(important=True, reported_at__gte=since)
        .exclude(trip__traveller=user)
        .select_related("trip__traveller", "customer")
        .order_by("-reported_at", "-pk")
    )

    def item(stop: TripCustomer) -> home.QueueItem:
        return home.QueueItem(
            label=f"{stop.customer.code} {stop.customer.display_name}",
            detail=f"{stop.trip.traveller}: {stop.outcome[:80]}",
            url=stop.trip.get_absolute_url() + "#report",
            badge=_("Important"),
        )

    return _with_more(queryset, item, url=reverse("travel:findings"), more=_("All %(count)s important findings"))


for section in (
    home.QueueSection(
        key="travel_awaiting",
        title=gettext_lazy("Trips waiting for you"),
        icon="airplane",
        roles=("assistant", "salesperson", "manager"),
        items=awaiting_for,
        order=30,
    ),
    home.QueueSection(
        key="travel_on_the_road",
        title=gettext_lazy("On the road today"),
        icon="geo-alt",
        roles=("assistant", "manager"),
        items=on_the_road_for,
        order=31,
    ),
    home.QueueSection(
        key="travel_visits_coming",
        title=gettext_lazy("Customers visiting us"),
        icon="people",
        roles=("assistant", "salesperson", "manager"),
        items=visits_coming_for,
        order=33,
    ),
    home.QueueSection(
        key="travel_reports_due",
        title=gettext_lazy("Visit reports due"),
        icon="journal-text",
        roles=("salesperson", "manager"),
        items=reports_due_for,
        order=34,
    ),
    home.QueueSection(
        key="travel_findings",
        title=gettext_lazy("Important findings from visits"),
        icon="exclamation-diamond",
        roles=("manager",),
        items=findings_for,
        order=36,
    ),
):
    home.register(section)
