from django.contrib import admin

from .models import Booking, DeskCapacity


@admin.register(DeskCapacity)
class DeskCapacityAdmin(admin.ModelAdmin):
    list_display = ("agency", "per_slot", "updated_by", "updated_at")
    autocomplete_fields = ("agency",)
    readonly_fields = ("updated_by", "updated_at")


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "procedure", "slot", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("code", "name", "national_id", "phone")
    raw_id_fields = ("slot", "procedure", "citizen", "dossier")
    readonly_fields = ("created_at", "cancelled_at")
