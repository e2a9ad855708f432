from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _


class BookingForm(forms.Form):
    slot = forms.CharField(
        label=_("Time slot"),
        error_messages={"required": _("Choose a time slot.")},
        max_length=16,
    )
    phone = forms.CharField(label=_("Phone for the reminder"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail for the reminder"), required=False)
    note = forms.CharField(
        label=_("Note for the desk (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_slot(self) -> Any:
        value = self.cleaned_data["slot"]
        moment = parse_datetime(value) if value else None
        if moment is None or timezone.is_aware(moment):
            raise forms.ValidationError(_("Choose a time slot from the list."))
        return timezone.make_aware(moment, timezone.get_default_timezone())


class LookupForm(forms.Form):
    ma = forms.CharField(label=_("Booking code"), max_length=20, required=False)


class CapacityForm(forms.Form):
    per_slot = forms.IntegerField(
        label=_("Places per slot"),
        min_value=1,
        max_value=100,
        error_messages={
            "required": _("Give a number of places between 1 and 100."),
            "invalid": _("Give a number of places between 1 and 100."),
            "min_value": _("Give a number of places between 1 and 100."),
            "max_value": _("Give a number of places between 1 and 100."),
        },
    )
