"""The period and scope choice of the service-index pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Agency
from reporting.periods import Period

from . import service_index as si

KIND_CHOICES = [
    (si.MONTH, _("Month")),
    (si.QUARTER, _("Quarter")),
    (si.HALF, _("Half-year")),
    (si.YEAR, _("Year")),
]
LIMITS = {si.MONTH: 12, si.QUARTER: 4, si.HALF: 2, si.YEAR: 1}
FIRST_YEAR = 2015


class IndexPeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Period"), choices=KIND_CHOICES, required=False)
    year = forms.IntegerField(label=_("Year"), required=False)
    number = forms.IntegerField(
        label=_("Number"),
        required=False,
        help_text=_("The month (1–12), the quarter (1–4) or the half (1–2)."),
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("Whole province"),
    )

    def __init__(self, *args: Any, agencies: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not agencies:
            del self.fields["agency"]

    def clean_year(self) -> int:
        today = timezone.localdate()
        year = self.cleaned_data.get("year") or today.year
        if not FIRST_YEAR <= year <= today.year + 1:
            raise forms.ValidationError(
                _("Choose a year between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": today.year + 1}
            )
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind") or si.MONTH
        data["kind"] = kind
        number = data.get("number")
        if kind == si.YEAR:
            data["number"] = 1
        elif number is None:
            data["number"] = default_number(kind)
        elif not 1 <= number <= LIMITS[kind]:
            self.add_error(
                "number",
                _("For this period choose a number from 1 to %(last)s.") % {"last": LIMITS[kind]},
            )
        return data

    def period(self) -> Period:
        """The chosen period (this month when nothing, or something wrong, was chosen)."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            return si.period_of(data["kind"], data["year"], data["number"])
        today = timezone.localdate()
        return si.months_before(today, 1)[0]


def default_number(kind: str) -> int:
    month = timezone.localdate().month
    return {si.MONTH: month, si.QUARTER: (month - 1) // 3 + 1, si.HALF: 1 if month <= 6 else 2}.get(
        kind, 1
    )
