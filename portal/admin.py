from typing import Any, cast

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin as BaseHistoryAdmin

from .admin_site import ReadOnlyAdmin
from .models import Agency, CalendarOverride, Department, ExternalIdentity, Notification, User
from .notifications.rendering import template_label
from .params import ascii_int
from .roles import Role


class SimpleHistoryAdmin(BaseHistoryAdmin):
    """simple_history's admin, answering 404 (not 500) to ids that are not numbers."""

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if (
            ascii_int(object_id, max_digits=18) is None
            or ascii_int(version_id, max_digits=18) is None
        ):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        if ascii_int(object_id, max_digits=18) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)


def role_label(group: Group) -> str:
    """A role group by its name in words ("Desk officer"), not its code ("desk_officer")."""
    return str(Role(group.name).label) if group.name in Role.values else group.name


PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """The stored names are English ("Can add TOTP device"): say them from the model's names."""
    model = permission.content_type.model_class()
    action, _sep, _rest = permission.codename.partition("_")
    if model is None or action not in PERMISSION_ACTIONS:
        return str(permission)
    meta = model._meta
    app = apps.get_app_config(meta.app_label).verbose_name
    what = PERMISSION_ACTIONS[action] % {"model": meta.verbose_name}
    return f"{app} | {meta.verbose_name} | {what}"


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "vai_tro"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(value), str(label)) for value, label in Role.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() in Role.values:
            return queryset.filter(groups__name=self.value())
        return queryset


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(DjangoGroupAdmin):
    list_display = ["role"]

    @admin.display(description=_("role"), ordering="name")
    def role(self, group: Group) -> str:
        return role_label(group)

    def action_checkbox(self, obj: Group) -> SafeString:
        # The checkbox is read out as "Select … - Desk officer", not the group's code.
        return super().action_checkbox(cast(Group, _NamedAs(obj.pk, role_label(obj))))


class _NamedAs:
    def __init__(self, pk: int, name: str) -> None:
        self.pk, self.name = pk, name

    def __str__(self) -> str:
        return self.name


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ["code", "name", "is_one_stop_desk", "is_active"]


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "parent", "successor", "hotline", "is_active"]
    list_filter = ["level", "is_active", "succession_kind"]
    list_select_related = ["parent", "successor"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent", "successor"]
    inlines = [DepartmentInline]
    actions = ["move_catalogue"]
    readonly_fields = ["catalogue_moved_at", "catalogue_moved_by"]
    fieldsets = [
        (None, {"fields": ["code", "name", "short_name", "level", "parent", "is_active"]}),
        (
            _("Succession"),
            {
                "fields": [
                    "successor",
                    "succession_kind",
                    "succession_effective_on",
                    "catalogue_moved_at",
                    "catalogue_moved_by",
                ]
            },
        ),
        (_("Contact"), {"fields": ["address", "phone", "hotline", "email"]}),
        (
            _("Account for fees"),
            {"fields": ["bank_name", "bank_account_number", "bank_account_name"]},
        ),
    ]

    @admin.action(description=_("Move the catalogue to the successor (with a preview)"))
    def move_catalogue(
        self, request: HttpRequest, queryset: QuerySet[Agency]
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(
                request, _("Choose one agency whose catalogue should move."), messages.ERROR
            )
            return None
        agency = queryset.get()
        return redirect("admin:procedures_procedure_move", agency_pk=agency.pk)


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "agency", "is_one_stop_desk", "is_active"]
    list_filter = ["is_one_stop_desk", "is_active", "agency__level"]
    search_fields = ["code", "name", "agency__name", "agency__code"]
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = [
        "username",
        "full_name",
        "national_id",
        "email",
        "phone",
        "agency",
        "roles",
        "is_active",
    ]
    list_filter = ["is_staff", "is_active", RoleFilter, "agency"]
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, user: User) -> str:
        return ", ".join(role_label(group) for group in user.groups.all())

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.label = _("roles")
            field.label_from_instance = role_label  # type: ignore[method-assign,assignment]
        if db_field.name == "user_permissions" and field is not None:
            field.label_from_instance = permission_label  # type: ignore[method-assign,assignment]
        return field


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(SimpleHistoryAdmin):
    list_display = ["date", "kind", "description"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["description"]


class NotificationTemplateFilter(admin.SimpleListFilter):
    """The outbox by kind of message, named in words rather than by template file."""

    title = _("message")
    parameter_name = "template"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        used = Notification.objects.order_by().values_list("template", flat=True).distinct()
        return sorted(((name, template_label(name)) for name in used), key=lambda item: item[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(template=value) if value else queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only; failed messages can be sent again ("Resend")."""

    list_display = [
        "created_at",
        "channel",
        "recipient",
        "message",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", NotificationTemplateFilter]
    search_fields = ["recipient", "dedupe_key"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    actions = ["resend"]

    @admin.display(description=_("message"), ordering="template")
    def message(self, notification: Notification) -> str:
        return template_label(notification.template)

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


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ReadOnlyAdmin):
    """The accounts' VNeID links, read-only: they are made by signing in through the provider
    (portal.sso), never typed in here."""

    list_display = ["user", "issuer", "subject", "linked_at", "last_sign_in_at"]
    search_fields = [
        "user__full_name",
        "user__national_id",
        "user__username",
        "user__email",
        "subject",
        "issuer",
    ]
    list_filter = ["issuer"]
    date_hierarchy = "linked_at"
    list_select_related = ["user"]
    readonly_fields = [field.name for field in ExternalIdentity._meta.fields]


# django-otp's device admin answers 500 to the QR-code pages of a device that does not exist
# (TOTPDevice.objects.get): answer 404 like every other admin page.
from django.shortcuts import get_object_or_404  # noqa: E402
from django_otp.plugins.otp_totp.admin import (  # noqa: E402
    TOTPDeviceAdmin as BaseTOTPDeviceAdmin,
)
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402


class TOTPDeviceAdmin(BaseTOTPDeviceAdmin):
    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_object_or_404(TOTPDevice, pk=pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        get_object_or_404(TOTPDevice, pk=pk)
        return super().qrcode_view(request, pk)


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, TOTPDeviceAdmin)
