"""The dossier register page (Sổ theo dõi hồ sơ) under /can-bo/so-theo-doi/: printable, CSV."""

from __future__ import annotations

from datetime import date
from typing import cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from portal.models import User
from portal.roles import Role

from . import register
from .views_desk import staff_role_required

# A register over more than this many days is exported in parts (keeps the page fast).
MAX_DAYS = 400


class RegisterPeriodForm(forms.Form):
    tu = forms.DateField(label=_("From"), input_formats=["%Y-%m-%d", "%d/%m/%Y"])
    den = forms.DateField(label=_("To"), input_formats=["%Y-%m-%d", "%d/%m/%Y"])

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("tu"), data.get("den")
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                self.add_error("den", _("The end of the period is before its start."))
            elif (end - start).days > MAX_DAYS:
                self.add_error("den", _("Choose a period of at most 400 days."))
        return data


@never_cache
@require_safe
@staff_role_required(Role.DESK_OFFICER, Role.LEADER)
def register_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    today = timezone.localdate()
    query = request.GET if request.GET.get("tu") or request.GET.get("den") else None
    form = RegisterPeriodForm(
        query or {"tu": today.replace(day=1).isoformat(), "den": today.isoformat()}
    )
    rows: list[register.RegisterRow] = []
    if form.is_valid():
        start, end = form.cleaned_data["tu"], form.cleaned_data["den"]
        rows = register.register_rows(
            register.register_entries(agency=user.agency, start=start, end=end)  # type: ignore[arg-type]
        )
        if request.GET.get("xuat") == "csv":
            response = HttpResponse(
                register.register_csv(rows).encode("utf-8"), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="so-theo-doi-ho-so-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
            )
            response["Cache-Control"] = "private, no-store"
            return response
    return render(
        request,
        "dossiers/desk/register.html",
        {"form": form, "rows": rows, "header": register.HEADER, "agency": user.agency},
        status=200 if form.is_valid() else 400,
    )
