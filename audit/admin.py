from django.contrib import admin
from django.http import HttpRequest

from .models import AuditRecord, ChainVerification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "recorded_at", "kind", "actor_name", "unit", "dossier_id", "target", "ip")
    list_filter = ("kind",)
    search_fields = ("=dossier_id", "=actor_id", "target", "kind")
    show_full_result_count = False  # no count(*) over millions of rows on every page

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in AuditRecord._meta.fields]


@admin.register(ChainVerification)
class ChainVerificationAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "ok", "rows_checked", "head_id", "broken_id", "problem")
    list_filter = ("ok",)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in ChainVerification._meta.fields]
