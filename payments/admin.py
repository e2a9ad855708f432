from django.contrib import admin

from .models import FeeExemption, Payment, PaymentEvent


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "source", "actor", "from_state", "to_state", "data", "created_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Read-only: payments change only through their services (audited)."""

    list_display = ["dossier", "amount", "method", "state", "receipt_number", "paid_at", "agency"]
    list_filter = ["state", "method", "agency"]
    search_fields = ["dossier__code", "txn_ref", "receipt_number", "reference", "payer_name"]
    inlines = [PaymentEventInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(FeeExemption)
class FeeExemptionAdmin(admin.ModelAdmin):
    list_display = ["dossier", "reason", "recorded_by", "created_at"]
    search_fields = ["dossier__code"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
