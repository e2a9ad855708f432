"""Forms of the one-stop desk. They only read input: the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from portal.models import Department
from procedures.models import Procedure, ReturnMethod, ServiceLevel

from .errors import DossierValidationError


class DeskForm(forms.Form):
    def add_service_errors(self, error: DossierValidationError, fallback: str | None) -> None:
        """Show a service's field errors on the fields (or on `fallback`, else the form)."""
        for name, message in error.field_errors.items():
            target = name if name in self.fields else fallback
            self.add_error(target, message)
        if not error.field_errors:
            self.add_error(fallback, error.message)


class SupplementRequestForm(DeskForm):
    documents = forms.TypedMultipleChoiceField(
        label=_("Missing or invalid documents"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note to the applicant"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What exactly is missing or wrong, and how to correct it."),
    )

    def __init__(self, data: Any = None, *, documents: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(data, prefix="supplement", **kwargs)
        self.fields["documents"].choices = [(d["id"], d["name"]) for d in documents]  # type: ignore[attr-defined]


class RefuseForm(DeskForm):
    reason = forms.CharField(
        label=_("Reasons for the refusal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant reads these reasons on the refusal notice."),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, prefix="refuse", **kwargs)


class ForwardForm(DeskForm):
    department = forms.ModelChoiceField(
        label=_("Specialist department"), queryset=Department.objects.none()
    )

    def __init__(
        self, data: Any = None, *, departments: QuerySet[Department], **kwargs: Any
    ) -> None:
        super().__init__(data, prefix="forward", **kwargs)
        field = self.fields["department"]
        field.queryset = departments  # type: ignore[attr-defined]
        field.label_from_instance = lambda department: department.name  # type: ignore[attr-defined]


class ProcedureChoiceForm(forms.Form):
    """Step one of a walk-in registration: which procedure."""

    procedure = forms.ModelChoiceField(
        label=_("Procedure"), queryset=Procedure.objects.none(), to_field_name="code"
    )

    def __init__(self, *args: Any, procedures: QuerySet[Procedure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["procedure"]
        field.queryset = procedures  # type: ignore[attr-defined]
        field.label_from_instance = lambda p: f"{p.code} – {p.name}"  # type: ignore[attr-defined]


class WalkInForm(DeskForm):
    """Step two: the applicant, one scan per document, the desk's checks, the return method."""

    name = forms.CharField(label=_("Applicant's full name"), max_length=150)
    national_id = forms.RegexField(
        label=_("National ID number (CCCD)"),
        regex=r"^\d{12}$",
        error_messages={"invalid": _("A CCCD number has 12 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.RegexField(
        label=_("Mobile number"),
        regex=r"^0\d{9}$",
        required=False,
        error_messages={"invalid": _("A Vietnamese mobile number has 10 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    on_behalf_of = forms.CharField(
        label=_("Submitted on behalf of"),
        max_length=255,
        required=False,
        help_text=_("Name of the person or organisation represented, with an authorisation."),
    )
    originals_checked = forms.BooleanField(
        label=_("Originals compared and forms signed at the desk"), required=False
    )
    return_method = forms.ChoiceField(label=_("Result by"), choices=ReturnMethod.choices)
    postal_address = forms.CharField(
        label=_("Postal address for the result"), max_length=255, required=False
    )

    def __init__(self, *args: Any, version_data: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = list(version_data.get("return_methods") or [ReturnMethod.DESK])
        if version_data.get("level", 0) < ServiceLevel.FULLY_ONLINE:
            allowed = [ReturnMethod.DESK]
        self.fields["return_method"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in ReturnMethod.choices if value in allowed
        ] or [(ReturnMethod.DESK, ReturnMethod.DESK.label)]
        self.fields["return_method"].initial = ReturnMethod.DESK
        self.document_fields: list[str] = []
        for document in version_data.get("documents", []):
            if document.get("form") == "present":
                continue  # shown at the desk, not kept
            name = f"document_{document['id']}"
            self.fields[name] = forms.FileField(
                label=document["name"],
                required=False,
                widget=forms.ClearableFileInput(
                    attrs={"accept": "application/pdf,image/jpeg,image/png"}
                ),
            )
            self.fields[name].document_id = document["id"]  # type: ignore[attr-defined]
            self.document_fields.append(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("return_method") == ReturnMethod.POST and not data.get("postal_address"):
            self.add_error("postal_address", _("Give the address where the result is posted."))
        return data

    def files_by_document(self) -> dict[int, Any]:
        return {
            self.fields[name].document_id: self.cleaned_data[name]  # type: ignore[attr-defined]
            for name in self.document_fields
            if self.cleaned_data.get(name)
        }

    @property
    def applicant_fields(self) -> list[forms.BoundField]:
        names = ("name", "national_id", "phone", "email", "address", "on_behalf_of")
        return [self[name] for name in names]

    @property
    def document_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.document_fields]
