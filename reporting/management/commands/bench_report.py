"""Time the six-monthly report figures on the current database (bench/, DESIGN.md §9).

    python manage.py bench_report [--year 2026] [--half 1] [--runs 5] [--json]

Prints the number of dossiers, the median and best time of `dossier_figures` for the whole
province counting every dossier (goal < 1 s over 5 M dossiers) and through the half-month
rollup (reporting/rollup.py; goal < 100 ms), after checking that both give the same figures.
The rollup is rebuilt first when it is not up to date (generated data settles in the past).
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from dossiers.models import Dossier
from reporting import periods, rollup
from reporting.figures import Scope, dossier_figures
from reporting.models import DossierRollup

GOAL_MS = 1000.0
ROLLUP_GOAL_MS = 100.0


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
        runs = max(1, options["runs"])
        # The rollup as the daily beat keeps it: everything settled before today. Rebuilt here
        # when missing or behind (the bench data is generated with past settlements).
        rebuild_ms = None
        if rollup.current_horizon() != rollup.default_horizon():
            started = time.perf_counter()
            rollup.rollup_rebuild()
            rebuild_ms = round((time.perf_counter() - started) * 1000, 1)
        timings: dict[bool, list[float]] = {False: [], True: []}
        figures: dict[bool, dict[str, Any]] = {}
        for use_rollup in (False, True):
            for _ in range(runs):
                started = time.perf_counter()
                figures[use_rollup] = dossier_figures(period, Scope(), use_rollup=use_rollup)
                timings[use_rollup].append((time.perf_counter() - started) * 1000)
        if figures[True] != figures[False]:
            raise CommandError("The rollup and counting every dossier disagree.")
        raw, rolled = timings[False], timings[True]
        result = {
            "bench": "six_monthly_report",
            "database": connection.vendor,
            "dossiers": dossiers,
            "period": period.as_dict(),
            "received_in_period": figures[False]["totals"]["received"],
            "median_ms": round(statistics.median(raw), 1),
            "best_ms": round(min(raw), 1),
            "goal_ms": GOAL_MS,
            "meets_goal": statistics.median(raw) < GOAL_MS,
            "rollup_median_ms": round(statistics.median(rolled), 1),
            "rollup_best_ms": round(min(rolled), 1),
            "rollup_goal_ms": ROLLUP_GOAL_MS,
            "rollup_meets_goal": statistics.median(rolled) < ROLLUP_GOAL_MS,
            "rollup_rows": DossierRollup.objects.count(),
            "rollup_rebuild_ms": rebuild_ms,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            f"six-monthly report {period.start}–{period.end} over {dossiers:,} dossiers "
            f"({result['received_in_period']:,} received in the period):\n"
            f"  raw: median {result['median_ms']} ms, best {result['best_ms']} ms "
            f"(goal < {GOAL_MS:.0f} ms) {'OK' if result['meets_goal'] else 'SLOWER THAN GOAL'}\n"
            f"  rollup ({result['rollup_rows']:,} rows): median {result['rollup_median_ms']} ms, "
            f"best {result['rollup_best_ms']} ms (goal < {ROLLUP_GOAL_MS:.0f} ms) "
            f"{'OK' if result['rollup_meets_goal'] else 'SLOWER THAN GOAL'}"
        )
