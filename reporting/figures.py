"""The figures of a report, aggregated in SQL (DESIGN.md §2 rule 15, §9).

One scan of the dossiers that matter to the period — submitted before it ends and not settled
before it starts — grouped by (agency, procedure) with conditional counts (``COUNT(*) FILTER``
on PostgreSQL). Agency, sector, procedure and total tables are sums of those few grouped rows.

Definitions (one dossier is in exactly one box, so that
``carried_over + received = processed + returned + withdrawn + in_progress``):

- carried over: submitted before the period and still open at its start;
- received: submitted during the period (by channel: online, at the desk, by post);
- processed: a result produced during the period (state done), split by its legal due time
  (``due_at``; an apology's new appointment does not change it): early = on an earlier day than
  due, on time = on the due day and not after the due moment, late = after the due moment;
- returned: refused at the desk or rejected after processing during the period;
- withdrawn: withdrawn during the period;
- in progress: still open at the end of the period, within time or overdue at that moment.
  For a period not yet ended, "that moment" is when the figures are counted (``as_of``): a
  dossier is overdue once its due time has passed, never because it falls due later in the
  period, as on the leader's dashboard.

Dossiers settled before the rollup's horizon are read from the half-month rollup instead when
the period starts and ends on its boundaries (rollup.py): the same figures, far fewer rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from portal.models import Agency
from portal.succession import current_agency_ids
from procedures.models import Channel, Procedure, Sector, ServiceLevel

from . import rollup
from .periods import Period

PROVINCE = "province"
AGENCY = "agency"
SECTOR = "sector"
SCOPE_KINDS = (PROVINCE, AGENCY, SECTOR)

DOSSIER_FIELDS = (
    "carried_over",
    "received",
    "received_online",
    "received_desk",
    "received_post",
    "processed",
    "processed_early",
    "processed_on_time",
    "processed_late",
    "returned",
    "withdrawn",
    "in_progress",
    "in_progress_within",
    "in_progress_overdue",
)


@dataclass(frozen=True)
class Scope:
    kind: str = PROVINCE
    agency_id: int | None = None
    sector_id: int | None = None
    # Count by the agency as it is now (each succeeded agency's dossiers under its current
    # successor) rather than as it was when the dossier was filed.
    agencies_now: bool = False

    def __post_init__(self) -> None:
        if self.kind not in SCOPE_KINDS:
            raise ValueError(f"unknown scope {self.kind!r}")
        if self.kind == AGENCY and not self.agency_id:
            raise ValueError("an agency scope needs an agency")
        if self.kind == SECTOR and not self.sector_id:
            raise ValueError("a sector scope needs a sector")

    @property
    def _agency(self) -> int:
        return int(self.agency_id or 0)

    @property
    def _sector(self) -> int:
        return int(self.sector_id or 0)

    def label(self) -> str:
        if self.kind == AGENCY:
            label = Agency.objects.get(pk=self._agency).name
        elif self.kind == SECTOR:
            label = _("Sector: %(name)s") % {"name": Sector.objects.get(pk=self._sector).name}
        else:
            label = _("Whole province")
        if self.agencies_now:
            return _("%(scope)s (agencies as they are now)") % {"scope": label}
        return label

    def dossiers(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Narrow dossiers (or any rows with `agency` and `procedure`) to the scope."""
        if self.kind == AGENCY:
            return queryset.filter(agency_id__in=self.agency_ids())
        if self.kind == SECTOR:
            return queryset.filter(procedure__sector_id=self._sector)
        return queryset

    def agency_ids(self) -> list[int]:
        """The agency of the scope, with the agencies it succeeded when counting as it is now."""
        if not self.agencies_now:
            return [self._agency]
        mapping = current_agency_ids()
        return [self._agency, *(old for old, new in mapping.items() if new == self._agency)]

    def procedures(self, queryset: QuerySet[Procedure]) -> QuerySet[Procedure]:
        if self.kind == AGENCY:
            return queryset.filter(agency_id=self._agency)
        if self.kind == SECTOR:
            return queryset.filter(sector_id=self._sector)
        return queryset

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "agency_id": self.agency_id,
            "sector_id": self.sector_id,
            "agencies_now": self.agencies_now,
        }


def rate(part: int, whole: int) -> str | None:
    """A percentage with one decimal as text ("87.5"), or None when there is nothing to rate."""
    if not whole:
        return None
    # Tenths of a percent, rounded half up, in integers (exact, and cheap for thousands of
    # lines); negative parts do not occur.
    tenths, remainder = divmod(part * 1000, whole)
    if 2 * remainder >= whole:
        tenths += 1
    return f"{tenths // 10}.{tenths % 10}"


def _grouped_rows(
    period: Period, scope: Scope, *, use_rollup: bool, as_of: datetime
) -> list[dict[str, Any]]:
    start, end = period.starts_at, period.ends_before
    # Overdue is judged at the end of the period, or now while the period is still running.
    overdue_before = period.counted_until(as_of)
    # Dossiers settled before the rollup's horizon come from the rollup (rollup.py), the rest
    # from the dossiers themselves; without a usable rollup, everything from the dossiers.
    horizon = rollup.usable_horizon(period.start, period.end) if use_rollup else None
    zone = timezone.get_current_timezone()
    settled = Q(finished_at__isnull=False) & Q(finished_at__lt=end)
    finished_in = Q(finished_at__gte=start, finished_at__lt=end)
    done_in = finished_in & Q(state=Dossier.State.DONE)
    open_at_end = ~settled
    received_in = Q(submitted_at__gte=start)
    # COUNT(state) (never null), not COUNT(id): the id is not in the covering indexes, and the
    # scans should read the indexes alone.
    counts = {
        "carried_over": Count("state", filter=Q(submitted_at__lt=start)),
        "received": Count("state", filter=received_in),
        "received_online": Count("state", filter=received_in & Q(channel=Channel.ONLINE)),
        "received_desk": Count("state", filter=received_in & Q(channel=Channel.DESK)),
        "received_post": Count("state", filter=received_in & Q(channel=Channel.POST)),
        "processed": Count("state", filter=done_in),
        "processed_early": Count("state", filter=done_in & Q(finished_day__lt=F("due_day"))),
        "processed_late": Count("state", filter=done_in & Q(finished_at__gt=F("due_at"))),
        "returned": Count("state", filter=finished_in & Q(state=Dossier.State.RETURNED)),
        "withdrawn": Count("state", filter=finished_in & Q(state=Dossier.State.WITHDRAWN)),
        "in_progress": Count("state", filter=open_at_end),
        "in_progress_overdue": Count("state", filter=open_at_end & Q(due_at__lt=overdue_before)),
    }
    submitted = scope.dossiers(Dossier.objects.filter(submitted_at__lt=end)).order_by()
    # Two scans, each on its own index: dossiers settled since the start of the period (by
    # `finished_at`) and dossiers still open (the partial index `dossier_open_report`).
    # Together they are every dossier that is not settled before the period starts.
    parts = (
        submitted.filter(finished_at__gte=max(start, horizon) if horizon else start),
        submitted.filter(state__in=Dossier.OPEN_STATES),
    )
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    if horizon is not None:
        for row in rollup.rollup_rows(
            start=period.start, end=period.end, horizon=horizon, scoped=scope.dossiers
        ):
            rows[(row["agency_id"], row["procedure_id"])] = row
    for part in parts:
        grouped: Any = (
            part.annotate(
                finished_day=TruncDate("finished_at", tzinfo=zone),
                due_day=TruncDate("due_at", tzinfo=zone),
            )
            .values("agency_id", "procedure_id")
            .annotate(**counts)
        )
        for row in grouped:
            key = (row["agency_id"], row["procedure_id"])
            if key in rows:
                for name in counts:
                    rows[key][name] += row[name]
            else:
                rows[key] = row
    return list(rows.values())


def dossier_rows(period: Period, scope: Scope) -> list[dict[str, Any]]:
    """The counts per (agency, procedure) behind the report tables (the rollup where usable),
    for readers that group them otherwise (the service index)."""
    rows = _grouped_rows(period, scope, use_rollup=True, as_of=timezone.now())
    return [_complete(row) for row in rows]


def agencies_as_now(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with each succeeded agency replaced by its current successor."""
    mapping = current_agency_ids()
    if not mapping:
        return rows
    return [{**row, "agency_id": mapping.get(row["agency_id"], row["agency_id"])} for row in rows]


def _complete(row: dict[str, Any]) -> dict[str, Any]:
    row["processed_on_time"] = row["processed"] - row["processed_early"] - row["processed_late"]
    row["in_progress_within"] = row["in_progress"] - row["in_progress_overdue"]
    row["on_time_rate"] = rate(row["processed_early"] + row["processed_on_time"], row["processed"])
    row["online_share"] = rate(row["received_online"], row["received"])
    return row


def _sum(rows: Iterable[dict[str, Any]], key: Any) -> dict[Any, dict[str, Any]]:
    sums: dict[Any, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(DOSSIER_FIELDS, 0))
    counted = [field for field in DOSSIER_FIELDS if field not in _DERIVED]
    for row in rows:
        target = sums[key(row)]
        for field in counted:
            target[field] += row[field]
    return sums


_DERIVED = ("processed_on_time", "in_progress_within")


class _Name(NamedTuple):
    code: str
    name: str


class _ProcedureName(NamedTuple):
    code: str
    name: str
    level: int
    sector_id: int
    sector_code: str
    sector_name: str


def dossier_figures(
    period: Period, scope: Scope, *, use_rollup: bool = True, as_of: datetime | None = None
) -> dict[str, Any]:
    """Totals and tables by agency, sector and procedure for one period and scope.

    `use_rollup=False` counts every dossier afresh (the benchmark compares both ways). `as_of`
    (default: now) is the moment of counting; it only matters while the period is running.
    """
    rows = _grouped_rows(
        period, scope, use_rollup=use_rollup, as_of=as_of if as_of is not None else timezone.now()
    )
    if scope.agencies_now:
        rows = agencies_as_now(rows)
    procedure_ids = {row["procedure_id"] for row in rows}
    # Plain tuples, not model instances: a province report names thousands of procedures. For
    # many of them the whole catalogue is read (a few thousand rows) rather than a long IN list,
    # whose parameters cost more than the rows.
    catalogue = Procedure.objects.all()
    if len(procedure_ids) < 500:
        catalogue = catalogue.filter(pk__in=procedure_ids)
    procedures = {
        pk: _ProcedureName(code, name, level, sector_id, sector_code, sector_name)
        for pk, code, name, level, sector_id, sector_code, sector_name in catalogue.values_list(
            "pk", "code", "name", "level", "sector_id", "sector__code", "sector__name"
        )
        if pk in procedure_ids
    }
    agencies = {
        pk: _Name(code, name)
        for pk, code, name in Agency.objects.filter(
            pk__in={row["agency_id"] for row in rows}
        ).values_list("pk", "code", "name")
    }

    def table(sums: dict[Any, dict[str, Any]], describe: Any) -> list[dict[str, Any]]:
        lines = [{**describe(key), **_complete(values)} for key, values in sums.items()]
        # Codes are unique, names are not (two communes have the same procedure): the code
        # settles ties, so the same figures always give the same order.
        return sorted(
            lines,
            key=lambda line: (-line["received"] - line["carried_over"], line["name"], line["code"]),
        )

    by_agency_sums = _sum(rows, lambda row: row["agency_id"])
    by_agency = table(
        dict(by_agency_sums),
        lambda pk: {"code": agencies[pk].code, "name": agencies[pk].name},
    )
    sectors = {p.sector_id: _Name(p.sector_code, p.sector_name) for p in procedures.values()}
    by_sector = table(
        _sum(rows, lambda row: procedures[row["procedure_id"]].sector_id),
        lambda pk: {"code": sectors[pk].code, "name": sectors[pk].name},
    )
    by_procedure = table(
        _sum(rows, lambda row: row["procedure_id"]),
        lambda pk: {
            "code": procedures[pk].code,
            "name": procedures[pk].name,
            "level": procedures[pk].level,
        },
    )
    # The province total from the agency sums: a few rows instead of thousands.
    totals = _complete(_sum(by_agency_sums.values(), lambda row: "all")["all"])
    return {
        "totals": totals,
        "by_agency": by_agency,
        "by_sector": by_sector,
        "by_procedure": by_procedure,
        "online": _online_figures(scope, rows, procedures),
    }


def _online_figures(
    scope: Scope, rows: list[dict[str, Any]], procedures: dict[int, _ProcedureName]
) -> list[dict[str, Any]]:
    """Per service level: published procedures, dossiers received and the share online."""
    published = dict(
        scope.procedures(Procedure.objects.filter(is_published=True))
        .order_by()
        .values_list("level")
        .annotate(count=Count("pk"))
    )
    received: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        level = procedures[row["procedure_id"]].level
        received[level][0] += row["received"]
        received[level][1] += row["received_online"]
    return [
        {
            "level": level,
            "label": str(ServiceLevel(level).label),
            "procedures": published.get(level, 0),
            "received": received[level][0],
            "received_online": received[level][1],
            "online_share": rate(received[level][1], received[level][0]),
        }
        for level in sorted(ServiceLevel.values)
    ]
