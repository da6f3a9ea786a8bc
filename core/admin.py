from django.contrib import admin

from .models import Export, JobRun, Notice


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


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "status", "rows_done", "rows_total", "created_at", "finished_at"]
    list_filter = ["status", "view_name"]
    readonly_fields = [f.name for f in Export._meta.fields]
