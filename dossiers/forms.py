"""Citizen forms of dossiers: the online draft, supplements and withdrawal.

Forms only parse and check what was typed; every rule about dossiers lives in `services.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import MobileField
from portal.models import Agency
from portal.validators import validate_national_id
from procedures.models import RequiredDocument, ReturnMethod

from .files import ALLOWED_TYPES
from .services import Applicant
from .services import return_methods_offered as return_methods_for

# What the browser's file picker offers first; the server checks the content anyway.
FILE_ACCEPT = ",".join([".pdf", ".jpg", ".jpeg", ".png", *ALLOWED_TYPES])


def document_field_name(document_id: int) -> str:
    return f"document_{document_id}"


def uploadable_documents(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Documents of a version snapshot that are sent as a file (not only shown at the desk)."""
    return [
        document
        for document in data.get("documents", [])
        if document.get("form") != RequiredDocument.Form.PRESENT
        and document.get("id")
        and not document.get("eform")  # filled online instead (eforms app)
    ]


def _file_field(label: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.FileInput(attrs={"accept": FILE_ACCEPT}),
    )


class DraftForm(forms.Form):
    """The one-page online form: applicant, one file per document, result, declaration."""

    applicant_name = forms.CharField(label=_("Full name"), max_length=150)
    applicant_national_id = forms.CharField(
        label=_("National ID number (CCCD)"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    applicant_phone = MobileField(
        label=_("Mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    applicant_email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    applicant_address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    on_behalf_of = forms.CharField(
        label=_("Submitting on behalf of"),
        required=False,
        max_length=255,
        help_text=_(
            "Only if you submit for another person or an organisation: their name. "
            "Attach a letter of authorisation (giấy ủy quyền) with the documents."
        ),
    )
    return_method = forms.ChoiceField(
        label=_("How do you want to receive the result?"), widget=forms.RadioSelect
    )
    postal_address = forms.CharField(
        label=_("Postal address for the result"),
        required=False,
        max_length=255,
        help_text=_("Only for results sent by registered post."),
    )
    declaration = forms.BooleanField(
        label=_(
            "I declare that the information in this dossier is true and that the attached "
            "files are faithful copies of the original documents. I am responsible before "
            "the law for what I declare."
        ),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        version_data: dict[str, Any],
        agencies: Sequence[Agency] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if len(agencies) > 1:
            # Decree 118/2025: a commune-level procedure may be filed with any commune or ward
            # of the province.
            self.fields["agency"] = forms.TypedChoiceField(
                label=_("Commune or ward that settles your dossier"),
                choices=[(agency.pk, agency.name) for agency in agencies],
                coerce=int,
                help_text=_(
                    "You may choose any commune or ward of the province, wherever you live."
                ),
            )
        methods = return_methods_for(version_data)
        field = cast(forms.ChoiceField, self.fields["return_method"])
        field.choices = [(m, ReturnMethod(m).label) for m in methods]
        self.documents = uploadable_documents(version_data)
        for document in self.documents:
            self.fields[document_field_name(document["id"])] = _file_field(document["name"])

    def clean_applicant_national_id(self) -> str:
        value: str = self.cleaned_data["applicant_national_id"].strip()
        validate_national_id(value)
        return value

    def applicant(self) -> Applicant:
        data = self.cleaned_data
        return Applicant(
            name=data["applicant_name"],
            national_id=data["applicant_national_id"],
            phone=data.get("applicant_phone") or "",
            email=data.get("applicant_email") or "",
            address=data.get("applicant_address") or "",
            on_behalf_of=data.get("on_behalf_of") or "",
        )

    def uploads(self) -> dict[int, Any]:
        """The files chosen in this request, by document id."""
        return {
            document["id"]: self.files[document_field_name(document["id"])]
            for document in self.documents
            if self.files.get(document_field_name(document["id"]))
        }


class SupplementForm(forms.Form):
    """The documents the desk or the processing department asked for, one file each."""

    note = forms.CharField(
        label=_("Message with the documents"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        documents: list[dict[str, Any]],
        stored: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        """`stored`: the citizen's usable documents of the store (id, label), offered for each
        requested document instead of a new file."""
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.stored = list(stored or [])
        for document in documents:
            self.fields[document_field_name(document["id"])] = _file_field(document["name"])
            if self.stored:
                self.fields[store_field_name(document["id"])] = forms.TypedChoiceField(
                    label=_("…or take it from your document store"),
                    choices=[("", _("— no, I attach a file —")), *self.stored],
                    coerce=int,
                    empty_value=None,
                    required=False,
                )
        # The files first, the note last.
        order = []
        for document in documents:
            order.append(document_field_name(document["id"]))
            if self.stored:
                order.append(store_field_name(document["id"]))
        self.order_fields([*order, "note"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for document in self.documents:
            if cleaned.get(document_field_name(document["id"])) and cleaned.get(
                store_field_name(document["id"])
            ):
                self.add_error(
                    store_field_name(document["id"]),
                    _("Attach a file or take one from the store, not both."),
                )
        return cleaned

    def uploads(self) -> dict[int, Any]:
        return {
            document["id"]: self.cleaned_data[document_field_name(document["id"])]
            for document in self.documents
            if self.cleaned_data.get(document_field_name(document["id"]))
        }

    def from_store(self) -> dict[int, int]:
        """Requested document id → stored document id, for those taken from the store."""
        return {
            document["id"]: self.cleaned_data[store_field_name(document["id"])]
            for document in self.documents
            if self.cleaned_data.get(store_field_name(document["id"]))
        }

    def document_fields(self) -> list[forms.BoundField]:
        fields = []
        for document in self.documents:
            fields.append(self[document_field_name(document["id"])])
            if self.stored:
                fields.append(self[store_field_name(document["id"])])
        return fields


def store_field_name(document_id: int) -> str:
    return f"store_{document_id}"


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the dossier?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
