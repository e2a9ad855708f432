from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal.client_address import client_address

from . import services
from .models import DataRequest, SharingRecord


class AnswerOverdueFilter(admin.SimpleListFilter):
    title = _("answer time")
    parameter_name = "qua-han"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("1", _("Past the answer time, not answered"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[DataRequest]) -> Any:
        if self.value() == "1":
            return queryset & services.requests_overdue()
        return queryset


class DataRequestAdminForm(forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = ["status", "answer"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors = services.update_errors(
            status=data.get("status") or "", answer=data.get("answer") or ""
        )
        for name, message in errors.items():
            self.add_error(name, message)
        return data


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    form = DataRequestAdminForm
    list_display = ["created_at", "subject", "kind", "status", "answer_due_at", "answered_at"]
    list_filter = [AnswerOverdueFilter, "kind", "status"]
    search_fields = ["subject__full_name", "subject__national_id", "field"]
    readonly_fields = [
        "subject",
        "kind",
        "field",
        "details",
        "answer_due_at",
        "complete_due_at",
        "answered_at",
        "handled_by",
        "created_at",
    ]
    fields = [
        "subject",
        "kind",
        "field",
        "details",
        "created_at",
        "answer_due_at",
        "complete_due_at",
        "status",
        "answer",
        "answered_at",
        "handled_by",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DataRequest]:
        return super().get_queryset(request).select_related("subject")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: DataRequest, form: Any, change: bool) -> None:
        services.data_request_update(
            request=obj,
            status=obj.status,
            answer=obj.answer,
            actor=request.user,  # type: ignore[arg-type]
            ip=client_address(request),
        )


@admin.register(SharingRecord)
class SharingRecordAdmin(admin.ModelAdmin):
    list_display = ["dossier", "recipient", "basis", "recorded_at"]
    list_filter = ["recipient", "basis"]
    search_fields = ["dossier__code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
