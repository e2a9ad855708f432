from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DataRequest

REQUEST_KINDS = [
    (DataRequest.Kind.CORRECTION.value, _("Correct information that is wrong")),
    (DataRequest.Kind.DELETION.value, _("Delete data about me")),
    (DataRequest.Kind.RESTRICTION.value, _("Restrict the processing of data about me")),
    (DataRequest.Kind.OBJECTION.value, _("Object to the processing of data about me")),
]


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What are you asking for"),
        choices=REQUEST_KINDS,
        initial=DataRequest.Kind.CORRECTION.value,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you are asking for.")},
    )
    field = forms.CharField(
        label=_("Which data"),
        max_length=200,
        help_text=_(
            "For example: the address on dossier 000.00.00.H00-260101-0001, or my phone number."
        ),
    )
    details = forms.CharField(
        label=_("Details and reason"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "For a correction, say what it should be and, if you can, which paper shows it. "
            "For the other requests, say why."
        ),
    )
