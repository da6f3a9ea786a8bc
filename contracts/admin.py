"""Admin: the approval policy is set here (a singleton); contracts are shown read-only, since
they change through the services, which keep the workflow, the timeline and the emails."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Amendment, ApprovalPolicy, Contract, ContractEvent, ContractLine, CurrencyThreshold


class CurrencyThresholdInline(admin.TabularInline):
    model = CurrencyThreshold
    extra = 0


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "gm_always", "gm_threshold", "updated_at"]
    fields = ["gm_always", "gm_threshold"]
    inlines = [CurrencyThresholdInline]

    def has_add_permission(self, request):
        return not ApprovalPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = ContractLine
    fields = ["product", "description", "quantity", "unit", "unit_price", "amount"]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = ContractEvent
    fields = ["at", "actor", "action", "from_status", "to_status", "comment"]
    readonly_fields = fields


class AmendmentInline(ReadOnlyInline):
    model = Amendment
    fields = ["number", "changes", "reason", "made_by", "made_at"]
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = ["number", "customer", "salesperson", "maker", "status", "currency", "amount", "confidential"]
    list_filter = ["status", "currency", "confidential"]
    list_select_related = ["customer", "salesperson", "maker"]
    search_fields = ["number", "register_number", "customer__code", "customer__name", "customer__name_en"]
    date_hierarchy = "created_at"
    inlines = [LineInline, AmendmentInline, EventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
