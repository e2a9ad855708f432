"""The service index of Decision 766/QĐ-TTg (23/6/2022), computed live from the portal's data.

Each indicator is a rate (numerator / denominator) worth `weight` points; its points are
`weight × rate`. Indicators whose data the portal does not hold are "not measured" (None), never
zero, and the total is shown against the weight that was measured. docs/service-index.md gives
every formula, its source clause and the data it reads.

Dossier counts come from the report figures (reporting.figures.dossier_rows), so a period whose
ends fall on the 1st or the 15th — every month, quarter, half and year below — reads the
half-month rollup plus the open and recently settled dossiers. Feedback, ratings and payments are
a few grouped counts on their own indexes. Results are cached (CACHE_SECONDS; a day for
periods that have ended).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from feedback.models import Feedback, Rating
from payments.models import Payment
from portal.models import Agency
from procedures.models import Procedure, ServiceLevel
from reporting import periods
from reporting.figures import AGENCY, PROVINCE, SECTOR, Scope, dossier_rows, rate
from reporting.models import DossierSyncState
from reporting.periods import Period

CACHE_SECONDS = 600
# A rating of this many stars or fewer counts as "not satisfied" (indicator 5.3).
UNSATISFIED_STARS = 2

MONTH, QUARTER, HALF, YEAR = "month", "quarter", "half", "year"
PERIOD_KINDS = (MONTH, QUARTER, HALF, YEAR)


@dataclass(frozen=True)
class Definition:
    key: str
    group: str
    label: Any  # lazy text
    weight: int
    clause: str


GROUPS: dict[str, Any] = {
    "publicity": gettext_lazy("Publicity and transparency"),
    "timeliness": gettext_lazy("Progress and results of processing"),
    "digitisation": gettext_lazy("Digitisation of dossiers and results"),
    "online": gettext_lazy("Online service and online payment"),
    "satisfaction": gettext_lazy("Satisfaction"),
}

DEFINITIONS: tuple[Definition, ...] = (
    Definition("1.1", "publicity", gettext_lazy("Procedures announced on time"), 4, "Annex, I.1.a"),
    Definition(
        "1.2",
        "publicity",
        gettext_lazy("Procedures updated and published on time"),
        4,
        "Annex, I.1.b",
    ),
    Definition(
        "1.3",
        "publicity",
        gettext_lazy("Procedures published with all their parts"),
        4,
        "Annex, I.1.c",
    ),
    Definition(
        "1.4",
        "publicity",
        gettext_lazy("Dossiers synchronised to the National Public Service Portal"),
        6,
        "Annex, I.1.d",
    ),
    Definition(
        "2.1",
        "timeliness",
        gettext_lazy("Dossiers settled early or on time"),
        20,
        "Annex, I.2.a",
    ),
    Definition(
        "3.1",
        "digitisation",
        gettext_lazy("Dossiers digitised at reception and results issued electronically"),
        22,
        "Annex, I.3",
    ),
    Definition(
        "4.1",
        "online",
        gettext_lazy("Procedures offered as online public services"),
        4,
        "Annex, I.4.a",
    ),
    Definition(
        "4.2",
        "online",
        gettext_lazy("Online services that received online dossiers"),
        4,
        "Annex, I.4.b",
    ),
    Definition(
        "4.3",
        "online",
        gettext_lazy("Dossiers submitted online"),
        4,
        "Annex, I.4.c",
    ),
    Definition(
        "4.4",
        "online",
        gettext_lazy("Fees paid online"),
        10,
        "Annex, I.4.d",
    ),
    Definition(
        "5.1",
        "satisfaction",
        gettext_lazy("Feedback answered on time"),
        6,
        "Annex, I.5.a",
    ),
    Definition(
        "5.2",
        "satisfaction",
        gettext_lazy("Satisfaction with the handling of feedback"),
        6,
        "Annex, I.5.b",
    ),
    Definition(
        "5.3",
        "satisfaction",
        gettext_lazy("Satisfaction with the processing of dossiers"),
        6,
        "Annex, I.5.c",
    ),
)
DEFINITION_BY_KEY = {definition.key: definition for definition in DEFINITIONS}
TOTAL_WEIGHT = sum(definition.weight for definition in DEFINITIONS)

# Why the portal cannot measure an indicator (the data is held elsewhere).
NOT_MEASURED: dict[str, Any] = {
    "1.1": gettext_lazy(
        "The dates of the ministries' announcing decisions and their legal deadlines are held "
        "in the national procedure database, not in the portal."
    ),
    "1.2": gettext_lazy(
        "When a procedure had to be published in the national database is recorded there, "
        "not in the portal."
    ),
    "3.1": gettext_lazy(
        "Digitisation at the desk (scanning and signing paper documents into the data "
        "warehouse) and electronic results with a digital signature are not recorded per "
        "dossier by the portal."
    ),
}
# Not measured for one kind of scope only.
NOT_MEASURED_FOR_SECTOR: dict[str, Any] = {
    "5.1": gettext_lazy("Feedback is addressed to an agency, not to a sector."),
    "5.2": gettext_lazy("Feedback is addressed to an agency, not to a sector."),
}
SYNC_OFF = gettext_lazy("The national-portal sync is not configured (NATIONAL_SYNC_URL).")


@dataclass
class Ratio:
    part: int = 0
    whole: int = 0

    def add(self, part: int, whole: int) -> None:
        self.part += part
        self.whole += whole


@dataclass
class Indicator:
    key: str
    group: str
    label: str
    weight: int
    clause: str
    measured: bool
    reason: str = ""
    part: int = 0
    whole: int = 0

    @property
    def rate(self) -> str | None:
        return rate(self.part, self.whole) if self.measured else None

    @property
    def points(self) -> Decimal | None:
        """weight × rate, two decimals; None when not measured or nothing to rate."""
        if not self.measured or not self.whole:
            return None
        return (Decimal(self.weight * self.part) / Decimal(self.whole)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "group": self.group,
            "label": self.label,
            "weight": self.weight,
            "clause": self.clause,
            "measured": self.measured,
            "reason": self.reason,
            "numerator": self.part if self.measured else None,
            "denominator": self.whole if self.measured else None,
            "rate": self.rate,
            "points": str(self.points) if self.points is not None else None,
        }


@dataclass
class ServiceIndex:
    period: Period
    scope_label: str
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def points(self) -> Decimal | None:
        scored = [i.points for i in self.indicators if i.points is not None]
        return sum(scored, Decimal("0.00")) if scored else None

    @property
    def scored_weight(self) -> int:
        """The points at stake in the indicators that could be scored."""
        return sum(i.weight for i in self.indicators if i.points is not None)

    @property
    def score(self) -> str | None:
        """The points as a share of the scored weight (0–100), comparable between scopes."""
        points = self.points
        if points is None or not self.scored_weight:
            return None
        return str((points * 100 / self.scored_weight).quantize(Decimal("0.1"), ROUND_HALF_UP))

    def groups(self) -> list[dict[str, Any]]:
        out = []
        for key, label in GROUPS.items():
            members = [i for i in self.indicators if i.group == key]
            scored = [i.points for i in members if i.points is not None]
            out.append(
                {
                    "key": key,
                    "label": str(label),
                    "weight": sum(i.weight for i in members),
                    "points": str(sum(scored, Decimal("0.00"))) if scored else None,
                    "indicators": [i.as_dict() for i in members],
                }
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        points = self.points
        return {
            "period": self.period.as_dict(),
            "scope": self.scope_label,
            "points": str(points) if points is not None else None,
            "scored_weight": self.scored_weight,
            "total_weight": TOTAL_WEIGHT,
            "score": self.score,
            "groups": self.groups(),
        }


# --- Periods -------------------------------------------------------------------------------


def period_of(kind: str, year: int, number: int = 1, convention: str | None = None) -> Period:
    """Month `number` (1–12), quarter (1–4), half (1–2) or the year, with the report's cut-offs.

    Under Decree 09/2019 (the default) a month runs from the 15th of the month before to the
    14th, a quarter from 15/12, 15/3, 15/6 or 15/9 to the 14th of its last month; calendar
    months and quarters otherwise.
    """
    convention = convention or periods.default_convention()
    if kind == HALF:
        return periods.half_year(year, number, convention)
    if kind == YEAR:
        return periods.whole_year(year, convention)
    if kind == QUARTER:
        if not 1 <= number <= 4:
            raise ValueError("quarter must be 1–4")
        last_month = number * 3
        label = _("Quarter %(number)s/%(year)s") % {"number": number, "year": year}
    elif kind == MONTH:
        if not 1 <= number <= 12:
            raise ValueError("month must be 1–12")
        last_month = number
        label = _("Month %(number)s/%(year)s") % {"number": number, "year": year}
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    first_month = last_month - (2 if kind == QUARTER else 0)
    if convention == periods.DECREE_09:
        start_year, start_month = (year - 1, 12) if first_month == 1 else (year, first_month - 1)
        return Period(date(start_year, start_month, 15), date(year, last_month, 14), label)
    end = (date(year + (last_month == 12), last_month % 12 + 1, 1)) - timedelta(days=1)
    return Period(date(year, first_month, 1), end, label)


def months_before(day: date, count: int, convention: str | None = None) -> list[Period]:
    """The `count` months up to the one that contains `day`, oldest first."""
    convention = convention or periods.default_convention()
    year, month = day.year, day.month
    if convention == periods.DECREE_09 and day.day >= 15:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    out = []
    for _index in range(count):
        out.append(period_of(MONTH, year, month, convention))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(out))


# --- Computation ---------------------------------------------------------------------------


def _measured(key: str, scope: Scope) -> tuple[bool, str]:
    if key in NOT_MEASURED:
        return False, str(NOT_MEASURED[key])
    if scope.kind == SECTOR and key in NOT_MEASURED_FOR_SECTOR:
        return False, str(NOT_MEASURED_FOR_SECTOR[key])
    if key == "1.4" and not settings.NATIONAL_SYNC_URL:
        return False, str(SYNC_OFF)
    return True, ""


def _catalogue(scope: Scope) -> dict[int, dict[int, tuple[int, bool]]]:
    """Published procedures per agency: {agency: {procedure: (level, has all its parts)}}."""
    procedures = (
        scope.procedures(Procedure.published.all())
        .order_by()
        .annotate(document_count=Count("documents"))
        .values_list(
            "agency_id",
            "pk",
            "level",
            "document_count",
            "result",
            "legal_bases",
            "submission_channels",
            "return_methods",
        )
    )
    out: dict[int, dict[int, tuple[int, bool]]] = defaultdict(dict)
    for agency_id, pk, level, documents, result, legal, channels, returns in procedures:
        complete = bool(documents and result and legal and channels and returns)
        out[agency_id][pk] = (level, complete)
    return out


def _grouped(queryset: Any, **counts: Any) -> dict[int, dict[str, int]]:
    return {
        row.pop("agency_id"): row
        for row in queryset.order_by().values("agency_id").annotate(**counts)
    }


def _ratios(period: Period, scope: Scope) -> dict[int, dict[str, Ratio]]:
    """Per agency: (numerator, denominator) of every measurable indicator."""
    start, end = period.starts_at, period.ends_before
    by_agency: dict[int, dict[str, Ratio]] = defaultdict(lambda: defaultdict(Ratio))

    catalogue = _catalogue(scope)
    rows = dossier_rows(period, scope)
    online_received: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        agency = row["agency_id"]
        ratios = by_agency[agency]
        ratios["2.1"].add(row["processed"] - row["processed_late"], row["processed"])
        level = catalogue.get(agency, {}).get(row["procedure_id"], (0, False))[0]
        if level >= ServiceLevel.PARTLY_ONLINE:
            ratios["4.3"].add(row["received_online"], row["received"])
            if row["received_online"]:
                online_received[agency].add(row["procedure_id"])
        settled = row["processed"] + row["returned"]
        ratios["5.3"].add(settled, settled)  # dissatisfied ratings are taken off below
    for agency, procedures in catalogue.items():
        ratios = by_agency[agency]
        online = [
            pk for pk, (level, _c) in procedures.items() if level >= ServiceLevel.PARTLY_ONLINE
        ]
        ratios["1.3"].add(
            sum(1 for _l, complete in procedures.values() if complete), len(procedures)
        )
        ratios["4.1"].add(len(online), len(procedures))
        ratios["4.2"].add(len(online_received[agency] & set(online)), len(online))

    payments = Payment.objects.filter(
        state__in=(Payment.State.PAID, Payment.State.REFUNDED),
        paid_at__gte=start,
        paid_at__lt=end,
    )
    payments = _scoped_through_dossier(payments, scope)
    for agency, row in _grouped(
        # Counting `paid_at` (never null here), not `pk`: the covering index
        # `payment_paid_report` then answers alone, without reading the table.
        payments,
        paid=Count("paid_at"),
        online=Count("paid_at", filter=Q(method=Payment.Method.ONLINE)),
    ).items():
        by_agency[agency]["4.4"].add(row["online"], row["paid"])

    ratings = Rating.objects.filter(created_at__gte=start, created_at__lt=end)
    ratings = _scoped_through_dossier(ratings, scope)
    for agency, row in _grouped(
        # `stars`, not `pk`: read from the covering index `rating_created_report`.
        ratings,
        unsatisfied=Count("stars", filter=Q(stars__lte=UNSATISFIED_STARS)),
    ).items():
        ratio = by_agency[agency]["5.3"]
        ratio.part -= min(row["unsatisfied"], ratio.part)

    if scope.kind != SECTOR:
        feedback = Feedback.objects.filter(received_at__gte=start, received_at__lt=end)
        if scope.kind == AGENCY:
            feedback = feedback.filter(agency_id=scope.agency_id)
        on_time = Q(answered_at__isnull=False, answered_at__lte=F("due_at"))
        late = Q(answered_at__isnull=False, answered_at__gt=F("due_at"))
        for agency, row in _grouped(
            feedback,
            received=Count("pk"),
            on_time=Count("pk", filter=on_time),
            bad=Count("pk", filter=late | Q(resolved=False)),
        ).items():
            by_agency[agency]["5.1"].add(row["on_time"], row["received"])
            by_agency[agency]["5.2"].add(row["received"] - row["bad"], row["received"])

    if settings.NATIONAL_SYNC_URL:
        synced = _scoped_through_dossier(
            DossierSyncState.objects.filter(
                dossier__submitted_at__gte=start, dossier__submitted_at__lt=end
            ).annotate(agency_id=F("dossier__agency_id")),
            scope,
        )
        for agency, row in _grouped(synced, synced=Count("pk")).items():
            by_agency[agency]["1.4"].part += row["synced"]
        for row in rows:
            by_agency[row["agency_id"]]["1.4"].whole += row["received"]
    return by_agency


def _scoped_through_dossier(queryset: Any, scope: Scope) -> Any:
    if scope.kind == AGENCY:
        return queryset.filter(dossier__agency_id=scope.agency_id)
    if scope.kind == SECTOR:
        return queryset.filter(dossier__procedure__sector_id=scope.sector_id)
    return queryset


def _index(
    period: Period, scope: Scope, label: str, ratios: Iterable[dict[str, Ratio]]
) -> ServiceIndex:
    totals: dict[str, Ratio] = defaultdict(Ratio)
    for agency_ratios in ratios:
        for key, ratio in agency_ratios.items():
            totals[key].add(ratio.part, ratio.whole)
    index = ServiceIndex(period=period, scope_label=label)
    for definition in DEFINITIONS:
        measured, reason = _measured(definition.key, scope)
        ratio = totals.get(definition.key, Ratio())
        index.indicators.append(
            Indicator(
                key=definition.key,
                group=definition.group,
                label=str(definition.label),
                weight=definition.weight,
                clause=definition.clause,
                measured=measured,
                reason=reason,
                part=ratio.part if measured else 0,
                whole=ratio.whole if measured else 0,
            )
        )
    return index


def _cache_key(kind: str, period: Period, scope: Scope) -> str:
    return (
        f"service-index:{kind}:{period.start}:{period.end}:{scope.kind}:{scope.agency_id}:"
        f"{scope.sector_id}:{settings.NATIONAL_SYNC_URL != ''}:{get_language()}"
    )


def _timeout(period: Period) -> int:
    return 86400 if period.end < timezone.localdate() - timedelta(days=1) else CACHE_SECONDS


def _province_ratios(period: Period) -> dict[int, dict[str, Ratio]]:
    """`_ratios` of the whole province, kept a short while: the province's index and the
    ranking of its agencies are the same counts added up two ways, asked for together."""
    key = _cache_key("ratios", period, Scope())
    cached = cache.get(key)
    if cached is not None:
        return {
            agency: {name: Ratio(*pair) for name, pair in ratios.items()}
            for agency, ratios in cached.items()
        }
    ratios = _ratios(period, Scope())
    plain = {
        agency: {name: (ratio.part, ratio.whole) for name, ratio in agency_ratios.items()}
        for agency, agency_ratios in ratios.items()
    }
    cache.set(key, plain, _timeout(period))
    return ratios


def service_index(*, period: Period, scope: Scope) -> ServiceIndex:
    """The index of one scope (the province, an agency or a sector) for one period."""
    key = _cache_key("one", period, scope)
    cached = cache.get(key)
    if cached is not None:
        return cached
    ratios = _province_ratios(period) if scope == Scope() else _ratios(period, scope)
    index = _index(period, scope, scope.label(), ratios.values())
    cache.set(key, index, _timeout(period))
    return index


def agency_ranking(*, period: Period) -> list[dict[str, Any]]:
    """Every agency with data in the period, best score first (ties: more points, then code)."""
    key = _cache_key("ranking", period, Scope())
    cached = cache.get(key)
    if cached is not None:
        return cached
    ratios = _province_ratios(period)
    agencies = {
        pk: (code, name)
        for pk, code, name in Agency.objects.filter(pk__in=list(ratios)).values_list(
            "pk", "code", "name"
        )
    }
    lines = []
    for pk, agency_ratios in ratios.items():
        if pk not in agencies:
            continue
        index = _index(period, Scope(kind=AGENCY, agency_id=pk), agencies[pk][1], [agency_ratios])
        lines.append(
            {
                "code": agencies[pk][0],
                "name": agencies[pk][1],
                "score": index.score,
                "points": str(index.points) if index.points is not None else None,
                "scored_weight": index.scored_weight,
            }
        )
    lines.sort(
        key=lambda line: (
            -(Decimal(line["score"]) if line["score"] else Decimal(-1)),
            line["code"],
        )
    )
    for position, line in enumerate(lines, start=1):
        line["position"] = position
    cache.set(key, lines, _timeout(period))
    return lines


def monthly_trend(
    *, scope: Scope, months: int = 12, today: date | None = None
) -> list[dict[str, Any]]:
    """The index month by month, oldest first, up to the current month."""
    today = today or timezone.localdate()
    trend = []
    for period in months_before(today, months):
        index = service_index(period=period, scope=scope)
        trend.append(
            {
                "label": period.label,
                "start": period.start,
                "end": period.end,
                "score": index.score,
                "points": str(index.points) if index.points is not None else None,
                "scored_weight": index.scored_weight,
                "on_time_rate": next(i.rate for i in index.indicators if i.key == "2.1"),
                "online_share": next(i.rate for i in index.indicators if i.key == "4.3"),
            }
        )
    return trend


__all__ = [
    "DEFINITIONS",
    "HALF",
    "MONTH",
    "PERIOD_KINDS",
    "PROVINCE",
    "QUARTER",
    "YEAR",
    "agency_ranking",
    "monthly_trend",
    "period_of",
    "service_index",
]


def dossiers_costing_points(*, period: Period, agency_id: int, limit: int = 50) -> dict[str, Any]:
    """What a leader can act on: the agency's dossiers settled late in the period and those
    rated 1–2 stars (indicators 2.1 and 5.3). Codes and procedure names only."""
    from dossiers.models import Dossier

    start, end = period.starts_at, period.ends_before
    late = (
        Dossier.objects.filter(
            agency_id=agency_id,
            state=Dossier.State.DONE,
            finished_at__gte=start,
            finished_at__lt=end,
            finished_at__gt=F("due_at"),
        )
        .select_related("procedure")
        # `state` too: the state machine reads it as each dossier is built (a query per row
        # when it is deferred).
        .only("id", "state", "code", "due_at", "finished_at", "procedure__name", "procedure__code")
        .order_by("-finished_at")
    )
    unsatisfied = (
        Rating.objects.filter(
            agency_id=agency_id,
            created_at__gte=start,
            created_at__lt=end,
            stars__lte=UNSATISFIED_STARS,
        )
        .select_related("dossier__procedure")
        .only(
            "stars",
            "created_at",
            "dossier__id",
            "dossier__state",
            "dossier__code",
            "dossier__procedure__name",
        )
        .order_by("-created_at")
    )
    return {
        "late": list(late[:limit]),
        "late_count": late.count(),
        "unsatisfied": list(unsatisfied[:limit]),
        "unsatisfied_count": unsatisfied.count(),
    }
