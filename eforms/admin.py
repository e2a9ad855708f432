"""IT staff edit an e-form as JSON; it is checked on save and frozen into a new version."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from procedures import services as procedure_services
from procedures.models import RequiredDocument

from .models import EForm


class PrettyJSONWidget(forms.Textarea):
    def format_value(self, value: Any) -> str:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return value
        return json.dumps(value, ensure_ascii=False, indent=2)


class EFormAdminForm(forms.ModelForm):
    class Meta:
        model = EForm
        fields = ["document", "definition"]
        widgets = {"definition": PrettyJSONWidget(attrs={"rows": 30, "cols": 100})}
        error_messages = {
            "definition": {
                "invalid": _("This is not valid JSON: check commas, quotes and brackets.")
            }
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["document"])
        field.queryset = RequiredDocument.objects.select_related("procedure").order_by(
            "procedure__code", "position"
        )
        field.label_from_instance = lambda d: f"{d.procedure.code} · {d.name[:90]}"  # type: ignore[method-assign,assignment]


@admin.register(EForm)
class EFormAdmin(admin.ModelAdmin):
    form = EFormAdminForm
    list_display = ["__str__", "updated_at"]
    search_fields = ["document__procedure__code", "document__procedure__name", "document__name"]

    def save_model(self, request: HttpRequest, obj: EForm, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A published procedure gets a new version carrying the form; drafts already filed
        # keep the version they were started under.
        procedure_services.procedure_record_edit(
            procedure=obj.document.procedure,
            actor=request.user,  # type: ignore[arg-type]
        )

    def delete_model(self, request: HttpRequest, obj: EForm) -> None:
        procedure = obj.document.procedure
        super().delete_model(request, obj)
        procedure_services.procedure_record_edit(procedure=procedure, actor=request.user)  # type: ignore[arg-type]
