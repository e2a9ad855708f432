"""Half-month rollup of settled dossiers, so reports over millions of dossiers stay fast.

A dossier that is done, returned or withdrawn never changes again. Once a day (beat,
`refresh_report_rollup`) the dossiers settled since the last refresh are counted into
`DossierRollup` rows, one per (agency, procedure, half-month bucket), and the horizon moves to
local midnight. A report over a period whose start and end fall on bucket boundaries (every
Decree 09 and calendar half-year and year does: the 1st and the 15th) then reads:

- the rollup rows for the dossiers settled before the horizon, and
- the dossiers themselves for the rest: those still open and those settled since the horizon
  (the same SQL as without a rollup, restricted to them) —

and adds them up. Each figure of `figures.py` is a sum of flows per bucket:

- received (by channel), processed (early / on time / late), returned, withdrawn: the buckets
  of the period;
- carried over: received minus settled in every bucket before the period;
- in progress at the end: received minus settled in every bucket before the end;
- overdue at the end: "due" (counted in the bucket of the due time) minus "due and settled"
  (counted in the bucket of the later of due time and settlement) before the end. While a
  period is still running this is zero (every rolled-up dossier settled before now); the open
  dossiers are then judged overdue against the moment of counting, as in figures.py.

Rows carry the horizon of the refresh that wrote them and a report only reads rows up to the
horizon it read, so a refresh running at the same time never counts a dossier twice. Dossiers
written with a settlement date already behind the horizon (imports, generated bench data) are
not seen by the daily refresh: `rollup_rebuild` (manage.py rebuild_report_rollup) starts over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, Expression, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import (
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Greatest,
    TruncDate,
)
from django.utils import timezone

from dossiers.models import Dossier
from procedures.models import Channel

from .models import ROLLUP_COUNTS, DossierRollup, RollupHorizon

State = Dossier.State
SETTLED_STATES = (State.DONE, State.RETURNED, State.WITHDRAWN)


def bucket_of(day: date) -> int:
    """The half-month bucket of a day: 1st–14th and 15th–end of each month."""
    return (day.year * 12 + day.month - 1) * 2 + (1 if day.day >= 15 else 0)


def is_boundary(day: date) -> bool:
    return day.day in (1, 15)


def _annotated_bucket(queryset: QuerySet[Any], field: str | Expression) -> QuerySet[Any]:
    """`bucket`: the half-month bucket of a moment in the portal's time zone, in SQL."""
    zone = timezone.get_current_timezone()
    source: Any = F(field) if isinstance(field, str) else field
    return queryset.annotate(
        bucket_day=ExtractDay(source, tzinfo=zone),
    ).annotate(
        bucket=ExtractYear(source, tzinfo=zone) * 24
        + (ExtractMonth(source, tzinfo=zone) - 1) * 2
        + Case(When(bucket_day__gte=15, then=Value(1)), default=Value(0)),
    )


def _settled_between(start: datetime | None, end: datetime) -> QuerySet[Dossier]:
    settled = Dossier.objects.filter(state__in=SETTLED_STATES, finished_at__lt=end).order_by()
    if start is not None:
        settled = settled.filter(finished_at__gte=start)
    return settled.exclude(submitted_at=None)


def _flows(start: datetime | None, end: datetime) -> dict[tuple[int, int, int], dict[str, int]]:
    """Counts per (agency, procedure, bucket) of the dossiers settled in [start, end)."""
    zone = timezone.get_current_timezone()
    dossiers = _settled_between(start, end)
    done = Q(state=State.DONE)
    early = done & Q(finished_day__lt=F("due_day"))
    late = done & Q(finished_at__gt=F("due_at"))
    queries: list[tuple[QuerySet[Any], dict[str, Any]]] = [
        (
            _annotated_bucket(dossiers, "submitted_at"),
            {
                "received": Count("pk"),
                "received_online": Count("pk", filter=Q(channel=Channel.ONLINE)),
                "received_desk": Count("pk", filter=Q(channel=Channel.DESK)),
                "received_post": Count("pk", filter=Q(channel=Channel.POST)),
            },
        ),
        (
            _annotated_bucket(
                dossiers.annotate(
                    finished_day=TruncDate("finished_at", tzinfo=zone),
                    due_day=TruncDate("due_at", tzinfo=zone),
                ),
                "finished_at",
            ),
            {
                "settled": Count("pk"),
                "processed_early": Count("pk", filter=early),
                "processed_late": Count("pk", filter=late),
                "done": Count("pk", filter=done),
                "returned": Count("pk", filter=Q(state=State.RETURNED)),
                "withdrawn": Count("pk", filter=Q(state=State.WITHDRAWN)),
            },
        ),
        (_annotated_bucket(dossiers.exclude(due_at=None), "due_at"), {"due": Count("pk")}),
        (
            _annotated_bucket(dossiers.exclude(due_at=None), Greatest("due_at", "finished_at")),
            {"due_settled": Count("pk")},
        ),
    ]
    flows: dict[tuple[int, int, int], dict[str, int]] = {}
    for queryset, counts in queries:
        for row in queryset.values("agency_id", "procedure_id", "bucket").annotate(**counts):
            key = (row["agency_id"], row["procedure_id"], row["bucket"])
            target = flows.setdefault(key, dict.fromkeys(ROLLUP_COUNTS, 0))
            for name in counts:
                if name == "done":
                    continue
                target[name] += row[name]
            if "done" in counts:
                target["processed_on_time"] += (
                    row["done"] - row["processed_early"] - row["processed_late"]
                )
    return flows


def default_horizon(now: datetime | None = None) -> datetime:
    """Local midnight today: everything settled before today goes into the rollup."""
    today = timezone.localdate(now or timezone.now())
    return timezone.make_aware(datetime.combine(today, time.min))


@dataclass(frozen=True)
class RefreshReport:
    previous: datetime | None
    horizon: datetime | None
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "previous": self.previous.isoformat() if self.previous else None,
            "horizon": self.horizon.isoformat() if self.horizon else None,
            "rows": self.rows,
        }


@transaction.atomic
def rollup_refresh(*, until: datetime | None = None) -> RefreshReport:
    """Count the dossiers settled since the horizon into the rollup; move the horizon.

    Idempotent and safe when two beats run it: the horizon row is locked, the second run finds
    nothing left to count.
    """
    until = until or default_horizon()
    state, _created = RollupHorizon.objects.select_for_update().get_or_create(pk=1)
    previous = state.horizon
    if previous is not None and until <= previous:
        return RefreshReport(previous=previous, horizon=previous, rows=0)
    flows = _flows(previous, until)
    DossierRollup.objects.bulk_create(
        [
            DossierRollup(
                agency_id=agency,
                procedure_id=procedure,
                bucket=bucket,
                horizon=until,
                **counts,
            )
            for (agency, procedure, bucket), counts in flows.items()
        ],
        batch_size=2000,
    )
    state.horizon, state.refreshed_at = until, timezone.now()
    state.save(update_fields=["horizon", "refreshed_at"])
    return RefreshReport(previous=previous, horizon=until, rows=len(flows))


@transaction.atomic
def rollup_rebuild(*, until: datetime | None = None) -> RefreshReport:
    """Start the rollup over: every dossier settled before `until` counted again."""
    RollupHorizon.objects.select_for_update().get_or_create(pk=1)
    DossierRollup.objects.all().delete()
    RollupHorizon.objects.filter(pk=1).update(horizon=None, refreshed_at=None)
    return rollup_refresh(until=until)


def current_horizon() -> datetime | None:
    return RollupHorizon.objects.filter(pk=1).values_list("horizon", flat=True).first()


def usable_horizon(start: date, end: date) -> datetime | None:
    """The horizon a report over [start, end] may use, or None to count every dossier."""
    if not is_boundary(start) or not is_boundary(end + timedelta(days=1)):
        return None
    return current_horizon()


def rollup_rows(
    *, start: date, end: date, horizon: datetime, scoped: Callable[[QuerySet[Any]], QuerySet[Any]]
) -> Iterable[dict[str, Any]]:
    """Figures of the dossiers settled before `horizon` per (agency, procedure), as figures.py
    names them. `scoped` narrows the rollup rows to the report's scope."""
    first, after = bucket_of(start), bucket_of(end + timedelta(days=1))
    rows = scoped(DossierRollup.objects.filter(horizon__lte=horizon, bucket__lt=after)).order_by()
    inside = Q(bucket__gte=first)
    stock = F("received") - F("settled")

    def total(expression: Any, condition: Q | None = None) -> Any:
        return Coalesce(Sum(expression, filter=condition), 0)

    grouped = rows.values("agency_id", "procedure_id").annotate(
        carried_over=total(stock, Q(bucket__lt=first)),
        received_in=total("received", inside),
        received_online_in=total("received_online", inside),
        received_desk_in=total("received_desk", inside),
        received_post_in=total("received_post", inside),
        processed_early_in=total("processed_early", inside),
        processed_on_time_in=total("processed_on_time", inside),
        processed_late_in=total("processed_late", inside),
        returned_in=total("returned", inside),
        withdrawn_in=total("withdrawn", inside),
        in_progress=total(stock),
        in_progress_overdue=total(F("due") - F("due_settled")),
    )
    for row in grouped:
        if not any(
            value for name, value in row.items() if name not in ("agency_id", "procedure_id")
        ):
            continue  # settled before the period: nothing to show for it
        yield {
            "agency_id": row["agency_id"],
            "procedure_id": row["procedure_id"],
            "carried_over": row["carried_over"],
            "received": row["received_in"],
            "received_online": row["received_online_in"],
            "received_desk": row["received_desk_in"],
            "received_post": row["received_post_in"],
            "processed": row["processed_early_in"]
            + row["processed_on_time_in"]
            + row["processed_late_in"],
            "processed_early": row["processed_early_in"],
            "processed_late": row["processed_late_in"],
            "returned": row["returned_in"],
            "withdrawn": row["withdrawn_in"],
            "in_progress": row["in_progress"],
            "in_progress_overdue": row["in_progress_overdue"],
        }
