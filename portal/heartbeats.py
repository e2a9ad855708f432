"""Heartbeats of beat and the workers, and what the health check concludes from them.

Beat writes ``beat`` at every tick while it holds the lock (portal/beat.py); every task run on a
worker writes ``task:<name>`` (a Celery signal). A beat silent for longer than
HEALTH_BEAT_SILENT_AFTER seconds means no deadline warning, payment check or sweep is sent; no
task run for HEALTH_WORKER_SILENT_AFTER seconds while beat sends means no worker runs them.
"""

from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

logger = logging.getLogger(__name__)
BEAT = "beat"
TASK_PREFIX = "task:"


def beat_alive(*, started_at: datetime) -> None:
    record(BEAT, started_at=started_at)


def record(name: str, *, started_at: datetime | None = None) -> None:
    """Upsert one heartbeat row (one statement; `started_at` is kept from the first write)."""
    from portal.models import Heartbeat

    now = timezone.now()
    row = Heartbeat(name=name, seen_at=now, started_at=started_at or now, host=socket.gethostname())
    Heartbeat.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["seen_at", "host", *(["started_at"] if started_at else [])],
    )


def liveness(now: datetime | None = None) -> dict[str, str]:
    """{"beat": ok|silent, "worker": ok|silent|starting} from the heartbeat rows."""
    from portal.models import Heartbeat

    now = now or timezone.now()
    rows = {row.name: row for row in Heartbeat.objects.all()}
    beat = rows.get(BEAT)
    beat_limit = timedelta(seconds=settings.HEALTH_BEAT_SILENT_AFTER)
    worker_limit = timedelta(seconds=settings.HEALTH_WORKER_SILENT_AFTER)
    states = {"beat": "ok" if beat and now - beat.seen_at <= beat_limit else "silent"}
    last_task = max(
        (row.seen_at for name, row in rows.items() if name.startswith(TASK_PREFIX)), default=None
    )
    if last_task and now - last_task <= worker_limit:
        states["worker"] = "ok"
    elif beat is not None and now - beat.started_at <= worker_limit:
        states["worker"] = "starting"  # beat has not been sending long enough to tell
    else:
        states["worker"] = "silent"
    return states


def connect_celery_signals() -> None:
    from celery import signals

    @signals.task_postrun.connect(weak=False)
    def _task_ran(task: Any = None, **kwargs: Any) -> None:
        if task is None or getattr(task.request, "is_eager", False):
            return
        try:
            record(f"{TASK_PREFIX}{task.name}")
        except DatabaseError:
            logger.warning("Heartbeat of %s not written: database unreachable.", task.name)
