from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Team, User


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "manager"]
    list_select_related = ["manager"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "display_name", "role", "team", "is_gm", "is_finance", "is_active"]
    list_filter = ["role", "team", "is_gm", "is_finance", "is_active"]
    list_select_related = ["team"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email"]
    filter_horizontal = ["serves", "groups", "user_permissions"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            _("Backdesk"),
            {"fields": ["display_name", "phone", "language", "role", "team", "is_gm", "is_finance", "serves"]},
        ),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Backdesk"), {"fields": ["display_name", "email", "role", "team", "is_finance"]}),
    ]
