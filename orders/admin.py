"""Admin: the product catalogue is managed here; quotations, orders, shipments and abnormal
orders are shown read-only (they change through the services, which keep totals, the status
flow and the double review consistent)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import AbnormalOrder, Order, OrderLine, Product, Quotation, QuotationLine, Shipment, ShipmentLine


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["sku", "name", "name_en", "unit", "list_price", "currency", "active"]
    list_display_links = ["sku", "name"]
    list_filter = ["active", "unit", "currency"]
    search_fields = ["sku", "name", "name_en", "specification"]
    list_editable = ["active"]
    list_per_page = 100
    fieldsets = [
        (None, {"fields": ["sku", ("name", "name_en"), "specification"]}),
        (_("Price"), {"fields": [("unit", "list_price", "currency"), "active"]}),
    ]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """View-only: changes go through the services (and their audit history)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuotationLineInline(ReadOnlyInline):
    model = QuotationLine
    fields = ["product", "description", "quantity", "unit_price", "discount_percent", "amount"]
    readonly_fields = fields


@admin.register(Quotation)
class QuotationAdmin(ReadOnlyAdmin):
    list_display = ["number", "version", "customer", "salesperson", "status", "currency", "total", "created_at"]
    list_filter = ["status", "currency"]
    list_select_related = ["customer", "salesperson"]
    search_fields = ["number", "customer__code", "customer__name", "customer__name_en"]
    date_hierarchy = "created_at"
    inlines = [QuotationLineInline]


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["product", "description", "quantity", "unit_price", "amount", "reference_price", "shipped_quantity"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer_po", "customer", "salesperson", "status", "currency", "total", "received_on"]
    list_filter = ["status", "currency"]
    list_select_related = ["customer", "salesperson"]
    search_fields = ["number", "customer_po", "customer__code", "customer__name", "customer__name_en"]
    date_hierarchy = "received_on"
    inlines = [OrderLineInline]


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ["order_line", "quantity"]
    readonly_fields = fields


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "order",
        "status",
        "shipped_on",
        "carrier",
        "tracking_number",
        "prepared_by",
        "checked_by",
    ]
    list_filter = ["status", "carrier"]
    list_select_related = ["order", "prepared_by", "checked_by"]
    search_fields = ["number", "order__number", "tracking_number", "customs_declaration", "lc_reference"]
    date_hierarchy = "shipped_on"
    inlines = [ShipmentLineInline]


@admin.register(AbnormalOrder)
class AbnormalOrderAdmin(ReadOnlyAdmin):
    list_display = ["order", "kind", "reported_on", "reported_by", "cost", "currency", "resolved_on"]
    list_filter = ["kind", "currency"]
    list_select_related = ["order", "reported_by"]
    search_fields = ["order__number", "cause", "action"]
    date_hierarchy = "reported_on"
