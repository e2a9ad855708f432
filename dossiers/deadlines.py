"""The deadline scan (DESIGN §6): warn staff of dossiers due soon, overdue or not forwarded.

Celery beat runs `deadline_scan` every few minutes (`DEADLINE_SCAN_INTERVAL_SECONDS`). One
pass:

1. takes a PostgreSQL advisory lock (`pg_try_advisory_lock`); when another pass holds it, this
   one does nothing: two beats, or a slow pass overtaken by the next one, never both work;
2. reads dossiers being processed whose deadline is within the desk queue's "due soon"
   horizon (`due_soon_limit`: `SOON_WORKING_DAYS` working days, the same rule as the
   queue's badge and filter), in chunks of `DEADLINE_SCAN_CHUNK` ordered by `(due_at, pk)`
   with a keyset cursor; the query carries the predicate of the partial index
   `dossier_open_due`, so it reads only open dossiers, never the millions of finished ones;
3. for each dossier decides the threshold, "overdue" (deadline passed) or "due soon", and
   skips the ones already warned (one query per chunk against `DeadlineAlert`);
4. writes a `DeadlineAlert` and the staff messages (outbox, e-mail and SMS when the person
   has a phone) in one transaction; the alert's unique key (dossier, threshold, deadline)
   and the messages' dedupe keys make a repeat impossible even without the lock;
5. does the same for accepted dossiers not forwarded within half a working day.

The deadline a dossier is warned about is its due time, or the appointment of an apology
when that is later (statistics keep the original due time, DESIGN §2 rule 8, but the staff
now work towards the new date). A moved deadline is a new alert: it warns again.

Who hears (`StaffDirectory`): the assignee; without one, the specialists of the handling
department, or the agency's desk officers while the dossier is not yet forwarded; and the
agency's leaders. A forwarding breach goes to the agency's desk officers and leaders. Every
message is an e-mail, plus an SMS when the person has a mobile number, with a link to the
dossier's staff page.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils import timezone

from portal import workdays
from portal.models import User
from portal.roles import Role

from .models import DeadlineAlert, Dossier

logger = logging.getLogger(__name__)

# "Due soon" means: due within this many working days. The desk queue's badge and filter use
# the same horizon (queue.Moments).
SOON_WORKING_DAYS = 2

Kind = DeadlineAlert.Kind
State = Dossier.State

_LOCK_KEY = zlib.crc32(b"dossiers.deadline_scan")


def due_soon_limit(now: datetime) -> datetime:
    """The latest due time that counts as "due soon" at `now` (working days, not calendar)."""
    return workdays.add_working_days(now, SOON_WORKING_DAYS)


def warning_deadline(dossier: Dossier | Candidate) -> datetime | None:
    """The time staff must meet: the due time, or a later appointment given by an apology."""
    if dossier.due_at is None:
        return None
    if dossier.appointment_at and dossier.appointment_at > dossier.due_at:
        return dossier.appointment_at
    return dossier.due_at


def threshold(dossier: Dossier | Candidate, *, now: datetime, soon: datetime) -> str | None:
    """ "overdue", "due_soon" or None for a dossier being processed."""
    deadline = warning_deadline(dossier)
    if dossier.state != State.PROCESSING or deadline is None:
        return None
    if deadline < now:
        return Kind.OVERDUE
    if deadline <= soon:
        return Kind.DUE_SOON
    return None


# --- Queries ---------------------------------------------------------------------------------


def _open() -> QuerySet[Dossier]:
    # Exactly the predicate of the partial indexes on open dossiers.
    return Dossier.objects.filter(state__in=Dossier.OPEN_STATES)


def due_candidates(*, soon: datetime) -> QuerySet[Dossier]:
    """Open dossiers whose deadline is at or before `soon`: a range of `dossier_open_due`.

    Only the index's own predicate and its column: with `state = 'processing'` added the
    planner prefers the plain index on `state` and reads every dossier being processed. The
    few open ones with a due time that are not being processed (a supplement requested after
    acceptance: the clock is stopped) are left out by `threshold`.
    """
    return _open().filter(
        Q(appointment_at__isnull=True) | Q(appointment_at__lte=soon), due_at__lte=soon
    )


def forward_breach_candidates(*, now: datetime) -> QuerySet[Dossier]:
    """Accepted, still at the desk, past the half-day limit: a range of `dossier_forward_due`."""
    return Dossier.objects.filter(
        state=State.PROCESSING, forwarded_at__isnull=True, forward_due_at__lt=now
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the scan reads of a dossier: plain values, not a model instance.

    A pass reads tens of thousands of dossiers; building a `Dossier` for each (field
    descriptors, the state machine's bookkeeping) cost more than the query.
    """

    pk: int
    code: str | None
    state: str
    agency_id: int
    department_id: int | None
    assignee_id: int | None
    agency_name: str
    procedure_name: str | None
    accepted_at: datetime | None
    due_at: datetime | None
    appointment_at: datetime | None
    forward_due_at: datetime | None
    forwarded_at: datetime | None


# The columns of a `Candidate`, in its order (`agency__name` through the join).
_FIELDS = tuple(
    {"agency_name": "agency__name"}.get(name, name) for name in Candidate.__dataclass_fields__
)


def scan_page(
    dossiers: QuerySet[Dossier], order: str, size: int, after: tuple[datetime, int] | None = None
) -> QuerySet[Dossier, tuple[Any, ...]]:
    """One chunk: the next `size` dossiers by (`order`, pk) after the keyset cursor `after`,
    as rows of the `Candidate` columns."""
    if after is not None:
        # The redundant `>=` gives the index scan its start; the OR alone would not.
        dossiers = dossiers.filter(
            Q(**{f"{order}__gt": after[0]}) | Q(**{order: after[0], "pk__gt": after[1]}),
            **{f"{order}__gte": after[0]},
        )
    return (
        # Only the name out of the version's JSON: decoding whole versions (documents, fees,
        # legal bases) for every row would cost more than the query.
        dossiers.annotate(procedure_name=KeyTextTransform("name", "procedure_version__data"))
        .order_by(order, "pk")
        .values_list(*_FIELDS)[:size]
    )


def _chunks(dossiers: QuerySet[Dossier], order: str, size: int) -> Iterator[list[Candidate]]:
    """Keyset pages of `size` ordered by (`order`, pk): never OFFSET, never all rows at once."""
    last: tuple[datetime, int] | None = None
    while True:
        rows = [Candidate(*row) for row in scan_page(dossiers, order, size, last)]
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = (getattr(rows[-1], order), rows[-1].pk)


# --- Recipients ------------------------------------------------------------------------------


@dataclass
class _AgencyStaff:
    desk: list[User] = field(default_factory=list)
    specialists: dict[int | None, list[User]] = field(default_factory=dict)
    leaders: list[User] = field(default_factory=list)


class StaffDirectory:
    """The active staff of each agency, read once per agency per pass."""

    def __init__(self) -> None:
        self._agencies: dict[int, _AgencyStaff] = {}
        self._users: dict[int, User] = {}

    def _agency(self, agency_id: int) -> _AgencyStaff:
        staff = self._agencies.get(agency_id)
        if staff is not None:
            return staff
        staff = _AgencyStaff()
        users = (
            User.objects.filter(
                agency_id=agency_id,
                is_active=True,
                groups__name__in=[Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER],
            )
            .prefetch_related("groups")
            .distinct()
            .order_by("pk")
        )
        for user in users:
            self._users[user.pk] = user
            if user.has_role(Role.DESK_OFFICER):
                staff.desk.append(user)
            if user.has_role(Role.SPECIALIST):
                staff.specialists.setdefault(user.department_id, []).append(user)
            if user.has_role(Role.LEADER):
                staff.leaders.append(user)
        self._agencies[agency_id] = staff
        return staff

    def _assignee(self, dossier: Dossier | Candidate) -> User | None:
        if dossier.assignee_id is None:
            return None
        user = self._users.get(dossier.assignee_id)
        if user is None:
            user = User.objects.filter(pk=dossier.assignee_id, is_active=True).first()
            if user is not None:
                self._users[user.pk] = user
        return user if user is not None and user.is_active else None

    def for_deadline(self, dossier: Dossier | Candidate) -> list[User]:
        staff = self._agency(dossier.agency_id)
        assignee = self._assignee(dossier)
        forwarded = dossier.forwarded_at is not None and dossier.department_id is not None
        if assignee is not None:
            first = [assignee]
        elif forwarded:
            first = staff.specialists.get(dossier.department_id, [])
        else:
            first = staff.desk
        return _unique([*first, *staff.leaders])

    def for_forward_breach(self, dossier: Dossier | Candidate) -> list[User]:
        staff = self._agency(dossier.agency_id)
        return _unique([*staff.desk, *staff.leaders])


def _unique(users: list[User]) -> list[User]:
    seen: set[int] = set()
    return [u for u in users if not (u.pk in seen or seen.add(u.pk))]  # type: ignore[func-returns-value]


# --- Messages --------------------------------------------------------------------------------


def _staff_page(dossier: Dossier | Candidate, user: User | None) -> str:
    # The processing page once the dossier is with a department (specialists, leaders), the
    # desk's page while it is still at the desk (leaders open every dossier of their agency on
    # the processing page).
    at_desk = dossier.forwarded_at is None and (user is None or not user.has_role(Role.LEADER))
    return "desk:dossier" if at_desk else "desk:processing_dossier"


def staff_dossier_url(dossier: Dossier | Candidate, user: User | None = None) -> str:
    """Where the warned person works on the dossier (see `_staff_page`)."""
    return settings.PORTAL_BASE_URL + reverse(_staff_page(dossier, user), args=[dossier.pk])


class StaffPages:
    """`staff_dossier_url` for a whole pass: each page's URL reversed once, not per message.

    `reverse` costs more than all the rest of a message; the pages differ only by the pk.
    """

    _MARK = 918273645546372819  # stands for the pk in the reversed URL

    def __init__(self) -> None:
        self._forms: dict[str, tuple[str, str] | None] = {}

    def url(self, dossier: Dossier | Candidate, user: User | None = None) -> str:
        name = _staff_page(dossier, user)
        if name not in self._forms:
            reversed_url = settings.PORTAL_BASE_URL + reverse(name, args=[self._MARK])
            head, mark, tail = reversed_url.partition(str(self._MARK))
            self._forms[name] = (head, tail) if mark and str(self._MARK) not in tail else None
        form = self._forms[name]
        return f"{form[0]}{dossier.pk}{form[1]}" if form else staff_dossier_url(dossier, user)


def _when(moment: datetime | None, zone: tzinfo | None = None) -> str:
    return timezone.localtime(moment, zone).strftime("%H:%M %d/%m/%Y") if moment else ""


TEMPLATES: dict[str, str] = {
    Kind.DUE_SOON: "dossier_due_soon",
    Kind.OVERDUE: "dossier_overdue",
    Kind.FORWARD_BREACH: "forward_breach",
}


def _messages(
    dossier: Candidate, kind: str, deadline: datetime, users: list[User], pages: StaffPages
) -> list[dict[str, Any]]:
    """The outbox messages (keyword arguments of `notify`) warning `users` of one dossier.

    What the dossier's messages share is worked out once; only the greeting and the link
    differ from one person to the next.
    """
    zone = timezone.get_current_timezone()
    context: dict[str, object] = {
        "code": dossier.code or "",
        "procedure_name": dossier.procedure_name or "",
        "agency_name": dossier.agency_name,
        "due": _when(deadline, zone),
        "received_at": _when(dossier.accepted_at, zone),
    }
    template = TEMPLATES[kind]
    key = f"deadline:{kind}:{dossier.pk}:{int(deadline.timestamp())}:u"
    return [
        {
            "template": template,
            "context": {
                **context,
                "applicant_name": user.full_name,
                "url": pages.url(dossier, user),
            },
            "dedupe_key": f"{key}{user.pk}",
            "user": user,
        }
        for user in users
    ]


# --- The pass --------------------------------------------------------------------------------


@dataclass
class ScanReport:
    skipped: bool = False  # another pass held the lock
    examined: int = 0  # candidate dossiers read
    chunks: int = 0
    alerts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Kind.values, 0))
    staff_notified: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "skipped": self.skipped,
            "examined": self.examined,
            "chunks": self.chunks,
            "alerts": dict(self.alerts),
            "staff_notified": self.staff_notified,
            "seconds": round(self.seconds, 3),
        }


@contextmanager
def _exclusive() -> Iterator[bool]:
    """True when this pass may work: a session advisory lock on PostgreSQL.

    Elsewhere (SQLite in `make run`: one worker with an embedded beat) there is nothing to
    race with; the unique keys would still keep a second pass from sending twice.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        acquired = bool(cursor.fetchone()[0])  # type: ignore[index]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def _process(
    chunk: list[Candidate],
    decide: dict[int, tuple[str, datetime]],
    recipients: StaffDirectory,
    pages: StaffPages,
    report: ScanReport,
    *,
    forward: bool,
) -> None:
    if not decide:
        return
    done = set(
        DeadlineAlert.objects.filter(
            dossier_id__in=list(decide), kind__in={kind for kind, _d in decide.values()}
        ).values_list("dossier_id", "kind", "deadline")
    )
    todo = [d for d in chunk if d.pk in decide and (d.pk, *decide[d.pk]) not in done]
    if not todo:
        return
    from portal.notifications.services import notify_many

    alerts: list[DeadlineAlert] = []
    messages: list[dict[str, Any]] = []
    for dossier in todo:
        kind, deadline = decide[dossier.pk]
        users = (
            recipients.for_forward_breach(dossier) if forward else recipients.for_deadline(dossier)
        )
        if not users:
            logger.warning("No staff to warn of %s for dossier %s.", kind, dossier.code)
        alerts.append(
            DeadlineAlert(
                dossier_id=dossier.pk, kind=kind, deadline=deadline, recipients=len(users)
            )
        )
        messages += _messages(dossier, kind, deadline, users, pages)
        report.alerts[kind] += 1
        report.staff_notified += len(users)
    # One transaction per chunk, two INSERTs. ON CONFLICT DO NOTHING: should another pass have
    # written the same alert meanwhile (only without the lock), its rows stand and the
    # messages' dedupe keys keep anyone from hearing twice.
    with transaction.atomic():
        DeadlineAlert.objects.bulk_create(alerts, ignore_conflicts=True)
        notify_many(messages)


def deadline_scan(*, now: datetime | None = None, chunk_size: int | None = None) -> ScanReport:
    """One pass of the deadline checks; safe to run at any time, any number of times."""
    started = time.perf_counter()
    now = now or timezone.now()
    size = chunk_size or settings.DEADLINE_SCAN_CHUNK
    report = ScanReport()
    with _exclusive() as acquired:
        if not acquired:
            report.skipped = True
            logger.info("Deadline scan skipped: another pass is running.")
            return report
        soon = due_soon_limit(now)
        recipients, pages = StaffDirectory(), StaffPages()
        for chunk in _chunks(due_candidates(soon=soon), "due_at", size):
            report.chunks += 1
            report.examined += len(chunk)
            decide: dict[int, tuple[str, datetime]] = {}
            for dossier in chunk:
                kind = threshold(dossier, now=now, soon=soon)
                deadline = warning_deadline(dossier)
                if kind and deadline:
                    decide[dossier.pk] = (kind, deadline)
            _process(chunk, decide, recipients, pages, report, forward=False)
        for chunk in _chunks(forward_breach_candidates(now=now), "forward_due_at", size):
            report.chunks += 1
            report.examined += len(chunk)
            decide = {d.pk: (Kind.FORWARD_BREACH, d.forward_due_at) for d in chunk}  # type: ignore[misc]
            _process(chunk, decide, recipients, pages, report, forward=True)
    report.seconds = time.perf_counter() - started
    logger.info("Deadline scan: %s", report.as_dict())
    return report
