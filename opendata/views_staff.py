"""/can-bo/chi-so/: the service index of the leader's agency (IT staff: any agency or the
province), its month trend and the dossiers that cost points."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.models import User
from reporting.figures import AGENCY, Scope
from reporting.services import can_see_all_reports
from reporting.views import reports_required

from . import presenters
from . import service_index as si
from .forms import IndexPeriodForm


@require_GET
@reports_required
def index(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    everyone = can_see_all_reports(user)
    form = IndexPeriodForm(request.GET or None, agencies=everyone)
    period = form.period()
    if everyone:
        agency = form.cleaned_data.get("agency") if form.is_bound and form.is_valid() else None
        agency_id = agency.pk if agency else None
    else:
        agency_id = user.agency_id
    scope = Scope(kind=AGENCY, agency_id=agency_id) if agency_id else Scope()
    context = presenters.index_context(
        period=period, scope=scope, ranking=everyone and not agency_id
    )
    if agency_id:
        context["costing"] = si.dossiers_costing_points(period=period, agency_id=agency_id)
    context.update({"form": form, "period": period})
    response = render(request, "opendata/staff_index.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
