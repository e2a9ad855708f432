"""The leader's dashboard and the desk's list of results to hand over.

Figures are aggregated in SQL: one query per grouping (the agency, each department, each
specialist) with conditional aggregates (`COUNT(*) FILTER (WHERE …)`), over the agency's open
dossiers (partial index `dossier_agency_queue`) and those finished this month
(`dossier_agency_finished`). Statistics measure against `due_at`, the legal due time (rule 8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from . import queue as desk_queue
from .models import Dossier, Proposal

State = Dossier.State
HANDOVER_PAGE_SIZE = 50


def month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _metrics(moments: desk_queue.Moments, since: datetime) -> dict[str, Any]:
    processing = Q(state=State.PROCESSING)
    this_month = Q(finished_at__gte=since)
    # Finished against a due time: done, or returned after acceptance.
    finished = this_month & Q(state__in=[State.DONE, State.RETURNED], due_at__isnull=False)
    pending = Proposal.objects.filter(dossier_id=OuterRef("pk"), status=Proposal.Status.PENDING)
    return {
        "received": Count("pk", filter=Q(state=State.RECEIVED)),
        "incomplete": Count("pk", filter=Q(state=State.INCOMPLETE)),
        "processing": Count("pk", filter=processing),
        "awaiting_approval": Count("pk", filter=processing & Q(Exists(pending))),
        "overdue": Count("pk", filter=processing & Q(due_at__lt=moments.now)),
        "at_risk": Count(
            "pk", filter=processing & Q(due_at__gte=moments.now, due_at__lte=moments.soon)
        ),
        "done_month": Count("pk", filter=this_month & Q(state=State.DONE)),
        "returned_month": Count("pk", filter=this_month & Q(state=State.RETURNED)),
        "withdrawn_month": Count("pk", filter=this_month & Q(state=State.WITHDRAWN)),
        "finished_month": Count("pk", filter=finished),
        "on_time_month": Count("pk", filter=finished & Q(finished_at__lte=F("due_at"))),
    }


def on_time_rate(figures: dict[str, Any]) -> Decimal | None:
    """Per cent of this month's finished dossiers that finished by their due time."""
    finished = figures.get("finished_month") or 0
    if not finished:
        return None
    rate = Decimal(figures.get("on_time_month") or 0) * 100 / finished
    return rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Dashboard:
    totals: dict[str, Any]
    departments: list[dict[str, Any]] = field(default_factory=list)
    specialists: list[dict[str, Any]] = field(default_factory=list)
    since: datetime | None = None


def _relevant(agency_id: int, since: datetime) -> QuerySet[Dossier]:
    return Dossier.objects.filter(agency_id=agency_id).filter(
        Q(state__in=Dossier.OPEN_STATES) | Q(finished_at__gte=since)
    )


def agency_dashboard(*, agency_id: int, now: datetime | None = None) -> Dashboard:
    moments = desk_queue.Moments.at(now)
    since = month_start(moments.now)
    metrics = _metrics(moments, since)
    dossiers = _relevant(agency_id, since)
    totals: dict[str, Any] = dict(dossiers.aggregate(**metrics))
    totals["on_time_rate"] = on_time_rate(totals)
    departments: list[dict[str, Any]] = [
        dict(row)
        for row in dossiers.filter(department__isnull=False)
        .values("department_id", "department__name")
        .annotate(**metrics)
        .order_by("department__name", "department_id")
    ]
    specialists: list[dict[str, Any]] = [
        dict(row)
        for row in dossiers.filter(assignee__isnull=False)
        .values("assignee_id", "assignee__full_name", "assignee__department__name")
        .annotate(**metrics)
        .order_by("assignee__full_name", "assignee_id")
    ]
    for row in [*departments, *specialists]:
        row["on_time_rate"] = on_time_rate(row)
    return Dashboard(totals=totals, departments=departments, specialists=specialists, since=since)


# --- Results to hand over ------------------------------------------------------------------


@dataclass
class HandoverPage:
    rows: list[Dossier]
    next_cursor: str | None
    is_first: bool = True


def results_to_hand_over(
    *, agency_id: int, after: str = "", page_size: int = HANDOVER_PAGE_SIZE
) -> HandoverPage:
    """Done, not yet delivered: oldest result first (partial index `dossier_agency_undelivered`)."""
    dossiers = Dossier.objects.filter(
        agency_id=agency_id, state=State.DONE, delivered_at__isnull=True
    )
    cursor = desk_queue.Cursor.decode(after)
    if cursor is not None:
        dossiers = dossiers.filter(
            Q(finished_at__gt=cursor.sort_at) | Q(finished_at=cursor.sort_at, pk__gt=cursor.pk)
        )
    page = list(
        dossiers.select_related("procedure", "department").order_by("finished_at", "pk")[
            : page_size + 1
        ]
    )
    next_cursor = None
    if len(page) > page_size:
        page = page[:page_size]
        last = page[-1]
        next_cursor = desk_queue.Cursor(0, last.finished_at, last.pk).encode()  # type: ignore[arg-type]
    return HandoverPage(rows=page, next_cursor=next_cursor, is_first=cursor is None)
