"""The one-stop desk's work queue: open dossiers of one agency, most urgent first.

Every query starts from `agency = X AND state IN (open states)`, which is exactly the partial
index `dossier_agency_queue`: with millions of finished dossiers in the table the queue only
ever reads the agency's few hundred or thousand open ones. Pages are cut with a keyset cursor
(`?sau=`) over the urgency key `(rank, sort_at, pk)`, never with OFFSET, so page 40 costs what
page 1 costs and a dossier leaving the queue between two clicks moves nothing else.

Urgency (rank, then time, oldest first):

0. awaiting reception, by submission time (the citizen has been waiting longest);
1. accepted but still at the desk, by the forwarding deadline (½ working day, rule 6);
2. supplement requested, by submission time (waiting for the citizen);
3. forwarded to a department, by the due time (shown only with the "forwarded" filter).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone

from portal.params import ascii_int
from procedures.models import Channel
from procedures.text import search_key

from .deadlines import SOON_WORKING_DAYS, due_soon_limit  # noqa: F401 - one "due soon" rule
from .models import Dossier

PAGE_SIZE = 50

State = Dossier.State

# Values of `?trang-thai=`: where the dossier is in the desk's work.
AT_DESK = ""  # default: everything the desk still has to act on or wait for
RECEIVED = "received"
INCOMPLETE = "incomplete"
ACCEPTED = "accepted"  # processing, not yet forwarded
FORWARDED = "forwarded"  # processing, with a department
ALL_OPEN = "all"
STATE_FILTERS = (AT_DESK, RECEIVED, INCOMPLETE, ACCEPTED, FORWARDED, ALL_OPEN)

# Values of `?han=`.
OVERDUE = "qua-han"
DUE_TODAY = "hom-nay"
DUE_SOON = "sap-den-han"  # within SOON_WORKING_DAYS working days (deadlines.py)
FORWARD_BREACH = "cham-chuyen"  # accepted, not forwarded, past the ½-day limit
DUE_FILTERS = ("", OVERDUE, DUE_TODAY, DUE_SOON, FORWARD_BREACH)

_RANK_RECEIVED, _RANK_ACCEPTED, _RANK_INCOMPLETE, _RANK_FORWARDED = range(4)


@dataclass(frozen=True)
class QueueFilters:
    state: str = AT_DESK
    procedure_id: int | None = None
    channel: str = ""
    due: str = ""
    query: str = ""

    @classmethod
    def from_query(cls, params: QueryDict | dict[str, str]) -> QueueFilters:
        """Read the filters from a query string; unknown values are ignored, never an error."""
        state = params.get("trang-thai", "") or ""
        channel = params.get("kenh", "") or ""
        due = params.get("han", "") or ""
        procedure = (params.get("thu-tuc", "") or "").strip()
        return cls(
            state=state if state in STATE_FILTERS else AT_DESK,
            procedure_id=ascii_int(procedure),
            channel=channel if channel in Channel.values else "",
            due=due if due in DUE_FILTERS else "",
            query=(params.get("q", "") or "").strip()[:100],
        )

    def as_params(self) -> dict[str, str]:
        """The query string of these filters (without the cursor), for links."""
        params = {
            "trang-thai": self.state,
            "thu-tuc": str(self.procedure_id or ""),
            "kenh": self.channel,
            "han": self.due,
            "q": self.query,
        }
        return {key: value for key, value in params.items() if value}


@dataclass(frozen=True)
class Cursor:
    rank: int
    sort_at: datetime
    pk: int

    def encode(self) -> str:
        raw = f"{self.rank}|{self.sort_at.astimezone(UTC).isoformat()}|{self.pk}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor | None:
        """The cursor of `?sau=`, or None when it is missing or was tampered with."""
        if not token or len(token) > 200:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            rank, moment, pk = raw.split("|")
            sort_at = datetime.fromisoformat(moment)
            if sort_at.tzinfo is None:
                return None
            return cls(rank=int(rank), sort_at=sort_at, pk=int(pk))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None


@dataclass(frozen=True)
class QueueRow:
    dossier: Dossier
    # "overdue", "today", "soon" or "" for the due time; the forwarding limit separately.
    due_status: str
    forward_breached: bool


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)
    is_first: bool = True


# --- Accent-insensitive names ---------------------------------------------------------------


@cache
def _fold_table() -> tuple[str, str]:
    """Every accented Latin letter (Vietnamese included) and its plain lower-case letter."""
    source, target = ["Đđ"], ["dd"]
    for codepoint in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(codepoint)
        base = unicodedata.normalize("NFKD", char)[:1].lower()
        if char != base and "a" <= base <= "z":
            source.append(char)
            target.append(base)
    # Combining marks (names typed in decomposed form) are dropped: no counterpart in `target`.
    marks = "".join(chr(c) for c in range(0x300, 0x370))
    return "".join(source) + marks, "".join(target)


class SearchKey(Func):
    """`search_key(name)` in SQL: lower case without diacritics, for accent-free matching."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def, override]
        source, target = _fold_table()
        arg_sql, arg_params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            return f"dvc_search_key({arg_sql})", arg_params
        return f"LOWER(TRANSLATE({arg_sql}, %s, %s))", [*arg_params, source, target]


def _ensure_sqlite_function() -> None:
    # SQLite has no TRANSLATE(): the Python function the catalogue uses does the same job.
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function(  # type: ignore[union-attr]
            "dvc_search_key", 1, lambda text: search_key(text or ""), deterministic=True
        )


_DIGITS = re.compile(r"^\+?[\d\s.]+$")


def _search(dossiers: QuerySet[Dossier], query: str) -> QuerySet[Dossier]:
    """Code (whole or part), CCCD, phone number, or the applicant's name without accents."""
    compact = re.sub(r"\s+", "", query)
    if _DIGITS.match(compact) and "." not in compact:
        digits = compact.lstrip("+")
        phone = "0" + digits[2:] if digits.startswith("84") and len(digits) == 11 else digits
        match = Q(applicant_national_id=digits) | Q(applicant_phone=phone)
        if len(digits) >= 4:
            match |= Q(code__endswith=digits) | Q(code__contains=f"-{digits}")
        return dossiers.filter(match)
    if re.search(r"\d", compact) and re.fullmatch(r"[\w.\-]+", compact):
        return dossiers.filter(code__icontains=compact.upper())
    terms = search_key(query).split()[:6]
    if not terms:
        return dossiers
    _ensure_sqlite_function()
    dossiers = dossiers.annotate(name_key=SearchKey("applicant_name"))
    for term in terms:
        dossiers = dossiers.filter(name_key__contains=term)
    return dossiers


# --- The queue ------------------------------------------------------------------------------


def _open_dossiers(agency_id: int) -> QuerySet[Dossier]:
    # Exactly the predicate of the partial index `dossier_agency_queue`.
    return Dossier.objects.filter(agency_id=agency_id, state__in=Dossier.OPEN_STATES)


def _state_condition(state: str) -> Q:
    return {
        AT_DESK: Q(state__in=[State.RECEIVED, State.INCOMPLETE])
        | Q(state=State.PROCESSING, forwarded_at__isnull=True),
        RECEIVED: Q(state=State.RECEIVED),
        INCOMPLETE: Q(state=State.INCOMPLETE),
        ACCEPTED: Q(state=State.PROCESSING, forwarded_at__isnull=True),
        FORWARDED: Q(state=State.PROCESSING, forwarded_at__isnull=False),
        ALL_OPEN: Q(),
    }[state]


@dataclass(frozen=True)
class Moments:
    """The instants the due filters and badges compare with, computed once per request."""

    now: datetime
    end_of_today: datetime
    soon: datetime

    @classmethod
    def at(cls, now: datetime | None = None) -> Moments:
        now = now or timezone.now()
        local = timezone.localtime(now)
        end_of_today = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return cls(
            now=now,
            end_of_today=end_of_today,
            soon=due_soon_limit(now),
        )


def _due_condition(due: str, moments: Moments) -> Q:
    processing = Q(state=State.PROCESSING)
    return {
        "": Q(),
        OVERDUE: processing & Q(due_at__lt=moments.now),
        DUE_TODAY: processing & Q(due_at__gte=moments.now, due_at__lt=moments.end_of_today),
        DUE_SOON: processing & Q(due_at__gte=moments.now, due_at__lte=moments.soon),
        FORWARD_BREACH: processing & Q(forwarded_at__isnull=True, forward_due_at__lt=moments.now),
    }[due]


def _with_urgency(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    at_desk = Q(state=State.PROCESSING, forwarded_at__isnull=True)
    return dossiers.annotate(
        rank=Case(
            When(state=State.RECEIVED, then=Value(_RANK_RECEIVED)),
            When(at_desk, then=Value(_RANK_ACCEPTED)),
            When(state=State.INCOMPLETE, then=Value(_RANK_INCOMPLETE)),
            default=Value(_RANK_FORWARDED),
            output_field=IntegerField(),
        ),
        sort_at=Coalesce(
            Case(
                When(state__in=[State.RECEIVED, State.INCOMPLETE], then=F("submitted_at")),
                When(at_desk, then=F("forward_due_at")),
                default=F("due_at"),
                output_field=DateTimeField(),
            ),
            F("submitted_at"),
            F("created_at"),
            output_field=DateTimeField(),
        ),
    )


def _after(cursor: Cursor) -> Q:
    return (
        Q(rank__gt=cursor.rank)
        | Q(rank=cursor.rank, sort_at__gt=cursor.sort_at)
        | Q(rank=cursor.rank, sort_at=cursor.sort_at, pk__gt=cursor.pk)
    )


def state_counts(agency_id: int, moments: Moments) -> dict[str, int]:
    """The summary bar: one aggregate over the agency's open dossiers (the partial index)."""
    processing = Q(state=State.PROCESSING)
    at_desk = processing & Q(forwarded_at__isnull=True)
    counts = _open_dossiers(agency_id).aggregate(
        received=Count("pk", filter=Q(state=State.RECEIVED)),
        incomplete=Count("pk", filter=Q(state=State.INCOMPLETE)),
        accepted=Count("pk", filter=at_desk),
        forwarded=Count("pk", filter=processing & Q(forwarded_at__isnull=False)),
        forward_breach=Count("pk", filter=at_desk & Q(forward_due_at__lt=moments.now)),
        overdue=Count("pk", filter=processing & Q(due_at__lt=moments.now)),
    )
    counts["at_desk"] = counts["received"] + counts["incomplete"] + counts["accepted"]
    counts["all"] = counts["at_desk"] + counts["forwarded"]
    return counts


def due_status(dossier: Dossier, moments: Moments) -> str:
    if dossier.state != State.PROCESSING or dossier.due_at is None:
        return ""
    if dossier.due_at < moments.now:
        return "overdue"
    if dossier.due_at < moments.end_of_today:
        return "today"
    if dossier.due_at <= moments.soon:
        return "soon"
    return ""


def is_forward_breached(dossier: Dossier, moments: Moments) -> bool:
    if dossier.state != State.PROCESSING or dossier.forward_due_at is None:
        return False
    return (dossier.forwarded_at or moments.now) > dossier.forward_due_at


def desk_queue(
    *,
    agency_id: int,
    filters: QueueFilters,
    after: str = "",
    page_size: int = PAGE_SIZE,
    moments: Moments | None = None,
    with_counts: bool = True,
) -> QueuePage:
    """One page of the agency's queue (two queries: the counts and the page)."""
    moments = moments or Moments.at()
    dossiers = _open_dossiers(agency_id).filter(
        _state_condition(filters.state), _due_condition(filters.due, moments)
    )
    if filters.procedure_id:
        dossiers = dossiers.filter(procedure_id=filters.procedure_id)
    if filters.channel:
        dossiers = dossiers.filter(channel=filters.channel)
    if filters.query:
        dossiers = _search(dossiers, filters.query)
    dossiers = _with_urgency(dossiers)
    cursor = Cursor.decode(after)
    if cursor is not None:
        dossiers = dossiers.filter(_after(cursor))
    page = list(
        dossiers.select_related("procedure", "department")
        .only(
            "pk",
            "code",
            "state",
            "channel",
            "applicant_name",
            "applicant_national_id",
            "applicant_phone",
            "submitted_at",
            "accepted_at",
            "due_at",
            "forward_due_at",
            "forwarded_at",
            "created_at",
            "procedure_version",
            "procedure__code",
            "procedure__name",
            "department__name",
        )
        .order_by("rank", "sort_at", "pk")[: page_size + 1]  # type: ignore[misc]
    )
    next_cursor = None
    if len(page) > page_size:
        page = page[:page_size]
        last = page[-1]
        next_cursor = Cursor(last.rank, last.sort_at, last.pk).encode()  # type: ignore[attr-defined]
    rows = [
        QueueRow(
            dossier=dossier,
            due_status=due_status(dossier, moments),
            forward_breached=is_forward_breached(dossier, moments),
        )
        for dossier in page
    ]
    return QueuePage(
        rows=rows,
        next_cursor=next_cursor,
        counts=state_counts(agency_id, moments) if with_counts else {},
        is_first=cursor is None,
    )


def filters_with(filters: QueueFilters, **changes: object) -> dict[str, str]:
    """Query parameters of the same filters with some changed (for the summary bar links)."""
    return replace(filters, **changes).as_params()  # type: ignore[arg-type]


# --- Deadline badges shared by the desk, the specialists and the leaders ---------------------

ON_TIME, AT_RISK, OVERDUE_STATUS, EARLY, LATE = "on_time", "at_risk", "overdue", "early", "late"


def deadline_status(dossier: Dossier, moments: Moments) -> str:
    """One word for a dossier against its legal due time.

    Being processed: "overdue" (due time passed), "at_risk" (due within SOON_WORKING_DAYS
    working days, today included: `due_status` "today" or "soon"), else "on_time".
    Finished: "early" (before the due day), "on_time" (by the due time) or "late".
    """
    if dossier.due_at is None:
        return ""
    if dossier.state == State.PROCESSING:
        status = due_status(dossier, moments)
        if status == "overdue":
            return OVERDUE_STATUS
        return AT_RISK if status in ("today", "soon") else ON_TIME
    if dossier.state in (State.DONE, State.RETURNED) and dossier.finished_at is not None:
        if dossier.finished_at > dossier.due_at:
            return LATE
        if timezone.localdate(dossier.finished_at) < timezone.localdate(dossier.due_at):
            return EARLY
        return ON_TIME
    return ""
