"""Time the province's service index on the current database (bench/, issue: < 1 s at 5 M).

    python manage.py bench_service_index [--year 2026] [--half 1] [--runs 3] [--json]

Clears the index cache before each run, so every run computes the index afresh (the report
rollup, the catalogue, payments, ratings and feedback of the period) and the ranking of every
agency. The rollup is rebuilt first when it is not up to date, as bench_report does.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import timezone

from dossiers.models import Dossier
from opendata import service_index as si
from reporting import rollup
from reporting.figures import Scope

GOAL_MS = 1000.0


class Command(BaseCommand):
    help = "Time the Decision 766 service index of the whole province."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=timezone.localdate().year)
        parser.add_argument("--half", type=int, choices=(1, 2), default=1)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--json", action="store_true", help="print one JSON line")

    def handle(self, *args: Any, **options: Any) -> None:
        period = si.period_of(si.HALF, options["year"], options["half"])
        if rollup.current_horizon() != rollup.default_horizon():
            rollup.rollup_rebuild()
        index_ms: list[float] = []
        ranking_ms: list[float] = []
        for _run in range(max(1, options["runs"])):
            cache.clear()
            started = time.perf_counter()
            index = si.service_index(period=period, scope=Scope())
            index_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            ranking = si.agency_ranking(period=period)
            ranking_ms.append((time.perf_counter() - started) * 1000)
        result = {
            "bench": "service_index",
            "database": connection.vendor,
            "dossiers": Dossier.objects.count(),
            "period": period.as_dict(),
            "points": str(index.points),
            "agencies_ranked": len(ranking),
            "median_ms": round(statistics.median(index_ms), 1),
            "best_ms": round(min(index_ms), 1),
            "ranking_median_ms": round(statistics.median(ranking_ms), 1),
            "goal_ms": GOAL_MS,
            "meets_goal": statistics.median(index_ms) < GOAL_MS,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key}: {value}")
