"""Reports in the IT staff's admin: the list, with the report pages for preparing and reading."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Report


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
