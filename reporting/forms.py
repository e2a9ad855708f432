from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Agency, User
from procedures.models import Sector

from . import periods
from .figures import AGENCY, PROVINCE, SECTOR, Scope
from .services import can_see_all_reports

FIRST_HALF, SECOND_HALF, YEAR, CUSTOM = "h1", "h2", "year", "custom"
AGENCIES_THEN, AGENCIES_NOW = "then", "now"


class ReportRequestForm(forms.Form):
    period_kind = forms.ChoiceField(
        label=_("Period"),
        choices=[
            (FIRST_HALF, _("First half of the year")),
            (SECOND_HALF, _("Second half of the year")),
            (YEAR, _("Whole year")),
            (CUSTOM, _("Other dates")),
        ],
    )
    year = forms.IntegerField(label=_("Year"), min_value=2015, max_value=2100, required=False)
    convention = forms.ChoiceField(
        label=_("Cut-off dates"),
        choices=[
            (periods.DECREE_09, _("Decree 09/2019 (15/12 – 14/6, 15/6 – 14/12)")),
            (periods.CALENDAR, _("Calendar (1/1 – 30/6, 1/7 – 31/12)")),
        ],
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    scope_kind = forms.ChoiceField(
        label=_("Scope"),
        choices=[
            (PROVINCE, _("Whole province")),
            (AGENCY, _("One agency")),
            (SECTOR, _("One sector")),
        ],
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.filter(is_active=True), required=False
    )
    sector = forms.ModelChoiceField(
        label=_("Sector"), queryset=Sector.objects.all(), required=False
    )
    agencies_as = forms.ChoiceField(
        label=_("Count dossiers by the agency"),
        choices=[
            (AGENCIES_THEN, _("as it was when the dossier was filed")),
            (AGENCIES_NOW, _("as it is now (renamed and merged agencies under their successor)")),
        ],
        initial=AGENCIES_THEN,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        today = timezone.localdate()
        kwargs.setdefault(
            "initial",
            {
                "year": today.year,
                "period_kind": FIRST_HALF if today.month <= 6 else SECOND_HALF,
                "convention": periods.default_convention(),
            },
        )
        super().__init__(*args, **kwargs)
        self.user = user
        if not can_see_all_reports(user):
            # Leaders report on their own agency only.
            scope_field = cast(forms.ChoiceField, self.fields["scope_kind"])
            scope_field.choices = [(AGENCY, _("One agency"))]
            agency_field = cast(forms.ModelChoiceField, self.fields["agency"])
            agency_field.queryset = Agency.objects.filter(pk=user.agency_id or 0)
            agency_field.initial = user.agency_id
            agency_field.empty_label = None
            del self.fields["sector"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("period_kind")
        if kind == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Enter the first day of the period."))
            if not end:
                self.add_error("end", _("Enter the last day of the period."))
            if start and end and end < start:
                self.add_error("end", _("The last day cannot be before the first day."))
        elif kind and not data.get("year"):
            self.add_error("year", _("Enter the year of the report."))
        scope = data.get("scope_kind")
        if scope == AGENCY and not data.get("agency"):
            self.add_error("agency", _("Choose the agency."))
        if scope == SECTOR and not data.get("sector"):
            self.add_error("sector", _("Choose the sector."))
        return data

    def period(self) -> periods.Period:
        data = self.cleaned_data
        kind = data["period_kind"]
        if kind == CUSTOM:
            return periods.custom(data["start"], data["end"])
        part = {FIRST_HALF: 1, SECOND_HALF: 2, YEAR: 0}[kind]
        return periods.period_for(data["year"], part, data["convention"])

    def scope(self) -> Scope:
        data = self.cleaned_data
        kind = data["scope_kind"]
        now = data.get("agencies_as") == AGENCIES_NOW
        if kind == AGENCY:
            return Scope(AGENCY, agency_id=data["agency"].pk, agencies_now=now)
        if kind == SECTOR:
            return Scope(SECTOR, sector_id=data["sector"].pk, agencies_now=now)
        return Scope(agencies_now=now)
