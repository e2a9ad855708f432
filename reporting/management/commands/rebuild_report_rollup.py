"""Count every settled dossier into the report rollup again (reporting/rollup.py).

    python manage.py rebuild_report_rollup

The daily beat task only adds what settled since its last run. Run this after loading
dossiers whose settlement lies in the past (an import, generate_dossiers for a bench).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from reporting import rollup


class Command(BaseCommand):
    help = "Rebuild the half-month report rollup from every settled dossier."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = rollup.rollup_rebuild()
        self.stdout.write(
            f"Report rollup rebuilt up to {result.horizon:%Y-%m-%d %H:%M}: {result.rows:,} rows "
            f"in {time.perf_counter() - started:.1f} s."
        )
