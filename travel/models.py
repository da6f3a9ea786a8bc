"""Trips and visits (出差与接待): trip requests with their review, bookings, daily check-ins,
visit reports, and customers visiting us.

A trip belongs to its traveller (a salesperson, or a manager travelling): whoever sees that
person's records sees the trip (accounts.scope), and the assistant who drafted it too. A
visit of a customer follows the customer and its owner, like every customer record.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scope import scope_q

MONEY = {"max_digits": 14, "decimal_places": 2}
ESTIMATE_FIELDS = ("est_transport", "est_hotel", "est_meals", "est_entertainment", "est_other")


class TripQuerySet(models.QuerySet):
    def visible_to(self, user) -> TripQuerySet:
        return self.filter(scope_q(user, salesperson="traveller", maker="created_by"))

    def on_the_road(self, day: date) -> TripQuerySet:
        """Approved trips whose dates cover ``day`` (seed 003 八: one call a day to each of them)."""
        return self.filter(status=Trip.Status.APPROVED, start_on__lte=day, end_on__gte=day)


class TripChildQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(scope_q(user, salesperson="trip__traveller", maker="trip__created_by"))


class TripCustomerQuerySet(models.QuerySet):
    def visible_to(self, user):
        # What happened at a customer is a customer record: an assistant sees it only for the
        # customers assigned to them, even on a trip of a salesperson they serve.
        return self.filter(scope_q(user, salesperson="trip__traveller", customer="customer"))


class Trip(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting review")
        REVIEWED = "reviewed", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        DONE = "done", _("Reported")
        CANCELLED = "cancelled", pgettext_lazy("trip status", "Cancelled")

    EDITABLE = (Status.DRAFT,)
    AWAITING = (Status.SUBMITTED, Status.REVIEWED)

    number = models.CharField(_("number"), max_length=30, unique=True)
    traveller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("traveller"), on_delete=models.PROTECT, related_name="trips"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.TextField(_("purpose"), max_length=2000)
    destination = models.CharField(_("destination"), max_length=200)
    start_on = models.DateField(_("first day"), db_index=True)
    end_on = models.DateField(_("last day"))
    hotel_nights = models.PositiveSmallIntegerField(_("hotel nights"), default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    est_transport = models.DecimalField(_("transport"), **MONEY, default=0, validators=[MinValueValidator(0)])
    est_hotel = models.DecimalField(_("hotel"), **MONEY, default=0, validators=[MinValueValidator(0)])
    est_meals = models.DecimalField(_("meals"), **MONEY, default=0, validators=[MinValueValidator(0)])
    est_entertainment = models.DecimalField(_("entertainment"), **MONEY, default=0, validators=[MinValueValidator(0)])
    est_other = models.DecimalField(_("other"), **MONEY, default=0, validators=[MinValueValidator(0)])
    est_total = models.DecimalField(_("estimated cost"), **MONEY, default=0, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    returned = models.BooleanField(_("returned for changes"), default=False, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TripQuerySet.as_manager()

    class Meta:
        ordering = ["-start_on", "-pk"]
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        indexes = [
            models.Index(fields=["traveller", "-start_on"]),
            models.Index(fields=["status", "start_on", "end_on"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_on__gte=models.F("start_on")), name="trip_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("travel:detail", args=[self.pk])

    def compute_total(self) -> Decimal:
        self.est_total = sum((getattr(self, f) or Decimal("0") for f in ESTIMATE_FIELDS), Decimal("0.00"))
        return self.est_total

    def estimate_rows(self) -> list[tuple[str, str, Decimal]]:
        return [
            (f.removeprefix("est_"), self._meta.get_field(f).verbose_name, getattr(self, f)) for f in ESTIMATE_FIELDS
        ]

    def is_on_the_road(self, day: date) -> bool:
        return self.status == self.Status.APPROVED and self.start_on <= day <= self.end_on

    @property
    def days(self) -> int:
        return (self.end_on - self.start_on).days + 1


class TripLeg(models.Model):
    class Transport(models.TextChoices):
        PLANE = "plane", _("Plane")
        TRAIN = "train", _("Train")
        CAR = "car", _("Car")
        SHIP = "ship", _("Ship")
        OTHER = "other", _("Other")

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="legs")
    day = models.DateField(_("date"))
    origin = models.CharField(_("from"), max_length=100)
    destination = models.CharField(_("to"), max_length=100)
    transport = models.CharField(_("transport"), max_length=10, choices=Transport.choices, default=Transport.TRAIN)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = TripChildQuerySet.as_manager()

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = _("leg")
        verbose_name_plural = _("legs")

    def __str__(self) -> str:
        return f"{self.day} {self.origin} → {self.destination}"


class TripCustomer(models.Model):
    """A customer to visit on the trip, and afterwards what came of the visit (the visit report)."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stops")
    customer = models.ForeignKey(
        "customers.Company", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="trip_stops"
    )
    agenda = models.CharField(_("what to discuss"), max_length=300, blank=True)
    # The visit report, one per customer, filed after the trip.
    visited = models.BooleanField(_("visited"), default=False)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), max_length=4000, blank=True)
    next_steps = models.CharField(_("next steps"), max_length=300, blank=True)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    important = models.BooleanField(_("important finding"), default=False)
    interaction = models.ForeignKey(
        "customers.Interaction", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    reported_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TripCustomerQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("customer to visit")
        verbose_name_plural = _("customers to visit")
        constraints = [models.UniqueConstraint(fields=["trip", "customer"], name="one_stop_per_customer_per_trip")]
        indexes = [models.Index(fields=["important", "-reported_at"])]

    def __str__(self) -> str:
        return f"{self.trip} {self.customer}"


class TripEvent(models.Model):
    """Every step of a trip: who, when, what, and the review checklist (the trip's timeline)."""

    class Action(models.TextChoices):
        CREATED = "created", _("drafted the trip")
        EDITED = "edited", _("changed the trip")
        SUBMITTED = "submitted", _("submitted the trip")
        REVIEWED = "reviewed", _("reviewed the trip")
        APPROVED = "approved", _("approved the trip")
        REJECTED = "rejected", _("returned the trip for changes")
        CANCELLED = "cancelled", _("cancelled the trip")
        BOOKED = "booked", _("booked")
        UNBOOKED = "unbooked", _("removed a booking")
        CHECKED_IN = "checked_in", _("checked in")
        REPORTED = "reported", _("filed the visit report")

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    from_status = models.CharField(max_length=10, choices=Trip.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Trip.Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)

    objects = TripChildQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("trip event")
        verbose_name_plural = _("trip events")

    def __str__(self) -> str:
        return f"{self.trip} {self.action}"


# The first review (seed 002 篇三 1.4.1): is the reason sufficient, are time and route sensible,
# is the estimate reasonable. Stored with the review event, all four must hold to pass it on.
REVIEW_CHECKLIST = (
    ("reason_sufficient", _("The reason for the trip is sufficient")),
    ("dates_sensible", _("The dates are sensible")),
    ("route_sensible", _("The route is sensible")),
    ("estimate_reasonable", _("The estimated cost is reasonable")),
)


class Booking(models.Model):
    class Kind(models.TextChoices):
        TICKET = "ticket", _("Ticket")
        HOTEL = "hotel", _("Hotel")
        CAR = "car", _("Car")

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="bookings")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    supplier = models.CharField(_("supplier"), max_length=120, help_text=_("Airline, railway, hotel, car rental"))
    reference = models.CharField(_("reference"), max_length=60, help_text=_("Ticket, booking or confirmation number"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    details = models.CharField(
        _("details"), max_length=300, blank=True, help_text=_("e.g. G7 08:00 Shanghai → Nanjing, seat 5A")
    )
    cost = models.DecimalField(_("cost"), **MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TripChildQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class CheckIn(models.Model):
    """The assistant's daily call to a traveller (seed 003 八): one per trip and day."""

    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="check_ins")
    day = models.DateField(_("date"))
    location = models.CharField(_("where"), max_length=120)
    progress = models.TextField(_("how it goes"), max_length=2000)
    needs = models.CharField(_("anything needed"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = TripChildQuerySet.as_manager()

    class Meta:
        ordering = ["day", "pk"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [models.UniqueConstraint(fields=["trip", "day"], name="one_check_in_per_trip_per_day")]

    def __str__(self) -> str:
        return f"{self.trip} {self.day}"


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user) -> VisitQuerySet:
        return self.filter(scope_q(user, salesperson="customer__owner", customer="customer"))


class Visit(models.Model):
    """A customer visiting us (来访接待): arrival, pick-up, hotel, programme, who attends."""

    customer = models.ForeignKey(
        "customers.Company", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="visits_to_us"
    )
    visitors = models.CharField(_("visitors"), max_length=300, help_text=_("Names and positions of the visitors"))
    arrives_at = models.DateTimeField(_("arrival"), db_index=True)
    departs_on = models.DateField(_("departure"), null=True, blank=True)
    arrival_details = models.CharField(
        _("arriving by"), max_length=200, blank=True, help_text=_("Flight or train number, station or airport")
    )
    pickup_by = models.CharField(_("picked up by"), max_length=100, blank=True)
    pickup_where = models.CharField(_("pick-up place"), max_length=200, blank=True)
    hotel = models.CharField(_("hotel"), max_length=200, blank=True)
    programme = models.TextField(_("programme"), max_length=4000, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("our people attending"), related_name="visits_attended", blank=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["arrives_at", "pk"]
        verbose_name = _("customer visit")
        verbose_name_plural = _("customer visits")

    def __str__(self) -> str:
        return f"{self.customer} {self.arrives_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("travel:visit-detail", args=[self.pk])
