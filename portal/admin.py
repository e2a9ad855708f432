from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, CalendarOverride, Department, User


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
