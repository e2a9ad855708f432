"""Deadline warnings in the IT staff's admin: what the deadline scan sent, read-only."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin_site import ReadOnlyAdmin

from .models import DeadlineAlert


@admin.register(DeadlineAlert)
class DeadlineAlertAdmin(ReadOnlyAdmin):
    """One row per warning (dossier, threshold, deadline); its messages are in the outbox,
    under the dedupe keys ``deadline:<kind>:<dossier id>:…``."""

    list_display = ("created_at", "dossier_code", "agency", "kind", "deadline", "recipients")
    list_filter = ("kind", "dossier__agency", "created_at")
    search_fields = ("=dossier__code",)
    search_help_text = _("Dossier code")
    list_select_related = ("dossier__agency",)
    # Newest first by the primary key: the table has no index on the time it was written.
    ordering = ("-pk",)
    fields = readonly_fields = ("dossier", "kind", "deadline", "recipients", "created_at")

    @admin.display(description=_("dossier code"), ordering="dossier__code")
    def dossier_code(self, alert: DeadlineAlert) -> str:
        return alert.dossier.code or ""

    @admin.display(description=_("agency"))
    def agency(self, alert: DeadlineAlert) -> str:
        return alert.dossier.agency.name
