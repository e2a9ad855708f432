"""The IT staff's admin of reporting: the reports (with their pages for preparing and reading)
and, read-only, what the national-portal sync did."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin_site import ReadOnlyAdmin
from portal.params import ascii_int

from .models import DossierSyncState, Report, SyncReconciliation, SyncRun
from .sync import DVCQG_STATUS_CODES


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "period_start",
        "period_end",
        "scope_kind",
        "status",
        "progress",
        "created_at",
        "open_link",
    )
    list_filter = ("status", "scope_kind", "automatic")
    search_fields = ("title",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "title",
        "period_label",
        "period_start",
        "period_end",
        "scope_kind",
        "agency",
        "sector",
        "status",
        "progress",
        "error",
        "automatic",
        "requested_by",
        "created_at",
        "finished_at",
        "emailed_at",
        "open_link",
    )
    exclude = ("data",)

    @admin.display(description=_("figures and downloads"))
    def open_link(self, report: Report) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("reports:detail", args=[report.pk]), _("Open")
        )

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponseRedirect:  # type: ignore[override]
        # Reports are prepared from the report page (period, cut-offs and scope, then a worker).
        return redirect("reports:list")

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False  # frozen snapshots


# --- The national-portal sync (reporting/sync.py), read-only ----------------------------------


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "finished_at",
        "status",
        "changed_since",
        "changed_until",
        "examined",
        "sent",
        "acknowledged",
        "unchanged",
        "batches",
        "attempts",
    )
    list_filter = ("status", "started_at")
    search_fields = ("error",)
    date_hierarchy = "started_at"
    readonly_fields = [field.name for field in SyncRun._meta.fields]


class DvcqgStatusFilter(admin.SimpleListFilter):
    """The national portal's status codes, listed from the code (no scan of the table)."""

    title = _("DVCQG status")
    parameter_name = "status_code"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(code), str(code)) for code in DVCQG_STATUS_CODES]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        code = ascii_int(value, max_digits=2)
        return queryset if code is None else queryset.filter(status_code=code)


@admin.register(DossierSyncState)
class DossierSyncStateAdmin(ReadOnlyAdmin):
    """One row per dossier the national portal acknowledged (millions): no filter here reads
    the whole table to build its choices, and the list is ordered by the primary key."""

    list_display = ("dossier_code", "status_code", "version", "acknowledged_at", "run")
    list_filter = (DvcqgStatusFilter,)
    search_fields = ("=dossier__code",)
    search_help_text = _("Dossier code")
    list_select_related = ("dossier", "run")
    ordering = ("-dossier_id",)
    readonly_fields = [field.name for field in DossierSyncState._meta.fields]

    @admin.display(description=_("dossier code"), ordering="dossier__code")
    def dossier_code(self, state: DossierSyncState) -> str:
        return state.dossier.code or ""


@admin.register(SyncReconciliation)
class SyncReconciliationAdmin(ReadOnlyAdmin):
    list_display = ("checked_at", "local_count", "remote_count", "counts_match", "error")
    list_filter = ("checked_at",)
    date_hierarchy = "checked_at"
    readonly_fields = [field.name for field in SyncReconciliation._meta.fields]

    @admin.display(description=_("counts match"), boolean=True)
    def counts_match(self, reconciliation: SyncReconciliation) -> bool:
        return reconciliation.matches
