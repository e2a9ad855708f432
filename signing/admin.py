from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import keys
from .errors import SigningError
from .models import AgencyCertificate, SignedDocument

EXPIRY_WARNING = timedelta(days=30)


def _key(agency: AgencyCertificate) -> keys.SigningKey | None:
    try:
        return keys.own_key(agency)
    except (SigningError, OSError, ValueError):
        return None


@admin.register(AgencyCertificate)
class AgencyCertificateAdmin(admin.ModelAdmin):
    """Each agency's certificate as read from the key folder (the files are the truth)."""

    list_display = ("name", "code", "subject", "serial", "expires", "status")
    search_fields = ("name", "code")
    fields = ("name", "code", "subject", "serial", "expires", "status")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("certificate subject"))
    def subject(self, agency: AgencyCertificate) -> str:
        key = _key(agency)
        return key.subject if key else "—"

    @admin.display(description=_("certificate serial"))
    def serial(self, agency: AgencyCertificate) -> str:
        key = _key(agency)
        return key.serial if key else "—"

    @admin.display(description=_("valid until"))
    def expires(self, agency: AgencyCertificate) -> str:
        key = _key(agency)
        return f"{timezone.localtime(key.not_after):%d/%m/%Y}" if key else "—"

    @admin.display(description=_("status"))
    def status(self, agency: AgencyCertificate) -> str:
        key = _key(agency)
        if key is None:
            return gettext("No certificate: signs with the portal's key")
        now = timezone.now()
        if key.not_after < now:
            return gettext("Expired")
        if key.not_after - now <= EXPIRY_WARNING:
            return gettext("Expires within 30 days")
        return gettext("Valid")

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        now = timezone.now()
        for agency in AgencyCertificate.objects.exclude(code="").order_by("name"):
            key = _key(agency)
            if key is not None and key.not_after - now <= EXPIRY_WARNING:
                messages.warning(
                    request,
                    gettext("The signing certificate of %(agency)s expires on %(date)s.")
                    % {
                        "agency": agency.name,
                        "date": f"{timezone.localtime(key.not_after):%d/%m/%Y}",
                    },
                )
        return super().changelist_view(request, extra_context)


@admin.register(SignedDocument)
class SignedDocumentAdmin(admin.ModelAdmin):
    list_display = ("created_at", "dossier_code", "kind", "agency", "status", "signed_at")
    list_filter = ("kind", "status")
    search_fields = ("=dossier_code", "=token", "=sha256")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
