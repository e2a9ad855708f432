#!/usr/bin/env python
"""Time the audit chain: build N chained rows shaped like dossier events, then verify them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dvc_audit_bench \\
        .venv/bin/python bench/audit_chain.py [--rows 1000000] [--keep]

The database must be a bench database (its name contains "bench"): the audit table is emptied
first, and again at the end unless --keep. Rows are hashed in Python exactly as
`audit.chain.append` does and loaded with COPY; then `manage.py verify_audit_chain --no-store`
walks them. Printed: wall time and CPU time of this process (`time.process_time()`: the hashing;
the rest of the wall time is PostgreSQL reading and sending the rows, and other load).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="leave the rows in the table")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from audit import chain
    from audit.models import GENESIS_HASH

    if "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit("Refusing: the database name must contain 'bench'.")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditrecord RESTART IDENTITY")

    kinds = ["dossier.submitted", "dossier.accepted", "dossier.forwarded", "dossier.completed"]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    prev = GENESIS_HASH
    columns = (
        "recorded_at",
        "kind",
        "actor_id",
        "actor_name",
        "unit",
        "dossier_id",
        "target",
        "ip",
        "data",
        "prev_hash",
        "hash",
    )
    with connection.cursor() as cursor:
        copy_sql = f"COPY audit_auditrecord ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for n in range(args.rows):
                dossier = n // 4 + 1
                data = {
                    "code": f"000.00.21.H45-250101-{dossier:07d}",
                    "from": "received",
                    "to": "processing",
                    "reason": "",
                }
                content = (
                    start + timedelta(seconds=n),
                    kinds[n % 4],
                    1000 + n % 50,
                    f"Cán bộ {n % 50}",
                    "UBND thành phố Tuy Hòa – Bộ phận Một cửa",
                    dossier,
                    f"dossier-event:{n + 1}",
                    None,
                    chain.normalise_data(data),
                )
                digest = chain.content_hash(prev, *content)
                copy.write_row(
                    (*content[:8], json.dumps(content[8], ensure_ascii=False), prev, digest)
                )
                prev = digest
    built = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditrecord")
    began, cpu = time.perf_counter(), time.process_time()
    # Exit status 1 (CommandError) when the chain is broken.
    call_command("verify_audit_chain", "--no-store", stdout=sys.stdout)
    verified, verified_cpu = time.perf_counter() - began, time.process_time() - cpu
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditrecord")
        (rows,) = cursor.fetchone()
        if not args.keep:
            cursor.execute("TRUNCATE audit_auditrecord RESTART IDENTITY")
    print(f"rows: {rows:,}; load average {os.getloadavg()[0]:.1f}")
    print(f"build (hash + COPY): {built:.1f} s")
    print(
        f"manage.py verify_audit_chain: wall {verified:.1f} s ({rows / verified:,.0f} rows/s), "
        f"CPU {verified_cpu:.1f} s ({rows / verified_cpu:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
