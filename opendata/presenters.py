"""What the service-index pages show: the index, its month trend and the ranking, as bars."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from reporting.figures import Scope
from reporting.periods import Period

from . import service_index as si


def _bars(lines: list[dict[str, Any]], label: str, value: str) -> list[dict[str, Any]]:
    bars = []
    for line in lines:
        number = line.get(value)
        bars.append(
            {
                "label": line[label],
                "width": float(number) if number else 0.0,
                "text": f"{number}%" if number else _("no data"),
            }
        )
    return bars


def index_context(
    *, period: Period, scope: Scope, ranking: bool = False, trend_months: int = 12
) -> dict[str, Any]:
    index = si.service_index(period=period, scope=scope).as_dict()
    trend = si.monthly_trend(scope=scope, months=trend_months, today=period.end)
    context: dict[str, Any] = {
        "index": index,
        "trend": trend,
        "trend_bars": _bars(trend, "label", "score"),
        "on_time_bars": _bars(trend, "label", "on_time_rate"),
    }
    if ranking:
        lines = si.agency_ranking(period=period)
        context["ranking"] = lines
        context["ranking_bars"] = _bars(lines, "name", "score")
    return context
