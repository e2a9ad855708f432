from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import FeeExemption, Payment, PaymentEvent
from .selectors import open_payment_alerts


class OpenAlertFilter(admin.SimpleListFilter):
    title = _("alert for staff")
    parameter_name = "alert"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("open", _("Needs attention")), ("handled", _("Handled"))]

    def queryset(self, request, queryset: QuerySet[Payment]) -> QuerySet[Payment]:
        if self.value() == "open":
            return queryset.exclude(alert="").filter(alert_handled_at__isnull=True)
        if self.value() == "handled":
            return queryset.filter(~Q(alert=""), alert_handled_at__isnull=False)
        return queryset


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

    list_display = [
        "dossier",
        "amount",
        "method",
        "state",
        "receipt_number",
        "paid_at",
        "agency",
        "needs_attention",
    ]
    list_filter = [OpenAlertFilter, "state", "method", "agency"]
    search_fields = ["dossier__code", "txn_ref", "receipt_number", "reference", "payer_name"]
    inlines = [PaymentEventInline]

    @admin.display(boolean=True, description=_("needs attention"))
    def needs_attention(self, obj: Payment) -> bool:
        return obj.alert_open

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        # Money taken late, debits under review, refunds refused: visible on arrival.
        count = open_payment_alerts().count()
        if count:
            messages.warning(
                request,
                ngettext(
                    "%(count)d payment needs attention (filter: alert for staff).",
                    "%(count)d payments need attention (filter: alert for staff).",
                    count,
                )
                % {"count": count},
            )
        return super().changelist_view(request, extra_context)

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
