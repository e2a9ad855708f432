import json
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.models import Agency, User

from . import services
from .catalogue_io import catalogue_export, catalogue_export_csv
from .catalogue_move import CatalogueMoveError, catalogue_move_preview, catalogue_move_to_successor
from .models import (
    CatalogueImport,
    FeeItem,
    InterAgencyStep,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    Sector,
)


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
    fields = [
        "position",
        "name",
        "copies",
        "form",
        "is_required",
        "must_be_signed",
        "template_file",
    ]


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
                    "filed_regardless_of_boundary",
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
            path(
                "import/<str:pk>/",
                self.admin_site.admin_view(self.import_progress_view),
                name="procedures_procedure_import_progress",
            ),
            path(
                "move-from/<str:agency_pk>/",
                self.admin_site.admin_view(self.move_view),
                name="procedures_procedure_move",
            ),
            *super().get_urls(),
        ]

    def move_view(self, request: HttpRequest, agency_pk: str) -> HttpResponse:
        """Preview, then move, an agency's catalogue to its successor."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if not (agency_pk.isascii() and agency_pk.isdigit()):
            raise Http404
        agency = get_object_or_404(Agency, pk=int(agency_pk))
        agency_list = reverse("admin:portal_agency_changelist")
        try:
            preview = catalogue_move_preview(agency=agency)
        except CatalogueMoveError as err:
            self.message_user(request, err.message, messages.ERROR)
            return redirect(agency_list)
        if request.method == "POST":
            try:
                moved = catalogue_move_to_successor(agency_id=agency.pk, actor=staff_actor(request))
            except CatalogueMoveError as err:
                self.message_user(request, err.message, messages.ERROR)
                return redirect(agency_list)
            self.message_user(
                request,
                ngettext(
                    "%(count)d procedure moved from %(old)s to %(new)s.",
                    "%(count)d procedures moved from %(old)s to %(new)s.",
                    moved,
                )
                % {"count": moved, "old": preview.source.name, "new": preview.target.name},
                messages.SUCCESS,
            )
            return redirect(agency_list)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Move the catalogue to the successor"),
            "preview": preview,
            "changelist_url": reverse("admin:procedures_procedure_changelist"),
            "agency_list_url": agency_list,
        }
        return TemplateResponse(request, "admin/procedures/procedure/move.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CatalogueUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            # Only kept and queued here: a worker imports it (procedures/tasks.py).
            job = services.catalogue_import_request(
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
                actor=staff_actor(request),
                language=translation.get_language() or "vi",
            )
            return redirect("admin:procedures_procedure_import_progress", pk=job.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import catalogue"),
            "form": form,
            "changelist_url": reverse("admin:procedures_procedure_changelist"),
            "recent": CatalogueImport.objects.filter(requested_by=staff_actor(request))[:10],
        }
        return TemplateResponse(request, "admin/procedures/procedure/import.html", context)

    def import_progress_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        user = staff_actor(request)
        jobs = CatalogueImport.objects.all()
        if not user.is_superuser:  # each IT officer follows their own uploads
            jobs = jobs.filter(requested_by=user)
        job = get_object_or_404(jobs, pk=int(pk)) if pk.isascii() and pk.isdigit() else None
        if job is None:
            raise Http404
        progress = services.catalogue_import_progress(job)
        total, done = progress["total"], progress["done"]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import catalogue"),
            "job": job,
            "progress": progress,
            "percent": int(done * 100 / total) if total else (100 if job.is_finished else 0),
            "problems": job.errors,
            "refused_message": ngettext(
                "Nothing was imported: the file has %(count)d problem.",
                "Nothing was imported: the file has %(count)d problems.",
                len(job.errors),
            )
            % {"count": len(job.errors)},
            "refresh_seconds": 2,
            "import_url": reverse("admin:procedures_procedure_import"),
            "changelist_url": reverse("admin:procedures_procedure_changelist"),
        }
        response = TemplateResponse(
            request, "admin/procedures/procedure/import_progress.html", context
        )
        response["Cache-Control"] = "private, no-store"
        return response


def _export_name(extension: str) -> str:
    return f"thu-tuc-{timezone.localtime():%Y%m%d-%H%M}.{extension}"
