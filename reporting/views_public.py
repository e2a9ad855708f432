from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .statistics import bar, public_statistics

BAR_HEIGHT = 26
LABEL_WIDTH = 0  # labels sit above the bars: long agency names need the whole width


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    data = public_statistics()
    rows = [
        {
            **agency,
            "on_time_bar": bar(agency["on_time_rate"]),
            "online_bar": bar(agency["online_share"]),
        }
        for agency in data["agencies"]
    ]
    response = render(
        request,
        "reporting/statistics.html",
        {
            **data,
            "rows": rows,
            "chart_height": max(len(rows), 1) * BAR_HEIGHT * 2 + 10,
            "bar_height": BAR_HEIGHT,
        },
    )
    response["Cache-Control"] = "public, max-age=300"
    return response
