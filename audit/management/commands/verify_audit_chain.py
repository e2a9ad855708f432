"""Walk the audit chain from its first row and name the first broken row."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit import chain, services


class Command(BaseCommand):
    help = "Check the hash chain of the audit record; exit 1 and name the first broken row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", type=int, default=chain.VERIFY_BATCH, help="rows read per query"
        )
        parser.add_argument(
            "--no-store",
            action="store_true",
            help="only check: do not store the outcome or alert IT staff",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()
        if options["no_store"]:
            result = chain.verify(batch=options["batch"])
            ok, rows, broken, problem = (
                result.ok,
                result.rows_checked,
                result.broken_id,
                result.problem,
            )
        else:
            verification = services.audit_chain_verify(batch=options["batch"])
            ok, rows, broken, problem = (
                verification.ok,
                verification.rows_checked,
                verification.broken_id,
                verification.problem,
            )
        elapsed = time.perf_counter() - began
        if not ok:
            raise CommandError(f"Audit chain broken at row {broken}: {problem}")
        self.stdout.write(f"Audit chain intact: {rows} rows checked in {elapsed:.1f} s.")
