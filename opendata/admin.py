"""IT staff issue and revoke partner API keys here; the key itself is shown once, on issue."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import keys
from .models import OpenDataFile, PartnerKey


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "rate_limit", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "contact_email")
    fields = (
        "name",
        "agency",
        "contact_email",
        "rate_limit",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def save_model(self, request: HttpRequest, obj: PartnerKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        issued = keys.partner_key_issue(
            name=obj.name,
            agency=obj.agency,
            contact_email=obj.contact_email,
            rate_limit=obj.rate_limit,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = issued.key.pk
        obj.prefix, obj.digest = issued.key.prefix, issued.key.digest
        obj._state.adding = False
        messages.warning(
            request,
            _(
                "The key for %(name)s is %(key)s. Copy it now and give it to the partner: it "
                "is not stored and cannot be shown again."
            )
            % {"name": obj.name, "key": issued.raw_key},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row says who had a key and when

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[PartnerKey]) -> None:
        for key in queryset:
            keys.partner_key_revoke(key_id=key.pk, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("%(count)d keys revoked.") % {"count": queryset.count()})


@admin.register(OpenDataFile)
class OpenDataFileAdmin(admin.ModelAdmin):
    list_display = ("name", "content_type", "generated_at")
    fields = ("name", "content_type", "generated_at", "etag")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
