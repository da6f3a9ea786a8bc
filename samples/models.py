"""Samples (样品): requests, charge decisions, dispatch with double review, feedback, loans.

A request moves through ``SampleRequest.Status``; every move is a ``SampleEvent`` (who, when,
from → to, comment), written only by ``samples.services``. The company rule for new customers
lives in the one ``SamplePolicy`` row (admin). Sample items kept outside stock (样品机) are
registered as ``SampleItem`` and lent through ``SampleLoan``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.scope import scope_q

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 12, "decimal_places": 3, "validators": [MinValueValidator(Decimal("0.001"))]}


class SamplePolicy(models.Model):
    """The company rule for samples to new customers (seed 002 篇一 5): one row, edited in the admin.

    A new customer is one with no order yet (cancelled orders do not count). Such a customer
    gets samples free of charge up to ``free_max_pieces`` pieces and ``free_max_value`` of list
    value, the courier fee paid by the customer (到付); beyond that the samples are charged at
    list value. Customers who have ordered get samples free, the courier prepaid (预付).
    A request that asks for better terms than the rule gives goes to the team manager.
    """

    class CourierFee(models.TextChoices):
        PREPAID = "prepaid", _("Prepaid (预付)")
        COLLECT = "collect", _("Collect (到付)")

    new_free_max_pieces = models.PositiveIntegerField(
        _("new customer: free up to (pieces)"), default=5, help_text=_("Total pieces of all lines of a request.")
    )
    new_free_max_value = models.DecimalField(
        _("new customer: free up to (list value)"),
        **MONEY,
        default=Decimal("500.00"),
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    new_courier_fee = models.CharField(
        _("new customer: courier fee"), max_length=10, choices=CourierFee.choices, default=CourierFee.COLLECT
    )
    existing_courier_fee = models.CharField(
        _("existing customer: courier fee"), max_length=10, choices=CourierFee.choices, default=CourierFee.PREPAID
    )
    feedback_after_days = models.PositiveSmallIntegerField(
        _("ask for feedback after (days)"), default=7, help_text=_("Days after the sample was sent.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sample policy")
        verbose_name_plural = _("sample policy")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="one_sample_policy")]

    def __str__(self) -> str:
        return str(_("Sample policy"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> SamplePolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class SampleQuerySet(models.QuerySet):
    def visible_to(self, user) -> SampleQuerySet:
        return self.filter(scope_q(user, salesperson="salesperson", customer="customer"))

    def for_reconciliation(self, user) -> SampleQuerySet:
        """The courier reconciliation: finance staff read it company-wide."""
        return self.filter(scope_q(user, salesperson="salesperson", customer="customer", finance=True))

    def sent(self) -> SampleQuerySet:
        return self.filter(status__in=SampleRequest.SENT_STATUSES)

    def feedback_due(self, today: date) -> SampleQuerySet:
        return self.filter(status=SampleRequest.Status.DISPATCHED, follow_up_on__lte=today)


class SampleRequest(models.Model):
    class Status(models.TextChoices):
        DECISION = "decision", _("Awaiting manager decision")
        APPROVED = "approved", _("To dispatch")
        PREPARED = "prepared", _("Dispatch awaiting check")
        DISPATCHED = "dispatched", pgettext_lazy("sample status", "Sent")
        FEEDBACK = "feedback", _("Feedback received")
        CONVERTED = "converted", _("Converted to order")
        REFUSED = "refused", pgettext_lazy("sample status", "Refused")
        CANCELLED = "cancelled", pgettext_lazy("sample status", "Cancelled")

    class Charge(models.TextChoices):
        FREE = "free", _("Free of charge")
        CHARGED = "charged", _("Charged")

    class Likelihood(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")
        NONE = "none", _("No order expected")

    CourierFee = SamplePolicy.CourierFee
    SENT_STATUSES = (Status.DISPATCHED, Status.FEEDBACK, Status.CONVERTED)
    OPEN_STATUSES = (Status.DECISION, Status.APPROVED, Status.PREPARED)

    number = models.CharField(_("number"), max_length=30, unique=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="samples"
    )
    customer = models.ForeignKey(
        "customers.Company", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="samples"
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    purpose = models.CharField(pgettext_lazy("sample request", "purpose"), max_length=300)
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    ship_to = models.CharField(_("send to"), max_length=300, blank=True, help_text=_("Address and contact person."))
    # The charge as it stands (proposed, then decided).
    charge = models.CharField(_("charge"), max_length=10, choices=Charge.choices, default=Charge.FREE)
    amount = models.DecimalField(_("amount charged"), **MONEY, default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    courier_fee = models.CharField(
        _("courier fee"), max_length=10, choices=CourierFee.choices, default=CourierFee.PREPAID
    )
    new_customer = models.BooleanField(_("new customer"), default=False, editable=False)
    rule_note = models.CharField(_("company rule"), max_length=500, blank=True, editable=False)
    exception_reason = models.CharField(_("reason for an exception"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Dispatch, with double review: prepared by one person, checked by another.
    courier = models.CharField(_("courier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    sent_on = models.DateField(_("date sent"), null=True, blank=True, db_index=True)
    expected_arrival = models.DateField(_("expected arrival"), null=True, blank=True)
    cost = models.DecimalField(_("courier cost"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    cost_currency = models.CharField(_("cost currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    prepared_at = models.DateTimeField(null=True, blank=True, editable=False)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Feedback.
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True, editable=False)
    feedback_on = models.DateField(_("feedback on"), null=True, blank=True)
    opinion = models.TextField(_("customer's opinion"), max_length=2000, blank=True)
    likelihood = models.CharField(_("likelihood of an order"), max_length=10, choices=Likelihood.choices, blank=True)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("resulting order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="samples",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SampleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sample request")
        verbose_name_plural = _("sample requests")
        indexes = [
            models.Index(fields=["salesperson", "-created_at"]),
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["status", "follow_up_on"]),
            models.Index(fields=["sent_on", "courier"]),
        ]
        constraints = [
            # Double review (seed 004 二): the database refuses a checker who is the preparer.
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | ~Q(checked_by=F("prepared_by")),
                name="sample_checker_is_not_preparer",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="sample_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("samples:detail", args=[self.pk])

    @property
    def is_converted(self) -> bool:
        return self.order_id is not None


class SampleLine(models.Model):
    sample = models.ForeignKey(SampleRequest, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("orders.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("sample line")
        verbose_name_plural = _("sample lines")
        indexes = [models.Index(fields=["product", "sample"])]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class SampleEvent(models.Model):
    """The request's timeline: who did what, when, with which comment."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("requested the sample")
        SENT_TO_MANAGER = "to_manager", _("asked the manager for a decision")
        APPROVED = "approved", _("approved")
        CHANGED = "changed", _("changed the terms and approved")
        REFUSED = "refused", _("refused")
        EDITED = "edited", _("edited the request")
        PREPARED = "prepared", _("prepared the dispatch")
        WITHDRAWN = "withdrawn", _("withdrew the dispatch")
        CHECKED = "checked", _("checked and sent the sample")
        FEEDBACK = "feedback", _("recorded the customer's feedback")
        LINKED = "linked", _("linked the resulting order")
        CONVERTED = "converted", _("converted the sample to an order")
        CANCELLED = "cancelled", _("cancelled the request")

    sample = models.ForeignKey(SampleRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    from_status = models.CharField(max_length=12, choices=SampleRequest.Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=SampleRequest.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("sample event")
        verbose_name_plural = _("sample events")

    def __str__(self) -> str:
        return f"{self.sample} {self.kind}"


class SampleItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> SampleItemQuerySet:
        # The register of sample machines is the sales office's, shared by everyone in it.
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser or user.role:
            return self
        return self.none()


class SampleItem(models.Model):
    """A sample kept outside stock (不计入库存的样品机), lent out and returned."""

    code = models.CharField(_("register number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    product = models.ForeignKey(
        "orders.Product", verbose_name=_("product"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    location = models.CharField(_("kept at"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    active = models.BooleanField(_("in the register"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SampleItemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("sample item")
        verbose_name_plural = _("sample items")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SampleLoanQuerySet(models.QuerySet):
    def visible_to(self, user) -> SampleLoanQuerySet:
        return self.filter(scope_q(user, salesperson="salesperson", customer="customer", maker="lent_by"))

    def out(self) -> SampleLoanQuerySet:
        return self.filter(returned_on__isnull=True)

    def overdue(self, today: date) -> SampleLoanQuerySet:
        return self.filter(returned_on__isnull=True, due_back__lt=today)


class SampleLoan(models.Model):
    """领用 / 归还: a sample item lent to a person or a customer, due back on a day."""

    item = models.ForeignKey(SampleItem, verbose_name=_("sample item"), on_delete=models.PROTECT, related_name="loans")
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for salesperson"),
        on_delete=models.PROTECT,
        related_name="sample_loans",
    )
    customer = models.ForeignKey(
        "customers.Company",
        verbose_name=_("lent to customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sample_loans",
    )
    borrower = models.CharField(_("borrower"), max_length=100, blank=True, help_text=_("The person who took it."))
    lent_on = models.DateField(_("lent on"))
    due_back = models.DateField(_("due back"), db_index=True)
    lent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    condition = models.CharField(_("condition on return"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = SampleLoanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-lent_on", "-pk"]
        verbose_name = _("sample loan")
        verbose_name_plural = _("sample loans")
        constraints = [
            # One item is with one borrower at a time.
            models.UniqueConstraint(
                fields=["item"], condition=Q(returned_on__isnull=True), name="one_open_loan_per_item"
            ),
            models.CheckConstraint(condition=Q(due_back__gte=F("lent_on")), name="loan_due_after_lent"),
            models.CheckConstraint(condition=~Q(customer__isnull=True, borrower=""), name="loan_has_a_borrower"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} → {self.borrower_label}"

    def get_absolute_url(self) -> str:
        return reverse("samples:loan-list") + f"?item={self.item_id}"

    @property
    def borrower_label(self) -> str:
        if self.customer_id and self.borrower:
            return f"{self.customer.display_name} ({self.borrower})"
        return self.customer.display_name if self.customer_id else self.borrower
