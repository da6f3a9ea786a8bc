from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Company, CompanyAssignment


class AssignmentInline(admin.TabularInline):
    model = CompanyAssignment
    fk_name = "company"
    extra = 0
    autocomplete_fields = ["assistant"]
    readonly_fields = ["assigned_by", "assigned_at"]


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "short_name", "kind", "grade", "owner"]
    list_filter = ["kind", "grade"]
    list_select_related = ["owner"]
    search_fields = ["code", "name", "name_en", "short_name"]
    autocomplete_fields = ["owner"]
    inlines = [AssignmentInline]
