from django import forms
from django.utils.translation import gettext_lazy as _


class CorrectionForm(forms.Form):
    field = forms.CharField(
        label=_("Which information is wrong"),
        max_length=200,
        help_text=_("For example: the address on dossier 000.00.00.H00-260101-0001."),
    )
    details = forms.CharField(
        label=_("The correct information"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what it should be and, if you can, which paper shows it."),
    )
