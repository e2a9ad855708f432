"""Public statistics (/thong-ke/): this year's figures per agency and per procedure.

Computed with the report figures (one SQL scan) for 1 January to today, and cached for a few
minutes: the page is public and must stay cheap under load.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from .figures import Scope, dossier_figures
from .periods import Period

CACHE_SECONDS = 600
TOP_PROCEDURES = 20


def _ratings_by_agency(period: Period) -> dict[str, dict[str, Any]]:
    """Average satisfaction per agency code (all ratings so far), from the feedback app."""
    from feedback.selectors import agency_ranking

    return {
        row["agency__code"]: {"average": f"{row['average']:.2f}", "count": row["count"]}
        for row in agency_ranking()
    }


def public_statistics(today: date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    key = f"public-statistics:{today.isoformat()}:{get_language()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    period = Period(date(today.year, 1, 1), today, str(today.year))
    figures = dossier_figures(period, Scope())
    ratings = _ratings_by_agency(period)
    agencies = [
        {
            "code": line["code"],
            "name": line["name"],
            "received": line["received"],
            "processed": line["processed"],
            "on_time_rate": line["on_time_rate"],
            "online_share": line["online_share"],
            "rating": ratings.get(line["code"], {}).get("average"),
            "ratings": ratings.get(line["code"], {}).get("count", 0),
        }
        for line in figures["by_agency"]
    ]
    procedures = sorted(figures["by_procedure"], key=lambda line: -line["received"])
    statistics = {
        "year": today.year,
        "as_of": today,
        "totals": figures["totals"],
        "agencies": agencies,
        "procedures": [
            {key: line[key] for key in ("code", "name", "received", "processed", "on_time_rate")}
            for line in procedures[:TOP_PROCEDURES]
            if line["received"]
        ],
        "online": figures["online"],
    }
    cache.set(key, statistics, CACHE_SECONDS)
    return statistics


def bar(value: str | None) -> float:
    """The length of a percentage bar (0–100) from its text ("87.5")."""
    return float(value) if value else 0.0
