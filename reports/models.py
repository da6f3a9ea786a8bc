"""Weekly reports (周报) and their opportunity lines, which roll up into the sales funnel.

A salesperson writes one report per ISO week (``week`` is that week's Monday); it is due the
following Monday at 10:30 company time (settings.TIME_ZONE) and a later submission is marked
late. Reads go through ``visible_to`` (accounts.scope), so a report outside scope is a 404.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import scope_q

MONEY = {"max_digits": 14, "decimal_places": 2}
CENT = Decimal("0.01")
DUE_WEEKDAY_TIME = time(10, 30)  # Monday 10:30 of the following week


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def week_deadline(week: date) -> datetime:
    """When the report of the week starting ``week`` is due: the next Monday 10:30, company time."""
    due_day = week_start(week) + timedelta(days=7)
    return timezone.make_aware(datetime.combine(due_day, DUE_WEEKDAY_TIME), timezone.get_default_timezone())


def last_due_week(now: datetime | None = None) -> date:
    """The latest week whose deadline has passed at ``now``: last week from Monday 10:30 on,
    the week before last earlier on Monday morning."""
    now = timezone.localtime(now or timezone.now())
    previous = week_start(now.date()) - timedelta(days=7)
    return previous if now >= week_deadline(previous) else previous - timedelta(days=7)


def week_label(week: date) -> str:
    year, number, _weekday = week.isocalendar()
    return f"{year}-W{number:02d}"


def parse_week(value: str | None) -> date | None:
    """``"2026-W47"`` or any ISO date of the week → that week's Monday; anything else → None."""
    value = (value or "").strip()
    try:
        if "W" in value.upper():
            year, number = value.upper().split("-W")
            return date.fromisocalendar(int(year), int(number), 1)
        return week_start(date.fromisoformat(value))
    except (TypeError, ValueError):
        return None


class WeeklyReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> WeeklyReportQuerySet:
        return self.filter(scope_q(user, salesperson="salesperson"))

    def submitted(self) -> WeeklyReportQuerySet:
        return self.filter(status=WeeklyReport.Status.SUBMITTED)


class WeeklyReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="weekly_reports",
        limit_choices_to={"role": "salesperson"},
    )
    week = models.DateField(_("week"), help_text=_("Monday of the ISO week the report covers."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    visit_count = models.PositiveIntegerField(_("customer visits"), null=True, blank=True)
    visits = models.TextField(_("visits"), blank=True, help_text=_("Customers visited or called, and the outcome."))
    orders = models.TextField(_("orders"), blank=True, help_text=_("Orders won, expected or lost this week."))
    problems = models.TextField(_("problems"), blank=True, help_text=_("Problems met and help needed."))
    next_week_plan = models.TextField(_("next week's plan"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_late = models.BooleanField(_("late"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WeeklyReportQuerySet.as_manager()

    class Meta:
        ordering = ["-week", "salesperson__username"]
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        constraints = [
            models.UniqueConstraint(fields=["salesperson", "week"], name="one_weekly_report_per_salesperson_week"),
        ]
        indexes = [models.Index(fields=["week", "status"])]

    def __str__(self) -> str:
        return f"{self.salesperson} {self.week_label}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def week_label(self) -> str:
        return week_label(self.week)

    @property
    def week_end(self) -> date:
        return self.week + timedelta(days=6)

    @property
    def deadline(self) -> datetime:
        return week_deadline(self.week)

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Stage(models.TextChoices):
    LEAD = "lead", _("Lead")
    QUALIFIED = "qualified", _("Qualified")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class OpportunityQuerySet(models.QuerySet):
    def visible_to(self, user) -> OpportunityQuerySet:
        """An opportunity names a customer: an assistant sees only those assigned to them."""
        return self.filter(scope_q(user, salesperson="report__salesperson", customer="customer"))


class Opportunity(models.Model):
    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="opportunities")
    customer = models.ForeignKey(
        "customers.Company", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="opportunities"
    )
    description = models.CharField(_("description"), max_length=200)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.LEAD)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    probability = models.PositiveSmallIntegerField(
        _("probability %"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["report", "pk"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        constraints = [
            models.CheckConstraint(condition=models.Q(probability__lte=100), name="opportunity_probability_max_100"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="opportunity_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def weighted(self) -> Decimal:
        return (self.amount * self.probability / 100).quantize(CENT)


class WeeklyReportEvent(models.Model):
    """The timeline of a report: drafted, edited, submitted (on time or late)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Drafted")
        UPDATED = "updated", _("Edited")
        SUBMITTED = "submitted", _("Submitted")

    report = models.ForeignKey(WeeklyReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"
