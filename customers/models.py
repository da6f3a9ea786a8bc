"""Customer and factory files (客户档案): every other module points at a Company."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import scope_q

# 统一社会信用代码 (18 characters) or a foreign VAT / tax number: letters, digits, dashes.
tax_id_validator = RegexValidator(
    r"^[0-9A-Z]{18}$|^[A-Z]{2}[0-9A-Z\-]{4,18}$|^[0-9\-]{6,20}$",
    _(
        "Enter an 18-character unified social credit code (digits and capital letters), "
        "or a foreign tax number such as DE123456789."
    ),
    code="tax_id",
)


class CompanyQuerySet(models.QuerySet):
    def visible_to(self, user) -> CompanyQuerySet:
        return self.filter(scope_q(user, salesperson="owner", customer="pk"))

    def customers(self) -> CompanyQuerySet:
        return self.filter(kind=Company.Kind.CUSTOMER)

    def factories(self) -> CompanyQuerySet:
        return self.filter(kind=Company.Kind.FACTORY)

    def follow_up_due(self, today: date) -> CompanyQuerySet:
        return self.filter(next_follow_up_on__lte=today)

    def search(self, text: str) -> CompanyQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(code__icontains=text)
            | Q(name__icontains=text)
            | Q(name_en__icontains=text)
            | Q(short_name__icontains=text)
        )


class Company(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        FACTORY = "factory", _("Factory")

    class Grade(models.TextChoices):
        KEY = "key", _("Key")
        NORMAL = "normal", _("Normal")
        POTENTIAL = "potential", _("Potential")

    class Settlement(models.TextChoices):
        TT = "tt", _("T/T bank transfer")
        LC = "lc", _("Letter of credit (L/C)")
        DP = "dp", _("D/P documents against payment")
        MONTHLY = "monthly", _("Monthly statement (月结)")
        CASH = "cash", _("Cash on delivery")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CUSTOMER)
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("legal name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    region = models.CharField(_("country / region"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, default=Grade.NORMAL)
    source = models.CharField(_("source"), max_length=100, blank=True, help_text=_("Trade fair, referral, website…"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_companies",
        limit_choices_to={"role": "salesperson"},
    )
    assistants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned assistants"),
        through="CompanyAssignment",
        through_fields=("company", "assistant"),
        related_name="assigned_companies",
        blank=True,
    )

    # Trading terms
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    payment_terms = models.CharField(
        _("default payment terms"),
        max_length=200,
        blank=True,
        help_text=_("e.g. 30% T/T deposit, 70% 30 days after B/L"),
    )
    payment_days = models.PositiveSmallIntegerField(
        _("payment days"), null=True, blank=True, validators=[MaxValueValidator(365)]
    )
    settlement_method = models.CharField(_("settlement method"), max_length=10, choices=Settlement.choices, blank=True)
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )

    # Invoicing information (开票信息)
    tax_id = models.CharField(_("tax id"), max_length=30, blank=True, validators=[tax_id_validator])
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)
    invoice_address = models.CharField(_("invoice address and phone"), max_length=300, blank=True)

    # Follow-up cadence: key customers get a call every N days (SPEC customers/).
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow-up every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Puts the company on the assistant's queue when a call is due. Empty: no cadence."),
    )
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True, editable=False)
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True, editable=False, db_index=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CompanyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = [
            models.Index(fields=["owner", "kind"]),
            models.Index(fields=["name"]),
            models.Index(fields=["grade"]),
            # An assistant's scope (accounts.scope.assigned_company_ids) joins each assigned company
            # to its owner: read from this index alone, not from the 20,000 wide rows (8 -> 5 ms on
            # PostgreSQL at scale 100, and it is evaluated twice per home-page section).
            models.Index(fields=["id", "owner"], name="company_id_owner"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0) | Q(credit_limit__isnull=True), name="credit_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def compute_next_follow_up(self, today: date) -> date | None:
        """Last contact + cadence; a company never contacted is due at once."""
        if not self.follow_up_days:
            return None
        if self.last_contact_on is None:
            return today
        return self.last_contact_on + timedelta(days=self.follow_up_days)

    @property
    def primary_contact(self) -> Contact | None:
        for contact in self.contacts.all():
            if contact.is_primary:
                return contact
        return None


class CompanyAssignment(models.Model):
    """The owner made this assistant a user (客户使用人) of the company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="assignments")
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="company_assignments",
        limit_choices_to={"role": "assistant"},
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["company", "assistant"], name="unique_company_assistant")]
        indexes = [models.Index(fields=["assistant", "company"])]

    def __str__(self) -> str:
        return f"{self.company} → {self.assistant}"


class OwnershipChange(models.Model):
    """A manager moved a company to another salesperson in their jurisdiction."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="ownership_changes")
    from_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        ordering = ["-changed_at"]
        verbose_name = _("ownership change")
        verbose_name_plural = _("ownership changes")

    def __str__(self) -> str:
        return f"{self.company}: {self.from_owner} → {self.to_owner}"


def company_child_queryset(path: str = "company"):
    """A record of one company is seen by whoever sees the company."""

    class ChildQuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(scope_q(user, salesperson=f"{path}__owner", customer=path))

    return ChildQuerySet


class Contact(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    is_billing = models.BooleanField(
        _("billing contact"), default=False, help_text=_("Receives statements and payment reminders.")
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    objects = company_child_queryset().as_manager()

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["company"], condition=Q(is_primary=True), name="one_primary_contact"),
            models.UniqueConstraint(fields=["company"], condition=Q(is_billing=True), name="one_billing_contact"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.company_id]) + "#contacts"


class CompanyDocument(models.Model):
    """Business licence, certificate or permit with an expiry date (许可证、证书)."""

    class Kind(models.TextChoices):
        LICENCE = "licence", _("Business licence")
        CERTIFICATE = "certificate", _("Certificate")
        PERMIT = "permit", _("Permit")
        OTHER = "other", _("Other")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CERTIFICATE)
    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True)
    file = models.FileField(_("file"), upload_to="companies/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = company_child_queryset().as_manager()

    class Meta:
        ordering = ["expires_on", "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.company_id]) + "#documents"

    def expires_within(self, today: date, days: int = 30) -> bool:
        return self.expires_on is not None and self.expires_on <= today + timedelta(days=days)


class Interaction(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("Email")
        MEETING = "meeting", _("Meeting")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CALL)
    occurred_on = models.DateField(_("date"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.TextField(_("summary"), max_length=4000)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_on = models.DateField(_("next step date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = company_child_queryset().as_manager()

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [models.Index(fields=["company", "-occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class Complaint(models.Model):
    """客户投诉: received by phone or email, handled, resolved, analysed monthly."""

    class Category(models.TextChoices):
        QUALITY = "quality", _("Quality")
        DELIVERY = "delivery", _("Delivery")
        SERVICE = "service", _("Service")
        BILLING = "billing", _("Billing")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        VISIT = "visit", _("Visit")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    company = models.ForeignKey(
        Company, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="complaints"
    )
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("received by"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    product = models.CharField(_("product"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=4000)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), max_length=4000, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = company_child_queryset().as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["received_on", "category"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.company.display_name} {self.get_category_display()}"

    def get_absolute_url(self) -> str:
        return reverse("customers:complaint-detail", args=[self.pk])


class SatisfactionSurvey(models.Model):
    """客户满意度调查: a score 1-5 per customer and period, with comments."""

    company = models.ForeignKey(Company, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="surveys")
    period = models.DateField(_("period"), help_text=_("The first day of the month or quarter surveyed."))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comments = models.TextField(_("comments"), max_length=4000, blank=True)
    surveyed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = company_child_queryset().as_manager()

    class Meta:
        ordering = ["-period"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.UniqueConstraint(fields=["company", "period"], name="one_survey_per_company_period"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.period:%Y-%m}: {self.score}"
