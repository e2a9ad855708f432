from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portal.client_address import client_address

from . import services
from .models import DataRequest, SharingRecord


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "kind", "status", "field"]
    list_filter = ["kind", "status"]
    search_fields = ["subject__full_name", "subject__national_id", "field"]
    readonly_fields = ["subject", "kind", "field", "details", "handled_by", "created_at"]
    fields = ["subject", "kind", "field", "details", "status", "answer", "handled_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: DataRequest, form: Any, change: bool) -> None:
        services.correction_update(
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
