"""Measure the deadline scan on a bench database (bench/run.py runs it) — never in production.

    python manage.py bench_deadline_scan [--chunk 500] [--json]

1. Staff for every agency with open dossiers (a desk officer, a leader with a mobile number,
   a specialist per department), created once, so that every alert has people to warn.
2. The scan queries: EXPLAIN (ANALYZE, BUFFERS) of the first chunk of the due-soon/overdue
   query and of the forwarding-breach query (execution time, index used), then a walk over all
   their chunks, reading only.
3. A cold pass: every alert is new (the alerts and outbox rows of earlier runs are removed
   first), so the pass decides, writes an alert and the outbox rows for every candidate. The
   messages stay in the outbox: handing them to the broker and sending them is the workers'
   job, not the pass's.
4. A warm pass right after: nothing new, the steady state every few minutes.

The alerts and outbox rows the passes wrote are removed at the end, so runs compare. The last
line of output is one JSON object when --json is given.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from dossiers import deadlines
from dossiers.models import DeadlineAlert, Dossier
from portal.models import Department, Notification, User
from portal.notifications import services as outbox
from portal.roles import Role


def _bench_staff() -> int:
    """Staff of every agency with open dossiers (idempotent); return how many exist."""
    agencies = set(
        Dossier.objects.filter(state__in=Dossier.OPEN_STATES)
        .values_list("agency_id", flat=True)
        .distinct()
    )
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    existing = set(
        User.objects.filter(username__startswith="bench-").values_list("username", flat=True)
    )
    wanted: list[tuple[str, int, int | None, Role, str]] = []
    for agency_id in sorted(agencies):
        wanted.append((f"bench-desk-{agency_id}", agency_id, None, Role.DESK_OFFICER, ""))
        wanted.append(
            (f"bench-leader-{agency_id}", agency_id, None, Role.LEADER, f"0399{agency_id:06d}")
        )
    for department_id, department_agency_id in Department.objects.filter(
        agency_id__in=agencies, is_one_stop_desk=False
    ).values_list("pk", "agency_id"):
        wanted.append(
            (
                f"bench-specialist-{department_id}",
                department_agency_id,
                department_id,
                Role.SPECIALIST,
                "",
            )
        )
    with transaction.atomic():
        for username, staff_agency_id, staff_department_id, role, phone in wanted:
            if username in existing:
                continue
            user = User.objects.create(
                username=username,
                full_name=f"Cán bộ {username}",
                email=f"{username}@bench.invalid",
                phone=phone,
                agency_id=staff_agency_id,
                department_id=staff_department_id,
            )
            user.groups.add(groups[role.value])
    return len(wanted)


def _clean() -> tuple[int, int]:
    alerts, _ = DeadlineAlert.objects.all().delete()
    messages, _ = Notification.objects.filter(dedupe_key__startswith="deadline:").delete()
    return alerts, messages


def _explain(queryset: Any) -> dict[str, Any]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    indexes = sorted(set(re.findall(r"using (\w+)", plan, flags=re.IGNORECASE)))
    execution = re.search(r"Execution Time: ([\d.]+) ms", plan)
    planning = re.search(r"Planning Time: ([\d.]+) ms", plan)
    return {
        "execution_ms": float(execution.group(1)) if execution else None,
        "planning_ms": float(planning.group(1)) if planning else None,
        "indexes": indexes,
        "seq_scan_on_dossiers": "Seq Scan on dossiers_dossier" in plan,
        "plan": plan,
    }


class Command(BaseCommand):
    help = "Measure the deadline scan: its queries and whole passes (bench data only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=0, help="dossiers per chunk")
        parser.add_argument("--json", action="store_true", help="print a JSON summary last")

    def handle(self, *args: object, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("bench_deadline_scan writes fake staff: never in production.")
        if connection.vendor != "postgresql":
            raise CommandError("The deadline-scan bench runs on PostgreSQL.")
        size = options["chunk"] or settings.DEADLINE_SCAN_CHUNK
        now = timezone.now()
        soon = deadlines.due_soon_limit(now)
        result: dict[str, Any] = {
            "dossiers": Dossier.objects.count(),
            "open_dossiers": Dossier.objects.filter(state__in=Dossier.OPEN_STATES).count(),
            "chunk": size,
            "staff": _bench_staff(),
        }
        _clean()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE dossiers_dossier")
        due = deadlines.due_candidates(soon=soon)
        breach = deadlines.forward_breach_candidates(now=now)
        result["query"] = {
            "due": _explain(deadlines.scan_page(due, "due_at", size)),
            "forward_breach": _explain(deadlines.scan_page(breach, "forward_due_at", size)),
        }
        started = time.perf_counter()
        rows = sum(len(c) for c in deadlines._chunks(due, "due_at", size))
        rows += sum(len(c) for c in deadlines._chunks(breach, "forward_due_at", size))
        result["walk"] = {"rows": rows, "ms": round((time.perf_counter() - started) * 1000, 1)}

        # The pass writes the outbox; sending is the workers' job and is not measured here.
        with mock.patch.object(outbox, "enqueue", lambda ids: len(list(ids))):
            cold = deadlines.deadline_scan(now=now, chunk_size=size)
            warm = deadlines.deadline_scan(now=now, chunk_size=size)
        result["cold_pass"] = cold.as_dict()
        result["warm_pass"] = warm.as_dict()
        result["outbox_rows"] = Notification.objects.filter(
            dedupe_key__startswith="deadline:"
        ).count()
        _clean()

        for name, query in result["query"].items():
            self.stdout.write(
                f"query {name}: {query['execution_ms']} ms (planning {query['planning_ms']} ms) "
                f"using {', '.join(query['indexes']) or 'no index'}"
            )
        self.stdout.write(
            f"walk over all chunks: {result['walk']['rows']:,} rows in {result['walk']['ms']} ms"
        )
        self.stdout.write(
            f"cold pass: {cold.seconds:.2f} s, {sum(cold.alerts.values()):,} alerts "
            f"{cold.alerts}, {cold.staff_notified:,} staff messages, "
            f"{result['outbox_rows']:,} outbox rows"
        )
        self.stdout.write(f"warm pass: {warm.seconds:.2f} s, {warm.examined:,} dossiers read")
        if options["json"]:
            for query in result["query"].values():
                query.pop("plan")
            self.stdout.write(json.dumps(result, ensure_ascii=False))
