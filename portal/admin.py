from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, CalendarOverride, Department, Notification, User


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ["code", "name", "is_one_stop_desk", "is_active"]


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "parent", "hotline", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]
    inlines = [DepartmentInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "short_name", "level", "parent", "is_active"]}),
        (_("Contact"), {"fields": ["address", "phone", "hotline", "email"]}),
        (
            _("Account for fees"),
            {"fields": ["bank_name", "bank_account_number", "bank_account_name"]},
        ),
    ]


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "agency", "is_one_stop_desk", "is_active"]
    list_filter = ["is_one_stop_desk", "is_active", "agency__level"]
    search_fields = ["code", "name", "agency__name", "agency__code"]
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "full_name", "national_id", "email", "phone", "agency", "is_active"]
    list_filter = ["is_staff", "is_active", "groups", "agency"]
    search_fields = ["username", "full_name", "national_id", "email", "phone"]
    autocomplete_fields = ["agency", "department"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Identity"), {"fields": ["full_name", "national_id", "email", "phone", "address"]}),
        (_("Organisation and roles"), {"fields": ["agency", "department", "groups"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "email", "password1", "password2"],
            },
        ),
    ]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SimpleHistoryAdmin):
    list_display = ["date", "kind", "description"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["description"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only; failed messages can be sent again ("Resend")."""

    list_display = [
        "created_at",
        "channel",
        "recipient",
        "template",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "template"]
    search_fields = ["recipient", "dedupe_key"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Resend the selected failed notifications"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        from .notifications.services import notification_resend

        count = notification_resend(notification_ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request,
            _("%(count)d notification(s) queued again; %(skipped)d not failed, left as they were.")
            % {"count": count, "skipped": skipped},
            messages.SUCCESS if count else messages.WARNING,
        )
