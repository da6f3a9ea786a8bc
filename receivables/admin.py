from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    DunningPause,
    DunningPolicy,
    EmailTemplate,
    ExchangeRate,
    Invoice,
    Payment,
    PromiseToPay,
    Reminder,
    ReminderEmail,
)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "valid_from", "rate"]
    list_filter = ["currency"]


@admin.register(DunningPolicy)
class DunningPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "window_days", "weekdays", "escalation_days", "country", "customer_reminders"]

    def has_add_permission(self, request) -> bool:
        return not DunningPolicy.objects.exists()  # one policy for the company


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "language", "subject"]
    list_filter = ["kind", "language"]


@admin.register(ReminderEmail)
class ReminderEmailAdmin(admin.ModelAdmin):
    list_display = ["day", "email", "kind", "status", "attempts", "sent_at", "short_error"]
    list_filter = ["status", "kind", "day"]
    search_fields = ["email", "recipient_key"]
    date_hierarchy = "day"
    readonly_fields = [f.name for f in ReminderEmail._meta.fields] + ["reminders"]
    actions = ["retry"]

    @admin.display(description=_("last error"))
    def short_error(self, obj) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Send again now (failed or pending only)"))
    def retry(self, request, queryset):
        from .jobs import send_reminder_email

        sent = 0
        for pk in queryset.exclude(status=ReminderEmail.Status.SENT).values_list("pk", flat=True):
            try:
                sent += send_reminder_email(pk)
            except Exception as error:  # shown on the row as last_error
                self.message_user(request, repr(error)[:200], level="error")
        self.message_user(request, _("%(count)d email(s) sent.") % {"count": sent})


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["day", "instalment", "step", "days_overdue", "open_amount", "status"]
    list_filter = ["status", "step", "day"]
    raw_id_fields = ["instalment"]
    list_select_related = ["instalment__invoice"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "salesperson", "invoice_date", "total", "currency", "status"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "customer__name", "customer__code"]
    raw_id_fields = ["order", "shipment", "customer", "salesperson", "maker", "checker"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "received_on", "amount", "currency", "status"]
    list_filter = ["status", "currency", "method"]
    search_fields = ["number", "bank_reference", "customer__name"]
    raw_id_fields = ["customer", "salesperson", "recorded_by", "confirmed_by", "reversed_by"]


admin.site.register(
    PromiseToPay, raw_id_fields=["invoice", "recorded_by"], list_display=["invoice", "promised_on", "amount"]
)
admin.site.register(
    DunningPause,
    raw_id_fields=["customer", "paused_by", "resumed_by"],
    list_display=["customer", "reason", "paused_at", "resumed_at"],
)
