import json
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.models import User

from . import services
from .catalogue_io import (
    CatalogueImportError,
    catalogue_export,
    catalogue_export_csv,
    catalogue_import,
    catalogue_read_json,
)
from .models import FeeItem, InterAgencyStep, Procedure, ProcedureVersion, RequiredDocument, Sector


def staff_actor(request: HttpRequest) -> User:
    """The admin only lets authenticated staff in."""
    return cast(User, request.user)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "position"]
    list_editable = ["position"]
    search_fields = ["code", "name"]


class RequiredDocumentInline(admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ["position", "name", "copies", "form", "is_required", "template_file"]


class FeeItemInline(admin.TabularInline):
    model = FeeItem
    extra = 0
    fields = ["position", "name", "kind", "amount", "exemptions"]


class InterAgencyStepInline(admin.TabularInline):
    model = InterAgencyStep
    extra = 0
    fields = ["position", "agency", "description", "working_days"]
    autocomplete_fields = ["agency"]


class ProcedureVersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    fields = ["number", "published_at", "published_by", "public_page"]
    readonly_fields = ["number", "published_at", "published_by", "public_page"]
    can_delete = False
    show_change_link = False
    ordering = ["-number"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("public page"))
    def public_page(self, version: ProcedureVersion) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            version.get_absolute_url(),
            _("open"),
        )


class CatalogueUploadForm(forms.Form):
    MAX_SIZE = 10 * 1024 * 1024

    file = forms.FileField(
        label=_("Catalogue file (JSON)"),
        help_text=_(
            "A file exported from this portal, or catalogue data from the national database. "
            "Procedures are matched by code; nothing is imported if any record is wrong."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, save nothing"), required=False, initial=False
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_SIZE:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


# The first errors are enough to fix a file; a list of hundreds helps nobody.
MAX_ERRORS_SHOWN = 20


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sector", "agency", "level", "is_published", "version_number"]
    list_filter = ["is_published", "level", "sector", "agency__level", "agency"]
    search_fields = ["code", "name", "search_text"]
    autocomplete_fields = ["sector", "agency", "department"]
    readonly_fields = ["is_published", "current_version", "created_at", "updated_at"]
    list_select_related = ["sector", "agency", "current_version"]
    inlines = [
        RequiredDocumentInline,
        FeeItemInline,
        InterAgencyStepInline,
        ProcedureVersionInline,
    ]
    actions = ["publish", "unpublish", "export_json", "export_csv"]
    change_list_template = "admin/procedures/procedure/change_list.html"
    fieldsets = [
        (None, {"fields": ["code", "name", "sector", "agency", "department", "level"]}),
        (
            _("Processing time"),
            {
                "fields": [
                    "processing_time",
                    "processing_unit",
                    "processing_time_online",
                    "same_day_cutoff",
                    "processing_note",
                ]
            },
        ),
        (
            _("Submission and result"),
            {
                "fields": [
                    "submission_channels",
                    "return_methods",
                    "result",
                    "requires_leader_approval",
                ]
            },
        ),
        (_("Fees"), {"fields": ["fee_due", "online_payment_allowed", "fee_note"]}),
        (_("Legal basis"), {"fields": ["legal_bases", "decision", "source_url"]}),
        (
            _("Publication"),
            {"fields": ["is_published", "current_version", "created_at", "updated_at"]},
        ),
    ]

    @admin.display(description=_("version"), ordering="current_version__number")
    def version_number(self, procedure: Procedure) -> int | None:
        return procedure.current_version.number if procedure.current_version else None

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        # Documents and fees are saved by now: freeze the edit as a new version if published.
        version = services.procedure_record_edit(
            procedure=form.instance, actor=staff_actor(request)
        )
        if version is not None:
            self.message_user(
                request,
                _("The change is published as version %(number)s; earlier versions stay readable.")
                % {"number": version.number},
                messages.SUCCESS,
            )

    @admin.action(description=_("Publish the selected procedures"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Procedure]) -> None:
        for procedure in queryset:
            services.procedure_publish(procedure=procedure, actor=staff_actor(request))
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d procedure published.", "%(count)d procedures published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish the selected procedures"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Procedure]) -> None:
        for procedure in queryset:
            services.procedure_unpublish(procedure=procedure, actor=staff_actor(request))
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d procedure unpublished.", "%(count)d procedures unpublished.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Export selected as JSON"), permissions=["view"])
    def export_json(self, request: HttpRequest, queryset: QuerySet[Procedure]) -> HttpResponse:
        response = HttpResponse(
            json.dumps(catalogue_export(queryset), ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{_export_name("json")}"'
        return response

    @admin.action(description=_("Export selected as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Procedure]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # so that Excel reads the Vietnamese text as UTF-8
        catalogue_export_csv(queryset, response)
        response["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
        return response

    # --- Import page ---------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="procedures_procedure_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CatalogueUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                data = catalogue_read_json(form.cleaned_data["file"])
                report = catalogue_import(
                    data=data,
                    actor=request.user if isinstance(request.user, User) else None,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except CatalogueImportError as error:
                messages.error(
                    request,
                    ngettext(
                        "Nothing was imported: the file has %(count)d problem.",
                        "Nothing was imported: the file has %(count)d problems.",
                        len(error.errors),
                    )
                    % {"count": len(error.errors)},
                )
                for message in error.errors[:MAX_ERRORS_SHOWN]:
                    messages.error(request, message)
                if len(error.errors) > MAX_ERRORS_SHOWN:
                    messages.error(
                        request,
                        _("… and %(count)d more.")
                        % {"count": len(error.errors) - MAX_ERRORS_SHOWN},
                    )
            else:
                messages.success(request, report.summary())
                if not report.dry_run:
                    return redirect("admin:procedures_procedure_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import catalogue"),
            "form": form,
            "changelist_url": reverse("admin:procedures_procedure_changelist"),
        }
        return TemplateResponse(request, "admin/procedures/procedure/import.html", context)


def _export_name(extension: str) -> str:
    return f"thu-tuc-{timezone.localtime():%Y%m%d-%H%M}.{extension}"
