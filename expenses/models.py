"""Expenses (费用): claims with receipts and their review, advances (借款), budgets.

A claim moves through ``Claim.Status``; every move is a ``ClaimEvent`` (who, when, from → to,
comment, the review checklist), written only by ``expenses.services``. A receipt number from the
same issuer on two claim lines (any claim, any person, any year) is a reused receipt (回笼票):
the lines keep normalised keys so the check is one indexed lookup.
"""

from __future__ import annotations

import os
import re
import uuid
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.scope import NOTHING, scope_q

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(value) -> Decimal:
    """A database sum as exact cents (SQLite returns sums of decimals with float noise)."""
    return Decimal(value or 0).quantize(CENT)


def receipt_key(value: str) -> str:
    """Receipt numbers and issuers compare without case or whitespace (全角 spaces too)."""
    return re.sub(r"\s+", "", value or "").casefold()


def receipt_upload_to(instance, filename: str) -> str:
    # A random stored name: the original name is kept in ``receipt_name`` and only sent back
    # through the scope-checked download view.
    ext = os.path.splitext(filename)[1].lower()[:10]
    today = timezone.localdate()
    return f"expenses/receipts/{today:%Y/%m}/{uuid.uuid4().hex}{ext}"


def claimant_scope(user, field: str) -> Q:
    """Claims and advances belong to their claimant.

    scope_q gives salespersons their own, assistants those of the salespersons they serve,
    managers their jurisdiction, finance everything; the claimant always sees their own
    (an assistant or manager claiming for themselves). Assistants are nobody's salesperson,
    so their own claims reach their team's manager, who approves them, through the extra term.
    """
    from accounts.models import User

    q = scope_q(user, salesperson=field, maker=field, finance=True)
    if not q:  # everything (superuser, GM, finance): OR-ing a term onto an empty Q would narrow it
        return q
    if user.is_authenticated and user.is_active and user.role == User.Role.MANAGER:
        q |= Q(**{f"{field}__in": User.objects.filter(role=User.Role.ASSISTANT, team__manager=user).values("pk")})
    return q


class Category(models.TextChoices):
    TRANSPORT = "transport", _("Transport")
    HOTEL = "hotel", _("Hotel")
    MEALS = "meals", _("Meals")
    ENTERTAINMENT = "entertainment", _("Entertainment")
    GIFTS = "gifts", _("Gifts")
    OFFICE = "office", _("Office supplies")
    MARKETING = "marketing", _("Marketing materials")
    COMMUNICATION = "communication", _("Phone and post")
    ALLOWANCE = "allowance", _("Travel allowance")
    OTHER = "other", pgettext_lazy("expense category", "Other")


# A per-diem travel allowance (出差补助) is paid by the company's rate, with no receipt;
# everything else is reimbursed against an invoice (发票) whose number the review checks.
RECEIPT_NOT_REQUIRED = frozenset({Category.ALLOWANCE})


class ClaimQuerySet(models.QuerySet):
    def visible_to(self, user) -> ClaimQuerySet:
        return self.filter(claimant_scope(user, "claimant"))

    def with_reuse(self) -> ClaimQuerySet:
        """Annotate ``has_reused``: a line of the claim carries a receipt used on another line."""
        return self.annotate(has_reused=Exists(ClaimLine.objects.reused().filter(claim=OuterRef("pk"))))

    def counting_for_budget(self) -> ClaimQuerySet:
        return self.filter(status__in=Claim.BUDGET_STATUSES)


class Claim(models.Model):
    class Kind(models.TextChoices):
        TRAVEL = "travel", _("Travel")
        SALES = "sales", _("Sales")
        MARKETING = "marketing", _("Marketing")
        OFFICE = "office", _("Office")
        ENTERTAINMENT = "entertainment", _("Entertainment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting review")
        REVIEWED = "reviewed", _("Awaiting approval")
        APPROVED = "approved", _("Approved, to pay")
        PAID = "paid", pgettext_lazy("claim status", "Paid")
        RETURNED = "returned", _("Returned for changes")
        WITHDRAWN = "withdrawn", pgettext_lazy("claim status", "Withdrawn")

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    PENDING = (Status.SUBMITTED, Status.REVIEWED)
    # Usage of a budget: paid + approved + pending (SPEC: spent + approved + pending).
    BUDGET_STATUSES = (Status.SUBMITTED, Status.REVIEWED, Status.APPROVED, Status.PAID)

    number = models.CharField(_("number"), max_length=30, unique=True)
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("claimant"), on_delete=models.PROTECT, related_name="expense_claims"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.TRAVEL)
    purpose = models.CharField(_("purpose"), max_length=300)
    trip = models.ForeignKey(
        "travel.Trip",
        verbose_name=_("trip"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expense_claims",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    # First review (初审), seed 002 篇七 6.1: the checklist as the assistant ticked it.
    receipts_ok = models.BooleanField(_("receipts attached and well-formed"), null=True, editable=False)
    content_ok = models.BooleanField(_("content reasonable"), null=True, editable=False)
    amounts_ok = models.BooleanField(_("amounts correct"), null=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    override_reason = models.CharField(_("override reason"), max_length=500, blank=True, editable=False)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True, editable=False)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        indexes = [
            # The list's default order, so a page is an index scan rather than a sort of every claim.
            models.Index(fields=["-created_at", "-id"], name="expense_claim_recent"),
            models.Index(fields=["claimant", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("expenses:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


def totals_by_currency(rows) -> list[tuple[str, Decimal]]:
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for currency, amount in rows:
        totals[currency] += cents(amount)
    return sorted(totals.items())


def _receipt() -> Concat:
    """A receipt as one value: issuer and number, a unit separator between them."""
    return Concat("issuer_key", Value("\x1f"), "receipt_key", output_field=models.CharField())


class ClaimLineQuerySet(models.QuerySet):
    def visible_to(self, user) -> ClaimLineQuerySet:
        return self.filter(claimant_scope(user, "claim__claimant"))

    def reused(self) -> ClaimLineQuerySet:
        """Lines of claims not withdrawn whose receipt (number + issuer) is on another such line.

        For a few lines (a claim's, a page's): one index probe per line. For every claim use
        ``reused_anywhere``."""
        others = (
            ClaimLine.objects.filter(receipt_key=OuterRef("receipt_key"), issuer_key=OuterRef("issuer_key"))
            .exclude(pk=OuterRef("pk"))
            .exclude(claim__status=Claim.Status.WITHDRAWN)
        )
        return self._live().filter(Exists(others))

    def reused_anywhere(self) -> ClaimLineQuerySet:
        """The same lines as ``reused``, asked of every line at once: the receipts on two live lines
        or more, grouped in one pass. PostgreSQL answers ``reused`` over every line by sorting all
        of them twice (150 ms at 30,000 lines on the bench's machine); this reads them once (60 ms)."""
        repeated = ClaimLine.objects.all()._live().order_by().annotate(key=_receipt()).values("key")
        repeated = repeated.annotate(n=Count("pk")).filter(n__gt=1).values("key")
        return self._live().alias(key=_receipt()).filter(key__in=repeated)

    def _live(self) -> ClaimLineQuerySet:
        return self.exclude(receipt_key="").exclude(claim__status=Claim.Status.WITHDRAWN)

    def with_reuse(self) -> ClaimLineQuerySet:
        others = (
            ClaimLine.objects.filter(receipt_key=OuterRef("receipt_key"), issuer_key=OuterRef("issuer_key"))
            .exclude(pk=OuterRef("pk"))
            .exclude(claim__status=Claim.Status.WITHDRAWN)
            .exclude(receipt_key="")
        )
        return self.annotate(reused=Exists(others))


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=15, choices=Category.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    receipt_number = models.CharField(_("receipt number"), max_length=60, blank=True)
    receipt_issuer = models.CharField(_("receipt issuer"), max_length=200, blank=True)
    receipt_key = models.CharField(max_length=60, blank=True, editable=False)
    issuer_key = models.CharField(max_length=200, blank=True, editable=False)
    receipt_file = models.FileField(_("receipt file"), upload_to=receipt_upload_to, max_length=255, blank=True)
    receipt_name = models.CharField(_("file name"), max_length=120, blank=True, editable=False)
    receipt_type = models.CharField(max_length=40, blank=True, editable=False)
    customer = models.ForeignKey(
        "customers.Company",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expense_lines",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ClaimLineQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        indexes = [
            models.Index(fields=["receipt_key", "issuer_key"], name="expense_line_receipt"),
            models.Index(fields=["date", "category"]),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="expense_line_amount_positive")]

    def __str__(self) -> str:
        return f"{self.claim.number} {self.get_category_display()} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        self.receipt_key = receipt_key(self.receipt_number)
        self.issuer_key = receipt_key(self.receipt_issuer)
        super().save(*args, **kwargs)

    @property
    def receipt_required(self) -> bool:
        return self.category not in RECEIPT_NOT_REQUIRED


class ClaimEvent(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("filed the claim")
        SUBMITTED = "submitted", _("submitted")
        REVIEWED = "reviewed", _("reviewed")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned it to the claimant")
        PAID = "paid", _("marked it paid")
        WITHDRAWN = "withdrawn", _("withdrew it")
        SETTLED = "settled", _("settled an advance against it")

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=12, choices=Action.choices)
    from_status = models.CharField(max_length=10, choices=Claim.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Claim.Status.choices, blank=True)
    comment = models.TextField(blank=True)
    checklist = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class AdvanceQuerySet(models.QuerySet):
    def visible_to(self, user) -> AdvanceQuerySet:
        return self.filter(claimant_scope(user, "person"))

    def outstanding(self) -> AdvanceQuerySet:
        return self.filter(status=Advance.Status.PAID)


class Advance(models.Model):
    """A cash advance (借款) before a trip or an event, settled against claims or repaid."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        APPROVED = "approved", _("Approved, to pay")
        PAID = "paid", _("Outstanding")
        SETTLED = "settled", _("Settled")
        REJECTED = "rejected", pgettext_lazy("advance status", "Rejected")
        CANCELLED = "cancelled", pgettext_lazy("advance status", "Cancelled")

    number = models.CharField(_("number"), max_length=30, unique=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("borrower"), on_delete=models.PROTECT, related_name="advances"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    trip = models.ForeignKey(
        "travel.Trip", verbose_name=_("trip"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    settled_amount = models.DecimalField(_("settled"), **MONEY, default=ZERO, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AdvanceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("advance")
        verbose_name_plural = _("advances")
        indexes = [models.Index(fields=["person", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="advance_amount_positive"),
            models.CheckConstraint(
                condition=Q(settled_amount__gte=0) & Q(settled_amount__lte=models.F("amount")),
                name="advance_settled_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("expenses:advance-detail", args=[self.pk])

    @property
    def outstanding(self) -> Decimal:
        if self.status != self.Status.PAID:
            return ZERO
        return self.amount - self.settled_amount


class AdvanceSettlement(models.Model):
    """Part of an advance cleared, against a claim (the claim pays that much less) or repaid in cash."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("Against a claim")
        REPAYMENT = "repayment", _("Repaid")

    advance = models.ForeignKey(Advance, on_delete=models.PROTECT, related_name="settlements")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="settlements")
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(_("comment"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("advance settlement")
        verbose_name_plural = _("advance settlements")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="repayment", claim__isnull=True) | Q(kind="claim", claim__isnull=False),
                name="settlement_claim_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class AdvanceEvent(models.Model):
    class Action(models.TextChoices):
        REQUESTED = "requested", _("requested the advance")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        PAID = "paid", _("paid it out")
        SETTLED = "settled", _("settled against a claim")
        REPAID = "repaid", _("recorded a repayment")
        CANCELLED = "cancelled", _("cancelled")

    advance = models.ForeignKey(Advance, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=Action.choices)
    from_status = models.CharField(max_length=10, choices=Advance.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Advance.Status.choices, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.advance_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class BudgetQuerySet(models.QuerySet):
    def visible_to(self, user) -> BudgetQuerySet:
        """A salesperson's budget follows the claim rules; a team's budget is for its manager and finance."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.filter(NOTHING)
        if user.is_superuser or user.is_gm or user.is_finance:
            return self
        person = Q(team__isnull=True) & scope_q(user, salesperson="salesperson")
        return self.filter(person | Q(team__manager=user))


class Budget(models.Model):
    """A yearly budget for one salesperson or one team, for one category or all (blank)."""

    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expense_budgets",
        limit_choices_to={"role": "salesperson"},
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expense_budgets",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(
        _("category"), max_length=15, choices=Category.choices, blank=True, help_text=_("Blank: all categories.")
    )
    amount = models.DecimalField(_("budget"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = BudgetQuerySet.as_manager()

    class Meta:
        ordering = ["year", "team", "salesperson", "category"]
        verbose_name = _("expense budget")
        verbose_name_plural = _("expense budgets")
        constraints = [
            models.CheckConstraint(
                condition=(Q(salesperson__isnull=False) & Q(team__isnull=True))
                | (Q(salesperson__isnull=True) & Q(team__isnull=False)),
                name="budget_for_person_or_team",
            ),
            models.UniqueConstraint(
                fields=["salesperson", "year", "category"],
                condition=Q(salesperson__isnull=False),
                name="one_budget_per_person_year_category",
            ),
            models.UniqueConstraint(
                fields=["team", "year", "category"],
                condition=Q(team__isnull=False),
                name="one_budget_per_team_year_category",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_amount_positive"),
        ]

    def __str__(self) -> str:
        who = self.team or self.salesperson
        return f"{who} {self.year} {self.get_category_display() or _('all categories')}"
