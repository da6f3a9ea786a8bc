"""Sales contracts (销售合同 / 外销合同): lines, approval workflow, register, amendments, attachments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.scope import scope_q

MONEY = {"max_digits": 14, "decimal_places": 2}


class ApprovalPolicy(models.Model):
    """When the general manager must approve a contract after the team's manager (singleton, pk=1).

    The threshold is kept per currency rather than converted: Backdesk stores no exchange
    rates yet, and an approval rule that moves with a guessed rate is worse than none. A
    currency without its own threshold always needs the GM (the safe side).
    """

    gm_always = models.BooleanField(
        _("GM approves every contract"),
        default=False,
        help_text=_("When set, every contract goes to the general manager after the team's manager."),
    )
    gm_threshold = models.DecimalField(
        _("GM approval above (base currency)"),
        **MONEY,
        default=Decimal("500000.00"),
        validators=[MinValueValidator(0)],
        help_text=_("Contracts in the base currency above this amount need the general manager's approval."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract approval policy")
        verbose_name_plural = _("contract approval policy")

    def __str__(self) -> str:
        return str(_("Contract approval policy"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> ApprovalPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    def threshold_for(self, currency: str) -> Decimal | None:
        """The amount above which the GM must approve, or None when the GM always must."""
        if self.gm_always:
            return None
        if currency == settings.BASE_CURRENCY:
            return self.gm_threshold
        row = self.currency_thresholds.filter(currency=currency).values_list("amount", flat=True).first()
        return row

    def needs_gm(self, *, amount: Decimal, currency: str) -> bool:
        threshold = self.threshold_for(currency)
        return threshold is None or amount > threshold


class CurrencyThreshold(models.Model):
    policy = models.ForeignKey(ApprovalPolicy, on_delete=models.CASCADE, related_name="currency_thresholds")
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, unique=True)
    amount = models.DecimalField(_("GM approval above"), **MONEY, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["currency"]
        verbose_name = _("GM threshold in another currency")
        verbose_name_plural = _("GM thresholds in other currencies")

    def __str__(self) -> str:
        return f"{self.currency} {self.amount}"


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user) -> ContractQuerySet:
        # SPEC section 1 and seed 003 區別: the maker always sees their contract; a confidential
        # contract is hidden from the salesperson's other assistants.
        return self.filter(
            scope_q(user, salesperson="salesperson", customer="customer", maker="maker", confidential="confidential")
        )


class ContractChildQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contract__in=Contract.objects.visible_to(user).values("pk"))


class Contract(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("contract status", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("contract status", "Awaiting manager")
        MANAGER_APPROVED = "manager_approved", pgettext_lazy("contract status", "Awaiting GM")
        APPROVED = "approved", pgettext_lazy("contract status", "Approved")
        SIGNED = "signed", pgettext_lazy("contract status", "Signed")
        ARCHIVED = "archived", pgettext_lazy("contract status", "Archived")

    AWAITING_APPROVAL = (Status.SUBMITTED, Status.MANAGER_APPROVED)
    # Orders may be linked to an approved contract already (goods are often made before the
    # countersigned copy comes back), not to a draft.
    LINKABLE = (Status.APPROVED, Status.SIGNED, Status.ARCHIVED)
    AMENDABLE = (Status.APPROVED, Status.SIGNED, Status.ARCHIVED)

    number = models.CharField(_("contract number"), max_length=30, unique=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="contracts"
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Company", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    factory = models.ForeignKey(
        "customers.Company", verbose_name=_("factory"), on_delete=models.PROTECT, related_name="factory_contracts",
        null=True, blank=True,
    )  # fmt: skip
    title = models.CharField(_("subject"), max_length=200, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    amount = models.DecimalField(_("amount"), **MONEY, default=0, editable=False)
    payment_terms = models.CharField(_("payment terms"), max_length=300)
    delivery_terms = models.CharField(_("delivery terms"), max_length=300)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("Hidden from the salesperson's other assistants.")
    )
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Set when an approver sends it back, cleared on the next submission: the "returned for
    # changes" queue reads it without scanning the timeline.
    returned = models.BooleanField(_("returned for changes"), default=False, editable=False)
    needs_gm = models.BooleanField(_("needs the GM's approval"), default=False, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    # Register (SPEC: 原件交由财务部门统一保管)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    register_number = models.CharField(_("register number"), max_length=30, unique=True, null=True, blank=True)
    archive_location = models.CharField(_("archive location"), max_length=200, blank=True)
    amendment_count = models.PositiveSmallIntegerField(_("amendments"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ContractQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="contract_list_order"),  # the list's default sort
            models.Index(fields=["salesperson", "-created_at"]),
            models.Index(fields=["customer", "-created_at"]),
            models.Index(fields=["maker", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["signed_on"]),
            # The approval queues look for the few contracts awaiting a decision.
            models.Index(
                fields=["submitted_at"],
                condition=Q(status__in=["submitted", "manager_approved"]),
                name="contract_awaiting",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="contract_valid_dates"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("contracts:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class ContractLine(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "orders.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, validators=[MinValueValidator(0)])
    unit = models.CharField(_("unit"), max_length=10)
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(0)])
    amount = models.DecimalField(_("amount"), **MONEY, default=0, editable=False)

    objects = ContractChildQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


class ContractEvent(models.Model):
    """Every step of a contract: who, when, what, why (the contract's timeline)."""

    class Action(models.TextChoices):
        CREATED = "created", _("drafted the contract")
        EDITED = "edited", _("edited the draft")
        SUBMITTED = "submitted", _("submitted it for approval")
        MANAGER_APPROVED = "manager_approved", _("approved it (manager)")
        GM_APPROVED = "gm_approved", _("approved it (general manager)")
        REJECTED = "rejected", _("returned it for changes")
        SIGNED = "signed", _("recorded the signed contract")
        ARCHIVED = "archived", _("archived the original")
        AMENDED = "amended", _("recorded an amendment")
        ATTACHED = "attached", _("attached a file")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=Contract.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Contract.Status.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)

    objects = ContractChildQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")

    def __str__(self) -> str:
        return f"{self.contract_id} {self.action}"


class ContractAttachment(models.Model):
    class Kind(models.TextChoices):
        ATTACHMENT = "attachment", _("Attachment")
        SIGNED_SCAN = "signed_scan", _("Signed scan")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ATTACHMENT)
    file = models.FileField(_("file"), upload_to="contracts/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ContractChildQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("contract attachment")
        verbose_name_plural = _("contract attachments")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("contracts:attachment", args=[self.contract_id, self.pk])


class Amendment(models.Model):
    """合同更改: a numbered change record of a contract (what changed, why)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    number = models.PositiveSmallIntegerField(_("amendment number"))
    changes = models.TextField(_("what changed"), max_length=4000)
    reason = models.TextField(_("why"), max_length=2000)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)

    objects = ContractChildQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("contract amendment")
        verbose_name_plural = _("contract amendments")
        constraints = [models.UniqueConstraint(fields=["contract", "number"], name="one_amendment_number_per_contract")]

    def __str__(self) -> str:
        return f"{self.contract_id} #{self.number}"
