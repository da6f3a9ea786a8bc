"""Trips: drafting, the two-step review (assistant, then manager), bookings, daily check-ins,
the visit report; and customers visiting us.

Every status change locks the trip row, checks who may do it now, and writes a ``TripEvent``
(who, when, from → to, comment, review checklist): the trip's timeline. The next person is
emailed after commit through ``core.notify.send_once`` (travel.emails).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.sequences import next_number
from customers.models import Company, Interaction
from customers.services.interactions import interaction_log

from .models import ESTIMATE_FIELDS, REVIEW_CHECKLIST, Booking, CheckIn, Trip, TripCustomer, TripEvent, TripLeg, Visit

Status = Trip.Status
Action = TripEvent.Action
NUMBER_PREFIX = "TR"
HEADER_FIELDS = ("purpose", "destination", "hotel_nights", "currency", *ESTIMATE_FIELDS)


# Who may do what ---------------------------------------------------------------------------


def travellers_for(user: User) -> QuerySet[User]:
    """Whom ``user`` may request a trip for: themselves, or the salespersons they serve or lead."""
    people = User.objects.filter(is_active=True, role__in=(User.Role.SALESPERSON, User.Role.MANAGER))
    if not (user and user.is_authenticated and user.is_active):
        return people.none()
    if user.is_superuser:
        return people
    if user.role == User.Role.SALESPERSON:
        return people.filter(pk=user.pk)
    if user.role == User.Role.MANAGER:
        return people.filter(Q(pk__in=User.objects.in_jurisdiction_of(user).values("pk")) | Q(pk=user.pk))
    if user.role == User.Role.ASSISTANT:
        return people.filter(pk__in=user.serves.values("pk"))
    return people.none()


def customers_for(actor: User, traveller: User) -> QuerySet[Company]:
    """Customers the traveller may visit and the actor works on (an assistant: those assigned to them)."""
    companies = Company.objects.visible_to(actor).customers()
    if traveller.role == User.Role.SALESPERSON:
        return companies.filter(owner=traveller)
    return companies.filter(pk__in=Company.objects.visible_to(traveller).values("pk"))


def needs_review(trip: Trip) -> bool:
    """A salesperson's trip is reviewed first by an assistant serving them; nobody serves a manager."""
    return trip.traveller.role == User.Role.SALESPERSON


def serves(user: User, trip: Trip) -> bool:
    """An assistant working for the traveller: serving them, or having drafted a manager's trip."""
    if user.role != User.Role.ASSISTANT:
        return False
    if trip.created_by_id == user.pk and trip.traveller.role == User.Role.MANAGER:
        return True
    return user.serves.filter(pk=trip.traveller_id).exists()


def approvers(trip: Trip) -> list[User]:
    """The traveller's team manager; the GM for a manager's own trip or a team without one."""
    team = trip.traveller.team
    if team is not None and team.manager_id and team.manager_id != trip.traveller_id and team.manager.is_active:
        return [team.manager]
    return [gm for gm in User.objects.filter(is_gm=True, is_active=True) if gm.pk != trip.traveller_id]


def can_edit(user: User, trip: Trip) -> bool:
    if trip.status not in Trip.EDITABLE:
        return False
    return user.pk in (trip.traveller_id, trip.created_by_id) or serves(user, trip)


def can_review(user: User, trip: Trip) -> bool:
    return trip.status == Status.SUBMITTED and needs_review(trip) and serves(user, trip)


def can_approve(user: User, trip: Trip) -> bool:
    waiting = Status.REVIEWED if needs_review(trip) else Status.SUBMITTED
    if trip.status != waiting or user.pk == trip.traveller_id:
        return False
    if user.is_superuser or user.is_gm:
        return True
    return any(person.pk == user.pk for person in approvers(trip))


def can_book(user: User, trip: Trip) -> bool:
    return trip.status in (Status.REVIEWED, Status.APPROVED) and (serves(user, trip) or user.is_superuser)


def can_check_in(user: User, trip: Trip, day: date) -> bool:
    return trip.is_on_the_road(day) and (serves(user, trip) or user.is_superuser)


def can_report(user: User, trip: Trip, today: date) -> bool:
    return trip.status == Status.APPROVED and today >= trip.start_on and user.pk == trip.traveller_id


def can_cancel(user: User, trip: Trip) -> bool:
    if trip.status in (Status.DONE, Status.CANCELLED):
        return False
    return user.pk in (trip.traveller_id, trip.created_by_id) or serves(user, trip)


def allowed_actions(user: User, trip: Trip, today: date) -> list[str]:
    """What the trip page offers this user now (and only that)."""
    actions = []
    if can_edit(user, trip):
        actions += ["edit", "submit"]
    if can_review(user, trip):
        actions += ["review", "reject"]
    if can_approve(user, trip):
        actions += ["approve", "reject"]
    if can_book(user, trip):
        actions.append("book")
    if can_check_in(user, trip, today):
        actions.append("check_in")
    if can_report(user, trip, today):
        actions.append("report")
    if can_cancel(user, trip):
        actions.append("cancel")
    return actions


# Drafting -------------------------------------------------------------------------------------


def _event(trip: Trip, action: str, actor: User, *, from_status: str = "", comment: str = "", checklist=None):
    return TripEvent.objects.create(
        trip=trip,
        action=action,
        from_status=from_status,
        to_status=trip.status if from_status or action == Action.CREATED else "",
        actor=actor,
        comment=(comment or "")[:1000],
        checklist=checklist or {},
    )


def _check(
    actor: User, traveller: User, legs: list[dict], stops: list[dict], keep: frozenset[int] = frozenset()
) -> tuple[date, date]:
    """``keep``: customers already on the trip, which the actor may leave there even when they do
    not work on them (an assistant editing a trip to a customer assigned to another assistant)."""
    errors: dict[str, list[str]] = {}
    if traveller is None or not travellers_for(actor).filter(pk=traveller.pk).exists():
        raise ValidationError({"traveller": _("You cannot request trips for %(person)s.") % {"person": traveller}})
    if not legs:
        errors.setdefault("legs", []).append(_("A trip needs at least one leg (date, from, to)."))
    allowed = set(
        customers_for(actor, traveller).filter(pk__in=[s["customer"].pk for s in stops]).values_list("pk", flat=True)
    )
    allowed |= set(Company.objects.visible_to(traveller).filter(pk__in=keep).values_list("pk", flat=True))
    seen = set()
    for stop in stops:
        customer = stop["customer"]
        if customer.pk not in allowed:
            errors.setdefault("customers", []).append(
                _("%(customer)s is not a customer of %(person)s that you work on.")
                % {"customer": customer.code, "person": traveller}
            )
        if customer.pk in seen:
            errors.setdefault("customers", []).append(_("%(customer)s is listed twice.") % {"customer": customer.code})
        seen.add(customer.pk)
    if errors:
        raise ValidationError(errors)
    days = [leg["day"] for leg in legs]
    return min(days), max(days)


def _write(trip: Trip, legs: list[dict], stops: list[dict]) -> None:
    trip.legs.all().delete()
    TripLeg.objects.bulk_create([TripLeg(trip=trip, **leg) for leg in legs])
    existing = {s.customer_id: s for s in trip.stops.all()}
    keep = {s["customer"].pk for s in stops}
    trip.stops.exclude(customer_id__in=keep).delete()
    for stop in stops:
        current = existing.get(stop["customer"].pk)
        if current is None:
            TripCustomer.objects.create(trip=trip, customer=stop["customer"], agenda=stop.get("agenda", ""))
        elif current.agenda != stop.get("agenda", ""):
            TripCustomer.objects.filter(pk=current.pk).update(agenda=stop.get("agenda", ""))


@transaction.atomic
def trip_create(*, actor: User, traveller: User, legs: list[dict], stops: list[dict], **header) -> Trip:
    """Draft a trip for ``traveller`` (chosen first when an assistant drafts on their behalf)."""
    start, end = _check(actor, traveller, legs, stops)
    trip = Trip(traveller=traveller, created_by=actor, start_on=start, end_on=end, number=next_number(NUMBER_PREFIX))
    for name in HEADER_FIELDS:
        setattr(trip, name, header[name])
    trip.compute_total()
    trip.save()
    _write(trip, legs, stops)
    _event(trip, Action.CREATED, actor)
    return trip


@transaction.atomic
def trip_update(*, trip: Trip, actor: User, legs: list[dict], stops: list[dict], **header) -> Trip:
    trip = Trip.objects.select_for_update(of=("self",)).select_related("traveller").get(pk=trip.pk)
    if not can_edit(actor, trip):
        raise ValidationError(_("Only a draft can be changed, by the traveller or their assistant."), code="status")
    keep = frozenset(trip.stops.values_list("customer_id", flat=True))
    trip.start_on, trip.end_on = _check(actor, trip.traveller, legs, stops, keep=keep)
    for name in HEADER_FIELDS:
        setattr(trip, name, header[name])
    trip.compute_total()
    trip.save()
    _write(trip, legs, stops)
    _event(trip, Action.EDITED, actor)
    return trip


def _locked(trip: Trip) -> Trip:
    return (
        Trip.objects.select_for_update(of=("self",))
        .select_related("traveller__team__manager", "created_by")
        .get(pk=trip.pk)
    )


def _move(trip: Trip, to: str, action: str, actor: User, *, comment: str = "", checklist=None) -> TripEvent:
    from_status = trip.status
    trip.status = to
    now = timezone.now()
    fields = ["status", "updated_at"]
    if to == Status.SUBMITTED:
        trip.submitted_at, trip.returned = now, False
        fields += ["submitted_at", "returned"]
    elif to == Status.APPROVED:
        trip.approved_at = now
        fields.append("approved_at")
    elif action == Action.REJECTED:
        trip.returned = True
        fields.append("returned")
    elif to == Status.DONE:
        trip.reported_at = now
        fields.append("reported_at")
    trip.save(update_fields=fields)
    event = _event(trip, action, actor, from_status=from_status, comment=comment, checklist=checklist)
    transaction.on_commit(lambda: _notify_after(trip.pk, event.pk))
    return event


def _notify_after(trip_id: int, event_id: int) -> None:
    from .emails import notify_event

    notify_event(trip_id=trip_id, event_id=event_id)


@transaction.atomic
def trip_submit(*, trip: Trip, actor: User, comment: str = "") -> Trip:
    trip = _locked(trip)
    if not can_edit(actor, trip):
        raise ValidationError(_("Only a draft can be submitted, by the traveller or their assistant."), code="status")
    if not trip.legs.exists():
        raise ValidationError(_("Add the legs of the trip before submitting it."), code="legs")
    _move(trip, Status.SUBMITTED, Action.SUBMITTED, actor, comment=comment)
    return trip


@transaction.atomic
def trip_review(*, trip: Trip, actor: User, checklist: dict[str, bool], comment: str = "") -> Trip:
    """The assistant's first review (seed 002 篇三 1.4.1); every point must hold to pass it on."""
    trip = _locked(trip)
    if not can_review(actor, trip):
        raise ValidationError(_("Only an assistant serving the traveller reviews a submitted trip."), code="review")
    recorded = {key: bool(checklist.get(key)) for key, _label in REVIEW_CHECKLIST}
    missing = [str(label) for key, label in REVIEW_CHECKLIST if not recorded[key]]
    if missing:
        raise ValidationError(
            _("Tick every point of the review, or return the trip with a comment: %(points)s.")
            % {"points": "; ".join(missing)},
            code="checklist",
        )
    _move(trip, Status.REVIEWED, Action.REVIEWED, actor, comment=comment, checklist=recorded)
    return trip


@transaction.atomic
def trip_approve(*, trip: Trip, actor: User, comment: str = "") -> Trip:
    trip = _locked(trip)
    if trip.traveller_id == actor.pk:
        raise ValidationError(_("You cannot approve your own trip."), code="self")
    if not can_approve(actor, trip):
        raise ValidationError(_("Only the traveller's manager approves a reviewed trip."), code="approve")
    _move(trip, Status.APPROVED, Action.APPROVED, actor, comment=comment)
    return trip


@transaction.atomic
def trip_reject(*, trip: Trip, actor: User, comment: str, checklist: dict[str, bool] | None = None) -> Trip:
    """Return the trip to its draft with the reason (at the review or the approval)."""
    trip = _locked(trip)
    if not (can_review(actor, trip) or can_approve(actor, trip)):
        raise ValidationError(_("You cannot return this trip now."), code="reject")
    if not (comment or "").strip():
        raise ValidationError(_("Say what must change: a comment is required to return a trip."), code="comment")
    recorded = {key: bool((checklist or {}).get(key)) for key, _label in REVIEW_CHECKLIST} if checklist else None
    _move(trip, Status.DRAFT, Action.REJECTED, actor, comment=comment.strip(), checklist=recorded)
    return trip


@transaction.atomic
def trip_cancel(*, trip: Trip, actor: User, comment: str = "") -> Trip:
    trip = _locked(trip)
    if not can_cancel(actor, trip):
        raise ValidationError(_("This trip cannot be cancelled now."), code="cancel")
    _move(trip, Status.CANCELLED, Action.CANCELLED, actor, comment=comment)
    return trip


# Bookings, check-ins ------------------------------------------------------------------------------


@transaction.atomic
def booking_add(
    *,
    trip: Trip,
    actor: User,
    kind: str,
    supplier: str,
    reference: str,
    starts_on: date,
    cost: Decimal,
    currency: str,
    ends_on: date | None = None,
    details: str = "",
) -> Booking:
    trip = _locked(trip)
    if not can_book(actor, trip):
        raise ValidationError(_("The traveller's assistant books once the trip is reviewed."), code="book")
    errors = {}
    if ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The booking cannot end before it starts.")
    if cost is None or cost < 0:
        errors["cost"] = _("The cost cannot be negative.")
    if not (trip.start_on <= starts_on <= trip.end_on):
        errors["starts_on"] = _("The booking must fall within the trip (%(start)s – %(end)s).") % {
            "start": trip.start_on,
            "end": trip.end_on,
        }
    if errors:
        raise ValidationError(errors)
    booking = Booking.objects.create(
        trip=trip,
        kind=kind,
        supplier=supplier.strip(),
        reference=reference.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        details=details.strip(),
        cost=cost,
        currency=currency,
        booked_by=actor,
    )
    _event(trip, Action.BOOKED, actor, comment=f"{booking.get_kind_display()} {booking.supplier} {booking.reference}")
    return booking


@transaction.atomic
def booking_remove(*, booking: Booking, actor: User) -> None:
    trip = _locked(booking.trip)
    if not can_book(actor, trip):
        raise ValidationError(_("The traveller's assistant changes bookings."), code="book")
    _event(trip, Action.UNBOOKED, actor, comment=f"{booking.get_kind_display()} {booking.supplier} {booking.reference}")
    booking.delete()


@transaction.atomic
def check_in(
    *, trip: Trip, actor: User, location: str, progress: str, needs: str = "", day: date | None = None
) -> CheckIn:
    """Record today's call to a traveller; a second one the same day is refused."""
    day = day or timezone.localdate()
    trip = _locked(trip)
    if day > timezone.localdate():
        raise ValidationError({"day": _("A check-in cannot be in the future.")})
    if not can_check_in(actor, trip, day):
        raise ValidationError(_("Check-ins are made by the traveller's assistant on the days of an approved trip."))
    if CheckIn.objects.filter(trip=trip, day=day).exists():
        raise ValidationError(_("%(trip)s was already checked in on %(day)s.") % {"trip": trip.number, "day": day})
    if not location.strip() or not progress.strip():
        raise ValidationError(_("Say where the traveller is and how it goes."))
    entry = CheckIn.objects.create(
        trip=trip, day=day, location=location.strip(), progress=progress.strip(), needs=needs.strip(), by=actor
    )
    _event(trip, Action.CHECKED_IN, actor, comment=f"{location.strip()}: {progress.strip()}"[:1000])
    return entry


# The visit report ----------------------------------------------------------------------------------


@transaction.atomic
def visit_report_file(*, trip: Trip, actor: User, reports: list[dict], comment: str = "") -> Trip:
    """File the report: each customer visited becomes a visit interaction on the customer file.

    ``reports``: one dict per stop: stop, visited, visited_on, outcome, next_steps,
    next_follow_up_on, important. customers.services.interactions moves the customer's last
    contact and next follow-up in the same transaction.
    """
    trip = _locked(trip)
    today = timezone.localdate()
    if not can_report(actor, trip, today):
        raise ValidationError(_("The traveller files the visit report of an approved trip once it has begun."))
    stops = {s.pk: s for s in trip.stops.select_related("customer")}
    errors: list[str] = []
    cleaned = []
    for report in reports:
        stop = stops.get(report["stop"].pk if hasattr(report["stop"], "pk") else report["stop"])
        if stop is None:
            raise ValidationError(_("That customer is not on this trip."))
        if not report.get("visited"):
            cleaned.append((stop, report))
            continue
        visited_on = report.get("visited_on") or min(trip.end_on, today)
        outcome = (report.get("outcome") or "").strip()
        name = stop.customer.code
        if not outcome:
            errors.append(_("%(customer)s: say what came of the visit.") % {"customer": name})
        if not (trip.start_on <= visited_on <= trip.end_on) or visited_on > today:
            errors.append(
                _("%(customer)s: the visit date must fall within the trip, not after today.") % {"customer": name}
            )
        follow = report.get("next_follow_up_on")
        if follow and follow < visited_on:
            errors.append(_("%(customer)s: the next follow-up cannot be before the visit.") % {"customer": name})
        cleaned.append((stop, {**report, "visited_on": visited_on, "outcome": outcome}))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for stop, report in cleaned:
        stop.visited = bool(report.get("visited"))
        interaction = None
        if stop.visited:
            interaction: Interaction = interaction_log(
                company=stop.customer,
                actor=actor,
                kind=Interaction.Kind.VISIT,
                summary=f"[{trip.number}] {report['outcome']}",
                occurred_on=report["visited_on"],
                next_step=(report.get("next_steps") or "")[:300],
                next_step_on=report.get("next_follow_up_on"),
            )
        stop.visited_on = report.get("visited_on") if stop.visited else None
        stop.outcome = report.get("outcome", "") if stop.visited else ""
        stop.next_steps = (report.get("next_steps") or "").strip() if stop.visited else ""
        stop.next_follow_up_on = report.get("next_follow_up_on") if stop.visited else None
        stop.important = bool(report.get("important")) and stop.visited
        stop.interaction = interaction
        stop.reported_at = now
        stop.save()
    _move(trip, Status.DONE, Action.REPORTED, actor, comment=comment)
    return trip


# Customers visiting us -------------------------------------------------------------------------------

VISIT_FIELDS = (
    "customer", "visitors", "arrives_at", "departs_on", "arrival_details", "pickup_by", "pickup_where",
    "hotel", "programme",
)  # fmt: skip


def _check_visit(actor: User, data: dict) -> None:
    customer = data.get("customer")
    if customer is None or not Company.objects.visible_to(actor).customers().filter(pk=customer.pk).exists():
        raise ValidationError({"customer": _("Choose a customer you work on.")})
    arrives: datetime = data["arrives_at"]
    if data.get("departs_on") and data["departs_on"] < timezone.localtime(arrives).date():
        raise ValidationError({"departs_on": _("The departure cannot be before the arrival.")})


def _visit_values(data: dict) -> dict:
    values = {key: data.get(key) for key in VISIT_FIELDS}
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = value.strip()
        elif value is None and key not in ("departs_on",):
            values[key] = ""
    return values


@transaction.atomic
def visit_create(*, actor: User, attendees: list[User] | None = None, **data) -> Visit:
    _check_visit(actor, data)
    visit = Visit.objects.create(created_by=actor, **_visit_values(data))
    visit.attendees.set(attendees or [])
    return visit


@transaction.atomic
def visit_update(*, visit: Visit, actor: User, attendees: list[User] | None = None, **data) -> Visit:
    visit = Visit.objects.visible_to(actor).select_for_update().get(pk=visit.pk)
    _check_visit(actor, data)
    for key, value in _visit_values(data).items():
        setattr(visit, key, value)
    visit.save()
    visit.attendees.set(attendees or [])
    return visit
