from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import SampleEvent, SampleItem, SampleLine, SampleLoan, SamplePolicy, SampleRequest


@admin.register(SamplePolicy)
class SamplePolicyAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "new_free_max_pieces", "new_free_max_value", "currency", "new_courier_fee",
                    "existing_courier_fee", "feedback_after_days"]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return not SamplePolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SampleLineInline(admin.TabularInline):
    model = SampleLine
    extra = 0
    raw_id_fields = ["product"]


class SampleEventInline(admin.TabularInline):
    model = SampleEvent
    extra = 0
    readonly_fields = ["kind", "from_status", "to_status", "actor", "at", "comment"]
    can_delete = False


@admin.register(SampleRequest)
class SampleRequestAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "salesperson", "status", "charge", "courier", "tracking_number", "sent_on"]
    list_filter = ["status", "charge", "courier_fee"]
    search_fields = ["number", "customer__code", "customer__name", "tracking_number"]
    raw_id_fields = ["salesperson", "customer", "maker", "order"]
    inlines = [SampleLineInline, SampleEventInline]


@admin.register(SampleItem)
class SampleItemAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "serial_number", "location", "active"]
    search_fields = ["code", "name", "serial_number"]
    raw_id_fields = ["product"]


@admin.register(SampleLoan)
class SampleLoanAdmin(SimpleHistoryAdmin):
    list_display = ["item", "salesperson", "customer", "borrower", "lent_on", "due_back", "returned_on"]
    raw_id_fields = ["item", "salesperson", "customer", "lent_by", "returned_to"]
