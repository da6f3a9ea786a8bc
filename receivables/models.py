"""Receivables (回款管理): invoices with double review, instalments, payments and allocations,
exchange rates, the dunning policy and its exactly-once reminder log (SPEC section 2).

Open amounts are never stored: an instalment is open by its amount minus the allocations of
payments that were not reversed (``InstalmentQuerySet.with_open``), so they cannot drift.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.scope import scope_q
from core.search import matching_keys
from customers.models import Company, CompanyQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


def _money_zero():
    return Value(ZERO, output_field=models.DecimalField(**MONEY))


# --- exchange rates ---------------------------------------------------------------------------


class CustomerAccountQuerySet(CompanyQuerySet):
    def visible_to(self, user) -> CustomerAccountQuerySet:
        """Customers whose receivables the user may see: finance reads company-wide (SPEC section 1)."""
        customers = self.filter(kind=Company.Kind.CUSTOMER)
        if user.is_authenticated and user.is_active and (user.is_finance or user.is_superuser):
            return customers
        return customers.filter(pk__in=Company.objects.visible_to(user).values("pk"))


class CustomerAccount(Company):
    """A customer as receivables sees it (its account: invoices, reminders, statements).

    The rows are the companies'; only who may see them differs, so finance can open the
    receivables page and statement of any customer without seeing the customer files.
    """

    objects = CustomerAccountQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")


class ExchangeRate(models.Model):
    """How many units of the base currency (settings.BASE_CURRENCY) one unit of ``currency`` buys,
    from ``valid_from`` on. The latest rate on or before a day applies."""

    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES)
    valid_from = models.DateField(_("valid from"))
    rate = models.DecimalField(_("rate to base currency"), max_digits=14, decimal_places=6)

    class Meta:
        ordering = ["currency", "-valid_from"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="one_rate_per_currency_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} ({self.valid_from})"


def rate_expression(currency_field: str, day: date):
    """SQL expression: the base-currency rate of ``currency_field`` on ``day`` (1 for the base currency,
    NULL when no rate is stored, so a missing rate shows rather than silently counting as zero)."""
    rate = (
        ExchangeRate.objects.filter(currency=OuterRef(currency_field), valid_from__lte=day)
        .order_by("-valid_from")
        .values("rate")[:1]
    )
    return models.Case(
        models.When(**{currency_field: settings.BASE_CURRENCY}, then=Value(Decimal("1"))),
        default=Subquery(rate),
        output_field=models.DecimalField(max_digits=14, decimal_places=6),
    )


# --- invoices --------------------------------------------------------------------------------


class InvoiceQuerySet(models.QuerySet):
    def visible_to(self, user) -> InvoiceQuerySet:
        return self.filter(scope_q(user, salesperson="salesperson", customer="customer", finance=True))

    def issued(self) -> InvoiceQuerySet:
        return self.filter(status=Invoice.Status.ISSUED)

    def with_open(self) -> InvoiceQuerySet:
        paid = (
            Allocation.objects.counting()
            .filter(instalment__invoice=OuterRef("pk"))
            .values("instalment__invoice")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(paid=Coalesce(Subquery(paid), _money_zero())).annotate(open_amount=F("total") - F("paid"))

    def search(self, text: str) -> InvoiceQuerySet:
        text = text.strip()
        if not text:
            return self
        from customers.models import Company
        from orders.models import Order

        # Each table searched on its own, then "in" (core/trigram.py): an OR across joined tables
        # can only be answered by joining every invoice to its order and customer first.
        return self.filter(
            Q(number__icontains=text)
            | Q(order_id__in=matching_keys(Order.objects.search(text, by_customer=False)))
            | Q(customer_id__in=matching_keys(Company.objects.search(text)))
        )


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Awaiting review")
        ISSUED = "issued", pgettext_lazy("invoice status", "Issued")
        CANCELLED = "cancelled", _("Cancelled")

    class Terms(models.TextChoices):
        NET = "net", _("Net days from invoice date")
        END_OF_MONTH = "eom", _("Net days from end of month")
        INSTALMENTS = "instalments", _("Deposit and balance after shipment")

    number = models.CharField(_("invoice number"), max_length=30, unique=True)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="invoices"
    )
    shipment = models.ForeignKey(
        "orders.Shipment",
        verbose_name=_("shipment"),
        on_delete=models.PROTECT,
        related_name="invoices",
        null=True,
        blank=True,
    )
    # Copied from the order when the invoice is made: scope, aging and dunning filter on them
    # without joining orders on every row.
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Company", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES)
    invoice_date = models.DateField(_("invoice date"))
    total = models.DecimalField(_("total"), **MONEY, default=0, editable=False)
    terms = models.CharField(_("payment terms"), max_length=12, choices=Terms.choices, default=Terms.NET)
    net_days = models.PositiveSmallIntegerField(_("days"), default=30)
    deposit_percent = models.DecimalField(_("deposit %"), max_digits=5, decimal_places=2, default=0)
    balance_days = models.PositiveSmallIntegerField(_("balance days after shipment"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prepared by"), on_delete=models.PROTECT, related_name="+"
    )
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-invoice_date", "-pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(
                condition=Q(checker__isnull=True) | ~Q(checker=F("maker")), name="invoice_checker_is_not_maker"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["salesperson", "status"]),
            models.Index(fields=["-invoice_date", "-id"], name="invoice_list_order"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("receivables:detail", args=[self.pk])


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="invoice_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.quantity} × {self.unit_price}"


class InstalmentQuerySet(models.QuerySet):
    def visible_to(self, user, *, join_assignment: bool = True) -> InstalmentQuerySet:
        return self.filter(
            scope_q(
                user, salesperson="invoice__salesperson", customer="invoice__customer", finance=True,
                join_assignment=join_assignment,
            )
        )  # fmt: skip

    def counting(self) -> InstalmentQuerySet:
        return self.filter(invoice__status=Invoice.Status.ISSUED)

    def with_open(self) -> InstalmentQuerySet:
        paid = (
            Allocation.objects.counting()
            .filter(instalment=OuterRef("pk"))
            .values("instalment")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(paid=Coalesce(Subquery(paid), _money_zero())).annotate(open_amount=F("amount") - F("paid"))

    def open(self) -> InstalmentQuerySet:
        return self.counting().with_open().filter(open_amount__gt=0)

    def still_open(self) -> InstalmentQuerySet:
        """``open()`` read from the stored open amount (kept equal by the payment services, indexed
        where positive): for pages and queues over many invoices. Jobs that act on the amount
        (dunning) derive it with ``open()``."""
        return self.counting().filter(stored_open__gt=0).annotate(open_amount=F("stored_open"))

    def refresh_open_amounts(self) -> int:
        """Store each instalment's open amount (amount − allocations of payments not reversed), the
        value ``with_open`` derives: called by the payment services whenever allocations are made or
        stop counting, so reports can read the column instead of summing allocations."""
        paid = (
            Allocation.objects.counting()
            .filter(instalment=OuterRef("pk"))
            .values("instalment")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.order_by().update(stored_open=F("amount") - Coalesce(Subquery(paid), _money_zero()))


class Instalment(models.Model):
    """One due date and amount of an invoice (net terms: one instalment of 100%)."""

    class Trigger(models.TextChoices):
        INVOICE = "invoice", _("Invoice date")
        MONTH_END = "eom", _("End of invoice month")
        SHIPMENT = "shipment", _("Shipment / bill of lading")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(_("no."), default=1)
    label = models.CharField(_("instalment"), max_length=60)
    amount = models.DecimalField(_("amount"), **MONEY)
    trigger = models.CharField(_("counted from"), max_length=10, choices=Trigger.choices, default=Trigger.INVOICE)
    days = models.PositiveSmallIntegerField(_("days"), default=0)
    # Empty until the event it counts from happened (a shipment not yet recorded).
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True)
    # The open amount as last stored by the payment services (InstalmentQuerySet.refresh_open_amounts):
    # equal to the derived ``with_open().open_amount``; aging reads it instead of summing allocations.
    stored_open = models.DecimalField(_("open amount"), **MONEY, editable=False)

    objects = InstalmentQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "sequence"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["invoice", "sequence"], name="one_instalment_per_sequence"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="instalment_amount_not_negative"),
        ]
        # Aging and the dashboards read the few instalments still open: a partial index keeps them
        # one small range, whatever the number of paid ones.
        indexes = [
            models.Index(fields=["invoice", "due_on"], condition=Q(stored_open__gt=0), name="instalment_still_open"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice.number} #{self.sequence}"

    def save(self, *args, **kwargs):
        if self.stored_open is None:  # a new instalment: nothing is allocated to it yet
            self.stored_open = self.amount
        super().save(*args, **kwargs)


class InvoiceEvent(models.Model):
    """The audit history of an invoice or a payment (who, when, what, comment)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events", null=True, blank=True)
    payment = models.ForeignKey("Payment", on_delete=models.CASCADE, related_name="events", null=True, blank=True)
    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


# --- payments --------------------------------------------------------------------------------


class PaymentQuerySet(models.QuerySet):
    def visible_to(self, user) -> PaymentQuerySet:
        return self.filter(scope_q(user, salesperson="salesperson", customer="customer", finance=True))

    def with_allocated(self) -> PaymentQuerySet:
        allocated = (
            Allocation.objects.filter(payment=OuterRef("pk"))
            .values("payment")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(allocated=Coalesce(Subquery(allocated), _money_zero())).annotate(
            unallocated=F("amount") - F("allocated")
        )


class Payment(models.Model):
    class Status(models.TextChoices):
        RECORDED = "recorded", _("To confirm")
        CONFIRMED = "confirmed", _("Confirmed")
        REVERSED = "reversed", _("Reversed")

    class Method(models.TextChoices):
        TT = "tt", _("T/T bank transfer")
        LC = "lc", _("Letter of credit")
        CHEQUE = "cheque", _("Cheque")
        ACCEPTANCE = "acceptance", _("Bank acceptance bill")
        CASH = "cash", _("Cash")
        OTHER = "other", _("Other")

    number = models.CharField(_("number"), max_length=30, unique=True)
    customer = models.ForeignKey(
        "customers.Company", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="payments"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES)
    amount = models.DecimalField(_("amount"), **MONEY)
    received_on = models.DateField(pgettext_lazy("payment", "received on"), db_index=True)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, default=Method.TT)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECORDED, db_index=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    reversal_reason = models.CharField(_("reason for reversal"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PaymentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="reversed") | ~Q(reversal_reason=""), name="payment_reversal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("receivables:payment-detail", args=[self.pk])


class AllocationQuerySet(models.QuerySet):
    def counting(self) -> AllocationQuerySet:
        """Allocations that reduce what is open: those of payments not reversed (kept for history)."""
        return self.exclude(payment__status=Payment.Status.REVERSED)


class Allocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive")]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.instalment_id}: {self.amount}"


# --- chasing ---------------------------------------------------------------------------------


class PromiseToPay(models.Model):
    """Recorded after a call: chasing of the invoice pauses until ``promised_on`` (inclusive)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="promises")
    promised_on = models.DateField(_("promised payment date"))
    amount = models.DecimalField(_("promised amount"), **MONEY)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive")]
        indexes = [models.Index(fields=["promised_on"], name="promise_due_on")]  # the home queue: due today

    def __str__(self) -> str:
        return f"{self.promised_on} {self.amount}"


class DunningPause(models.Model):
    """Chasing of every invoice of a customer paused (a dispute), until someone resumes it."""

    customer = models.ForeignKey("customers.Company", on_delete=models.CASCADE, related_name="dunning_pauses")
    reason = models.CharField(_("reason"), max_length=300)
    paused_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    paused_at = models.DateTimeField(default=timezone.now)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-paused_at"]
        verbose_name = _("dunning pause")
        verbose_name_plural = _("dunning pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(resumed_at__isnull=True), name="one_open_pause_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.reason}"


def default_weekdays() -> list[int]:
    return [0, 3]  # Monday and Thursday (seed 002: 帐期前每周两次)


def default_escalation_days() -> list[int]:
    return [15, 30, 60]


class DunningPolicy(models.Model):
    """The company's dunning cadence (one row, edited in the admin; defaults from seed 002)."""

    window_days = models.PositiveSmallIntegerField(_("reminder window before due (days)"), default=14)
    weekdays = models.JSONField(
        _("weekdays before due"), default=default_weekdays, help_text=_("0 = Monday … 6 = Sunday")
    )
    escalation_days = models.JSONField(
        _("escalation after days overdue"),
        default=default_escalation_days,
        help_text=_("The first step copies the manager; later steps raise the tone."),
    )
    country = models.CharField(
        _("working-day calendar country"), max_length=2, default="CN", help_text=_("ISO country code, e.g. CN, HK, DE")
    )
    customer_reminders = models.BooleanField(_("remind the customer's billing contact"), default=False)
    customer_language = models.CharField(
        _("language of customer reminders"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )

    class Meta:
        verbose_name = _("dunning policy")
        verbose_name_plural = _("dunning policy")

    def __str__(self) -> str:
        return str(_("Dunning policy"))

    @classmethod
    def current(cls) -> DunningPolicy:
        policy = cls.objects.order_by("pk").first()
        return policy or cls.objects.create()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(self.weekdays, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in self.weekdays):
            raise ValidationError({"weekdays": _("A list of weekday numbers from 0 (Monday) to 6 (Sunday).")})
        if not isinstance(self.escalation_days, list) or not all(
            isinstance(d, int) and d > 0 for d in self.escalation_days
        ):
            raise ValidationError({"escalation_days": _("A list of positive numbers of days.")})


class EmailTemplate(models.Model):
    """A dunning email per language and kind; the defaults in receivables/emails.py apply when none is stored."""

    class Kind(models.TextChoices):
        TEAM = "team", _("Reminder to the sales team")
        ESCALATION = "escalation", _("Escalation to the manager")
        CUSTOMER = "customer", _("Reminder to the customer")

    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Django template: recipient, day, rows (invoice, step, due_on, open_amount, currency, days_overdue)."
        ),
    )

    class Meta:
        verbose_name = _("dunning email template")
        verbose_name_plural = _("dunning email templates")
        constraints = [models.UniqueConstraint(fields=["language", "kind"], name="one_template_per_language_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class Reminder(models.Model):
    """The decision to remind about an instalment on a day, recorded once (the unique constraint),
    in the same transaction that attaches it to the day's emails."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")

    instalment = models.ForeignKey(Instalment, on_delete=models.CASCADE, related_name="reminders")
    step = models.CharField(_("step"), max_length=20)
    day = models.DateField(_("day"))
    days_overdue = models.IntegerField(_("days overdue"))
    open_amount = models.DecimalField(_("open amount"), **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Set in the transaction that builds the day's emails for it, so a second run skips it.
    attached = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["instalment", "step", "day"], name="one_reminder_per_step_day")]
        indexes = [models.Index(fields=["day", "status"])]

    def __str__(self) -> str:
        return f"{self.instalment} {self.step} {self.day}"

    def step_label(self) -> str:
        from .dunning import step_label

        return step_label(self.step)


class ReminderEmail(models.Model):
    """One email of a day to one recipient, listing their reminders; claimed by a conditional UPDATE."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")

    day = models.DateField(_("day"))
    recipient_key = models.CharField(_("recipient"), max_length=40)  # user:7 / contact:12
    batch = models.PositiveSmallIntegerField(default=1)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=10)
    kind = models.CharField(_("kind"), max_length=10, choices=EmailTemplate.Kind.choices)
    reminders = models.ManyToManyField(Reminder, related_name="emails")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-day", "recipient_key"]
        verbose_name = _("reminder email")
        verbose_name_plural = _("reminder emails")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient_key", "day", "batch"], name="one_reminder_email_per_recipient_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.day} ({self.status})"


# --- statements ------------------------------------------------------------------------------


class StatementConfirmationQuerySet(models.QuerySet):
    def visible_to(self, user) -> StatementConfirmationQuerySet:
        return self.filter(customer__in=CustomerAccount.objects.visible_to(user).values("pk"))


class StatementConfirmation(models.Model):
    """The customer stamped and returned a statement of account (对账单) for a period."""

    customer = models.ForeignKey("customers.Company", on_delete=models.CASCADE, related_name="statement_confirmations")
    period_start = models.DateField(pgettext_lazy("date range", "from"))
    period_end = models.DateField(pgettext_lazy("date range", "to"))
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES)
    closing_balance = models.DecimalField(_("closing balance"), **MONEY)
    confirmed_on = models.DateField(_("confirmed by the customer on"))
    confirmed_by_name = models.CharField(_("confirmed by (customer side)"), max_length=100)
    scan = models.FileField(_("stamped scan"), upload_to="statements/%Y/%m/", max_length=255, blank=True)
    scan_name = models.CharField(max_length=255, blank=True)
    scan_type = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = StatementConfirmationQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("statement confirmation")
        verbose_name_plural = _("statement confirmations")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.period_start}–{self.period_end}"


def open_pause_exists(customer_ref: str = "invoice__customer"):
    return Exists(DunningPause.objects.filter(customer=OuterRef(customer_ref), resumed_at__isnull=True))
