from django.contrib import admin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ["job", "via", "status", "started_at", "finished_at"]
    list_filter = ["job", "status", "via"]
    readonly_fields = [f.name for f in JobRun._meta.fields]
    date_hierarchy = "started_at"
