from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("PDF document"),
        help_text=_("The PDF as you received it from the portal (at most %(size)s MB)."),
        error_messages={
            "required": _("Choose the PDF file to check."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit = settings.SIGNING_VERIFY_MAX_BYTES
        self.fields["file"].help_text = self.fields["file"].help_text % {
            "size": limit // (1024 * 1024)
        }

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        limit = settings.SIGNING_VERIFY_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB; it cannot be a document of the portal.")
                % {"size": limit // (1024 * 1024)}
            )
        data: bytes = upload.read(limit + 1)
        if not data:
            raise forms.ValidationError(_("The file is empty."))
        return data
