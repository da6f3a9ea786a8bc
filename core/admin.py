from django.contrib import admin

from .models import JobRun, Notice


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "via", "status", "started_at", "finished_at"]
    list_filter = ["job", "status", "via"]
    readonly_fields = [f.name for f in JobRun._meta.fields]
    date_hierarchy = "started_at"


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["key", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["key", "subject", "recipients"]
    readonly_fields = [f.name for f in Notice._meta.fields]
