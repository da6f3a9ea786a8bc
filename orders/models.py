"""Order follow-up (跟单): catalogue, quotations, sales orders, production, shipments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.scope import scope_q
from core.search import matching_keys

MONEY = {"max_digits": 14, "decimal_places": 2}
QUANTITY = {"max_digits": 12, "decimal_places": 3, "validators": [MinValueValidator(Decimal("0.001"))]}


class ProductQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProductQuerySet:
        # The catalogue is the company's, shared by everyone who works in Backdesk.
        return self if user.is_authenticated and user.is_active else self.none()

    def search(self, text: str) -> ProductQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(sku__icontains=text) | Q(name__icontains=text) | Q(name_en__icontains=text))


class Product(models.Model):
    class Unit(models.TextChoices):
        PCS = "pcs", _("pieces")
        SET = "set", _("sets")
        CARTON = "ctn", _("cartons")
        KG = "kg", _("kg")
        M = "m", _("metres")
        PAIR = "pair", _("pairs")

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    specification = models.CharField(_("specification"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PCS)
    list_price = models.DecimalField(_("list price"), **MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    active = models.BooleanField(_("active"), default=True)

    objects = ProductQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ScopedQuerySet(models.QuerySet):
    """Quotations and orders: the salesperson and customer are on the row itself."""

    def visible_to(self, user):
        return self.filter(scope_q(user, salesperson="salesperson", customer="customer"))


class OrderQuerySet(ScopedQuerySet):
    def search(self, text: str, *, by_customer: bool = True) -> OrderQuerySet:
        """Orders whose number or customer PO contains the text, or (by_customer) whose customer
        matches Company.search. Each table is searched on its own, the customers as a subquery, so
        both reach their own indexes (core/trigram.py)."""
        from customers.models import Company

        text = text.strip()
        if not text:
            return self
        condition = Q(number__icontains=text) | Q(customer_po__icontains=text)
        if by_customer:
            condition |= Q(customer_id__in=matching_keys(Company.objects.search(text)))
        return self.filter(condition)


class OrderChildQuerySet(models.QuerySet):
    """Records of one order are seen by whoever sees the order."""

    def visible_to(self, user):
        return self.filter(scope_q(user, salesperson="order__salesperson", customer="order__customer"))


class Quotation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        LOST = "lost", _("Lost")

    number = models.CharField(_("number"), max_length=30, unique=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.ForeignKey(
        "self", verbose_name=_("previous version"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="quotations"
    )
    customer = models.ForeignKey(
        "customers.Company", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotations"
    )
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    incoterm = models.CharField(_("incoterm"), max_length=10, blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    total = models.DecimalField(_("total"), **MONEY, default=0, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        indexes = [
            models.Index(fields=["salesperson", "-created_at"]),
            models.Index(fields=["customer", "-created_at"]),
            # The list's default order for company-wide users (GM): the first page reads 50 entries.
            models.Index(fields=["-created_at", "-id"], name="quotation_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("orders:quotation-detail", args=[self.pk])

    def recompute_total(self) -> Decimal:
        self.total = self.lines.aggregate(t=Sum("amount"))["t"] or Decimal("0.00")
        return self.total


class QuotationLine(models.Model):
    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(0)])
    discount_percent = models.DecimalField(
        _("discount %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    amount = models.DecimalField(_("amount"), **MONEY, default=0, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def net_price(self) -> Decimal:
        return (self.unit_price * (Decimal(100) - self.discount_percent) / Decimal(100)).quantize(Decimal("0.01"))

    def compute_amount(self) -> Decimal:
        self.amount = (self.net_price * self.quantity).quantize(Decimal("0.01"))
        return self.amount


class Order(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("order status", "Received")
        CONFIRMED = "confirmed", _("Confirmed")
        IN_PRODUCTION = "in_production", _("In production")
        READY = "ready", _("Ready to ship")
        PARTLY_SHIPPED = "partly_shipped", _("Partly shipped")
        SHIPPED = "shipped", _("Shipped")
        CLOSED = "closed", pgettext_lazy("order status", "Closed")
        CANCELLED = "cancelled", _("Cancelled")

    # The one table of allowed moves (SPEC orders/); services.orders.order_transition enforces it.
    # Shipped states are reached by checking shipments, not by hand.
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.RECEIVED: (Status.CONFIRMED, Status.CANCELLED),
        Status.CONFIRMED: (Status.IN_PRODUCTION, Status.CANCELLED),
        Status.IN_PRODUCTION: (Status.READY, Status.CANCELLED),
        Status.READY: (Status.IN_PRODUCTION,),
        Status.PARTLY_SHIPPED: (),
        Status.SHIPPED: (Status.CLOSED,),
        Status.CLOSED: (),
        Status.CANCELLED: (),
    }
    OPEN_STATUSES = (Status.RECEIVED, Status.CONFIRMED, Status.IN_PRODUCTION, Status.READY, Status.PARTLY_SHIPPED)

    class Incoterm(models.TextChoices):
        EXW = "EXW", "EXW"
        FCA = "FCA", "FCA"
        FOB = "FOB", "FOB"
        CFR = "CFR", "CFR"
        CIF = "CIF", "CIF"
        DAP = "DAP", "DAP"
        DDP = "DDP", "DDP"

    number = models.CharField(_("order number"), max_length=30, unique=True)
    customer_po = models.CharField(_("customer PO number"), max_length=60)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("salesperson"), on_delete=models.PROTECT, related_name="orders"
    )
    customer = models.ForeignKey(
        "customers.Company", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    factory = models.ForeignKey(
        "customers.Company", verbose_name=_("factory"), on_delete=models.PROTECT, related_name="factory_orders",
        null=True, blank=True,
    )  # fmt: skip
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="+"
    )
    quotation = models.ForeignKey(
        Quotation, verbose_name=_("quotation"), on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    contract = models.ForeignKey(
        "contracts.Contract", null=True, blank=True, on_delete=models.PROTECT, related_name="orders",
        verbose_name=_("contract"),
    )  # fmt: skip
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    total = models.DecimalField(_("total"), **MONEY, default=0, editable=False)
    received_on = models.DateField(_("received on"), db_index=True)
    requested_delivery = models.DateField(_("requested delivery"), null=True, blank=True)
    confirmed_delivery = models.DateField(_("confirmed delivery"), null=True, blank=True)
    incoterm = models.CharField(_("incoterm"), max_length=3, choices=Incoterm.choices, blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    # Intake checks (SPEC: 15 in seed 003): differences found, and who acknowledged them.
    intake_flags = models.JSONField(_("intake flags"), default=list, blank=True, editable=False)
    flags_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    flags_acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrderQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        constraints = [
            models.UniqueConstraint(fields=["customer", "customer_po"], name="unique_po_per_customer"),
        ]
        indexes = [
            models.Index(fields=["salesperson", "-received_on"]),
            # With the salesperson: an assistant's list (their customers' orders of the salespersons
            # they serve) counts and sorts from the index alone, no table lookup per order.
            models.Index(fields=["customer", "-received_on", "salesperson"], name="order_customer_received"),
            models.Index(fields=["status", "-received_on"]),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def allowed_transitions(self) -> tuple[str, ...]:
        return self.TRANSITIONS.get(self.status, ())


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(0)])
    amount = models.DecimalField(_("amount"), **MONEY, default=0, editable=False)
    # What the price and quantity were checked against at intake (quotation or list price).
    reference_price = models.DecimalField(_("reference price"), **MONEY, null=True, blank=True, editable=False)
    reference_quantity = models.DecimalField(
        _("quoted quantity"), max_digits=12, decimal_places=3, null=True, blank=True, editable=False
    )
    shipped_quantity = models.DecimalField(_("shipped"), max_digits=12, decimal_places=3, default=0, editable=False)

    objects = OrderChildQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(shipped_quantity__lte=F("quantity")), name="not_shipped_more_than_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    def compute_amount(self) -> Decimal:
        self.amount = (self.unit_price * self.quantity).quantize(Decimal("0.01"))
        return self.amount

    @property
    def open_quantity(self) -> Decimal:
        return self.quantity - self.shipped_quantity


class OrderEvent(models.Model):
    """Every status change: who, when, from what to what, and why (the order's timeline)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Order.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Order.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    objects = OrderChildQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.order} {self.from_status}→{self.to_status}"


class Milestone(models.Model):
    class Kind(models.TextChoices):
        MATERIALS_ORDERED = "materials_ordered", _("Materials ordered")
        MATERIALS_ARRIVED = "materials_arrived", _("Materials arrived")
        PRODUCTION_STARTED = "production_started", _("Production started")
        QC = "qc", _("Quality check")
        PACKED = "packed", _("Packed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("milestone"), max_length=20, choices=Kind.choices)
    planned_on = models.DateField(_("planned"))
    actual_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = OrderChildQuerySet.as_manager()

    class Meta:
        ordering = ["planned_on", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="one_milestone_of_a_kind_per_order")]
        indexes = [models.Index(fields=["actual_on", "planned_on"])]

    def __str__(self) -> str:
        return f"{self.order} {self.get_kind_display()}"


class QualityCheck(models.Model):
    """The QC checklist of seed 001, filled in before packing."""

    ITEMS = (
        "material_correct", "size_accurate", "style_right", "workmanship_good",
        "colour_right", "nothing_missing", "material_on_time", "schedule_on_time",
    )  # fmt: skip

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="quality_checks")
    checked_on = models.DateField(_("checked on"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    material_correct = models.BooleanField(_("material correct"), default=False)
    size_accurate = models.BooleanField(_("size accurate"), default=False)
    style_right = models.BooleanField(_("style right"), default=False)
    workmanship_good = models.BooleanField(_("workmanship good"), default=False)
    colour_right = models.BooleanField(_("colour right"), default=False)
    nothing_missing = models.BooleanField(_("nothing missing"), default=False)
    material_on_time = models.BooleanField(_("material on time"), default=False)
    schedule_on_time = models.BooleanField(_("schedule on time"), default=False)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    objects = OrderChildQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_on", "-pk"]
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")

    def __str__(self) -> str:
        return f"{self.order} QC {self.checked_on}"

    @property
    def passed(self) -> bool:
        return all(getattr(self, item) for item in self.ITEMS)


class AbnormalOrder(models.Model):
    """异常订单: what went wrong with an order, why, what was done and what it cost."""

    class Kind(models.TextChoices):
        QUALITY = "quality", _("Quality")
        DELIVERY_DELAY = "delivery_delay", _("Delivery delay")
        QUANTITY = "quantity", _("Quantity")
        OTHER = "other", _("Other")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="abnormalities")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    reported_on = models.DateField(_("reported on"), db_index=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cause = models.TextField(_("cause"), max_length=2000)
    action = models.TextField(_("action taken"), max_length=2000, blank=True)
    cost = models.DecimalField(_("cost"), **MONEY, default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=settings.CURRENCIES, default="CNY")
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    objects = OrderChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_on", "-pk"]
        verbose_name = _("abnormal order")
        verbose_name_plural = _("abnormal orders")

    def __str__(self) -> str:
        return f"{self.order} {self.get_kind_display()}"


class Shipment(models.Model):
    """Goods leaving against an order. Double review (双人复核): prepared by one person,
    checked by another; only a checked shipment counts as shipped."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("Prepared, awaiting check")
        CHECKED = "checked", _("Checked")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    number = models.CharField(_("shipment number"), max_length=30, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREPARED)
    shipped_on = models.DateField(_("ship date"))
    carrier = models.CharField(_("carrier"), max_length=100)
    tracking_number = models.CharField(_("tracking / B/L number"), max_length=100, blank=True)
    customs_declaration = models.CharField(_("customs declaration number"), max_length=100, blank=True)
    lc_reference = models.CharField(_("L/C reference"), max_length=100, blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = OrderChildQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-shipped_on", "-pk"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        # The home queue looks for the few shipments still awaiting their check: a partial
        # index stays small, so both databases know it is the selective way in.
        indexes = [
            models.Index(fields=["prepared_at"], condition=Q(status="prepared"), name="shipment_awaiting_check"),
            # The list's default order (-shipped_on, -pk) and its month filter: walked backwards,
            # the first page reads 50 entries instead of sorting every shipment.
            models.Index(fields=["shipped_on", "id"], name="shipment_shipped_on"),
        ]
        constraints = [
            # The database refuses a checker who is the preparer, whatever code path writes it.
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True) | ~Q(checked_by=F("prepared_by")), name="checker_is_not_preparer"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:shipment-detail", args=[self.pk])


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [models.UniqueConstraint(fields=["shipment", "order_line"], name="one_line_per_order_line")]

    def __str__(self) -> str:
        return f"{self.order_line} × {self.quantity}"
