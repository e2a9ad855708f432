"""The store's upload form: the file and what the citizen knows about it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dossiers.forms import FILE_ACCEPT

from .services import DocumentDetails

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_field(label: Any, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class StoreUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF, JPEG or PNG)"),
        widget=forms.FileInput(attrs={"accept": FILE_ACCEPT}),
    )
    kind = forms.CharField(
        label=_("What document is it?"),
        max_length=500,
        help_text=_("For example: Giấy khai sinh, Căn cước công dân, Giấy chứng nhận kết hôn."),
    )
    issuer = forms.CharField(
        label=_("Issued by"),
        required=False,
        max_length=255,
        help_text=_("The agency that issued the document, if you know it."),
    )
    issued_on = _date_field(_("Date of issue"))
    valid_until = _date_field(
        _("Valid until"), help_text=_("Leave empty if the document does not expire.")
    )

    def details(self) -> DocumentDetails:
        data = self.cleaned_data
        return DocumentDetails(
            kind=data["kind"],
            issuer=data.get("issuer") or "",
            issued_on=data.get("issued_on"),
            valid_until=data.get("valid_until"),
        )
