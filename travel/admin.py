from django.contrib import admin

from .models import Booking, CheckIn, Trip, TripCustomer, TripEvent, TripLeg, Visit


class LegInline(admin.TabularInline):
    model = TripLeg
    extra = 0


class StopInline(admin.TabularInline):
    model = TripCustomer
    extra = 0
    raw_id_fields = ("customer",)


class BookingInline(admin.TabularInline):
    model = Booking
    extra = 0
    raw_id_fields = ("booked_by",)


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = ("number", "traveller", "destination", "start_on", "end_on", "status", "est_total", "currency")
    list_filter = ("status",)
    search_fields = ("number", "destination", "purpose")
    raw_id_fields = ("traveller", "created_by")
    inlines = [LegInline, StopInline, BookingInline]


@admin.register(TripEvent)
class TripEventAdmin(admin.ModelAdmin):
    list_display = ("trip", "action", "actor", "at")
    raw_id_fields = ("trip", "actor")


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("trip", "day", "location", "by")
    raw_id_fields = ("trip", "by")


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("customer", "visitors", "arrives_at", "hotel")
    raw_id_fields = ("customer", "created_by")
    filter_horizontal = ("attendees",)
