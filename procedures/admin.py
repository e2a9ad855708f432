from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import FeeItem, InterAgencyStep, Procedure, ProcedureVersion, RequiredDocument, Sector


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
    readonly_fields = fields
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
    actions = ["publish", "unpublish"]
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
        version = services.procedure_record_edit(procedure=form.instance, actor=request.user)
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
            services.procedure_publish(procedure=procedure, actor=request.user)
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
            services.procedure_unpublish(procedure=procedure, actor=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d procedure unpublished.", "%(count)d procedures unpublished.", count)
            % {"count": count},
            messages.SUCCESS,
        )
