from django.contrib import admin

from .models import Opportunity, WeeklyReport, WeeklyReportEvent


class OpportunityInline(admin.TabularInline):
    model = Opportunity
    extra = 0
    raw_id_fields = ["customer"]


class EventInline(admin.TabularInline):
    model = WeeklyReportEvent
    extra = 0
    readonly_fields = ["action", "actor", "at", "comment"]
    can_delete = False


@admin.register(WeeklyReport)
class WeeklyReportAdmin(admin.ModelAdmin):
    list_display = ["salesperson", "week", "status", "is_late", "submitted_at"]
    list_filter = ["status", "is_late", "week"]
    search_fields = ["salesperson__username", "salesperson__display_name"]
    raw_id_fields = ["salesperson", "submitted_by", "created_by"]
    inlines = [OpportunityInline, EventInline]
