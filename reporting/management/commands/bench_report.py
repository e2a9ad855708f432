"""Time the six-monthly report figures on the current database (bench/, DESIGN.md §9).

    python manage.py bench_report [--year 2026] [--half 1] [--runs 5] [--json]

Prints the number of dossiers, the median and best time of `dossier_figures` for the whole
province (the SQL scan plus the roll-ups), and the goal (< 1 s raw over 5 M dossiers).
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import timezone

from dossiers.models import Dossier
from reporting import periods
from reporting.figures import Scope, dossier_figures

GOAL_MS = 1000.0


class Command(BaseCommand):
    help = "Time the figures of a six-monthly report over the dossiers in the database."

    def add_arguments(self, parser: CommandParser) -> None:
        today = timezone.localdate()
        parser.add_argument("--year", type=int, default=today.year)
        parser.add_argument("--half", type=int, choices=(1, 2), default=1)
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--json", action="store_true", help="print one JSON line")

    def handle(self, *args: Any, **options: Any) -> None:
        period = periods.half_year(options["year"], options["half"])
        dossiers = Dossier.objects.count()
        timings = []
        figures: dict[str, Any] = {}
        for _ in range(max(1, options["runs"])):
            started = time.perf_counter()
            figures = dossier_figures(period, Scope())
            timings.append((time.perf_counter() - started) * 1000)
        result = {
            "bench": "six_monthly_report",
            "database": connection.vendor,
            "dossiers": dossiers,
            "period": period.as_dict(),
            "received_in_period": figures["totals"]["received"],
            "median_ms": round(statistics.median(timings), 1),
            "best_ms": round(min(timings), 1),
            "goal_ms": GOAL_MS,
            "meets_goal": statistics.median(timings) < GOAL_MS,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            f"six-monthly report {period.start}–{period.end} over {dossiers:,} dossiers "
            f"({result['received_in_period']:,} received in the period): "
            f"median {result['median_ms']} ms, best {result['best_ms']} ms "
            f"(goal < {GOAL_MS:.0f} ms raw) {'OK' if result['meets_goal'] else 'SLOWER THAN GOAL'}"
        )
