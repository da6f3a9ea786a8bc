from django.contrib import admin

from .models import Advance, AdvanceEvent, AdvanceSettlement, Budget, Claim, ClaimEvent, ClaimLine


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["year", "salesperson", "team", "category", "amount", "currency"]
    list_filter = ["year", "team", "category", "currency"]
    search_fields = ["salesperson__username", "salesperson__display_name", "team__name"]
    autocomplete_fields = ["salesperson"]


class ClaimLineInline(admin.TabularInline):
    model = ClaimLine
    extra = 0
    fields = ["date", "category", "amount", "currency", "receipt_number", "receipt_issuer", "customer"]
    readonly_fields = fields
    can_delete = False


class ClaimEventInline(admin.TabularInline):
    model = ClaimEvent
    extra = 0
    fields = ["at", "actor", "action", "from_status", "to_status", "comment"]
    readonly_fields = fields
    can_delete = False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the pages (and their services), not the admin."""

    list_display = ["number", "claimant", "kind", "status", "submitted_at", "approved_at", "paid_at"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "claimant__username", "claimant__display_name", "purpose"]
    readonly_fields = ["number", "claimant", "created_by", "status", "trip"]
    inlines = [ClaimLineInline, ClaimEventInline]

    def has_add_permission(self, request):
        return False


class SettlementInline(admin.TabularInline):
    model = AdvanceSettlement
    extra = 0
    readonly_fields = ["kind", "claim", "amount", "currency", "actor", "at", "comment"]
    can_delete = False


class AdvanceEventInline(admin.TabularInline):
    model = AdvanceEvent
    extra = 0
    fields = ["at", "actor", "action", "from_status", "to_status", "comment"]
    readonly_fields = fields
    can_delete = False


@admin.register(Advance)
class AdvanceAdmin(admin.ModelAdmin):
    list_display = ["number", "person", "amount", "currency", "settled_amount", "status"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "person__username", "person__display_name"]
    readonly_fields = ["number", "person", "created_by", "amount", "currency", "status", "settled_amount", "trip"]
    inlines = [SettlementInline, AdvanceEventInline]

    def has_add_permission(self, request):
        return False
