from django.contrib import admin

from .models import Feedback, FeedbackEvent, Rating


class FeedbackEventInline(admin.TabularInline):
    model = FeedbackEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "from_state", "to_state", "note", "data", "created_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Read-only for IT staff: the workflow runs on the staff pages, with its audit trail."""

    list_display = ["code", "subject", "agency", "channel", "state", "received_at", "due_at"]
    list_filter = ["state", "channel", "agency"]
    search_fields = ["code", "subject"]
    inlines = [FeedbackEventInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["dossier", "agency", "stars", "created_at"]
    list_filter = ["agency", "stars"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
