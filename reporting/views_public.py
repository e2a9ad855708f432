from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.http_cache import public_for_visitors

from .statistics import bar, public_statistics

BAR_HEIGHT = 26
LABEL_WIDTH = 0  # labels sit above the bars: long agency names need the whole width


@require_GET
@public_for_visitors(max_age=300)
def statistics(request: HttpRequest) -> HttpResponse:
    # The service index (opendata) beside this year's figures; imported here because opendata
    # builds on reporting.
    from opendata import presenters
    from opendata.forms import IndexPeriodForm
    from reporting.figures import AGENCY, Scope

    form = IndexPeriodForm(request.GET or None)
    period = form.period()
    agency = form.cleaned_data.get("agency") if form.is_bound and form.is_valid() else None
    scope = Scope(kind=AGENCY, agency_id=agency.pk) if agency else Scope()
    index = presenters.index_context(period=period, scope=scope, ranking=True)
    data = public_statistics()
    rows = [
        {
            **agency,
            "on_time_bar": bar(agency["on_time_rate"]),
            "online_bar": bar(agency["online_share"]),
        }
        for agency in data["agencies"]
    ]
    return render(
        request,
        "reporting/statistics.html",
        {
            **data,
            **index,
            "form": form,
            "rows": rows,
            "chart_height": max(len(rows), 1) * BAR_HEIGHT * 2 + 10,
            "bar_height": BAR_HEIGHT,
        },
    )
