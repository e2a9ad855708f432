"""The specialists' and leaders' work queue: dossiers being processed, by due time.

A specialist sees the dossiers forwarded to their department; a leader sees the whole agency and
may narrow it to a department or a specialist. Every query starts from
`department = X AND state = 'processing'` (the partial index `dossier_department_queue`) or
`agency = X AND state = 'processing'` (the partial index `dossier_agency_queue`), sorted by
`(due_at, pk)` and cut with a keyset cursor, never OFFSET.

Deadline words and the "soon" threshold are those of `queue.py` (`deadline_status`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import workdays
from portal.models import User
from portal.params import ascii_int
from portal.roles import Role

from . import queue as desk_queue
from .models import Dossier, Proposal

PAGE_SIZE = 50

# Values of `?giao=`.
ALL = ""
MINE = "cua-toi"
UNASSIGNED = "chua-giao"
# Values of `?han=`.
OVERDUE = "qua-han"
AT_RISK = "sap-den-han"
DUE_FILTERS = ("", OVERDUE, AT_RISK)


def is_leader(user: User) -> bool:
    return bool(user.agency_id and user.has_role(Role.LEADER))


def is_specialist(user: User) -> bool:
    return bool(user.agency_id and user.department_id and user.has_role(Role.SPECIALIST))


@dataclass(frozen=True)
class WorkFilters:
    assigned: str = ALL  # ALL, MINE, UNASSIGNED or a specialist's id (leaders)
    department_id: int | None = None  # leaders only
    due: str = ""
    awaiting_approval: bool = False
    query: str = ""

    @classmethod
    def from_query(cls, params: QueryDict | dict[str, str]) -> WorkFilters:
        """Unknown or malformed values are ignored, never an error."""
        assigned = (params.get("giao", "") or "").strip()
        if assigned not in (ALL, MINE, UNASSIGNED) and ascii_int(assigned) is None:
            assigned = ALL
        department = (params.get("phong", "") or "").strip()
        due = params.get("han", "") or ""
        return cls(
            assigned=assigned,
            department_id=ascii_int(department),
            due=due if due in DUE_FILTERS else "",
            awaiting_approval=(params.get("cho-duyet", "") or "") == "1",
            query=(params.get("q", "") or "").strip()[:100],
        )

    def as_params(self) -> dict[str, str]:
        params = {
            "giao": self.assigned,
            "phong": str(self.department_id or ""),
            "han": self.due,
            "cho-duyet": "1" if self.awaiting_approval else "",
            "q": self.query,
        }
        return {key: value for key, value in params.items() if value}

    def with_changes(self, **changes: object) -> dict[str, str]:
        return replace(self, **changes).as_params()  # type: ignore[arg-type]


@dataclass(frozen=True)
class WorkRow:
    dossier: Dossier
    status: str  # deadline_status: on_time / at_risk / overdue
    remaining: str  # "2 working days 3 hours left" / "overdue by 1 working day"
    pending_kind: str  # "result" / "refusal" / "" — a proposal awaits a leader


@dataclass
class WorkPage:
    rows: list[WorkRow]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)
    is_first: bool = True


def scope(user: User) -> QuerySet[Dossier]:
    """Dossiers being processed that this person's queue may show (nothing for others)."""
    processing = Dossier.objects.filter(state=Dossier.State.PROCESSING)
    if is_leader(user):
        return processing.filter(agency_id=user.agency_id, forwarded_at__isnull=False)
    if is_specialist(user):
        # The department belongs to the agency: filtering on it alone reads exactly the
        # partial index `dossier_department_queue`.
        return processing.filter(department_id=user.department_id)
    return Dossier.objects.none()


def _pending_proposals() -> QuerySet[Proposal]:
    return Proposal.objects.filter(dossier_id=OuterRef("pk"), status=Proposal.Status.PENDING)


def working_hours_to(now: datetime, moments: list[datetime]) -> dict[datetime, Decimal]:
    """Working hours between `now` and each moment, walking the calendar once for them all.

    Working time is additive along the time line, so the moments are sorted and only the
    gaps between neighbours are measured (a page of 50 dossiers overdue for months costs one
    walk over those months, not fifty).
    """
    points = sorted({*moments, now})
    cumulative = {points[0]: Decimal(0)}
    total = Decimal(0)
    for start, end in pairwise(points):
        total += workdays.working_hours_between(start, end)
        cumulative[end] = total
    return {moment: abs(cumulative[moment] - cumulative[now]) for moment in moments}


def remaining_text(due: datetime | None, now: datetime, hours: Decimal | None = None) -> str:
    """Working time left before the due time (or by how much it is passed), in words."""
    if due is None:
        return ""
    late = due < now
    if hours is None:
        hours = workdays.working_hours_between(*((due, now) if late else (now, due)))
    per_day = workdays.working_hours_per_day()
    days = int(hours // per_day)
    rest = (hours - days * per_day).quantize(Decimal("1"))
    if rest >= per_day:
        days, rest = days + 1, Decimal(0)
    parts = []
    if days:
        parts.append(ngettext("%(n)s working day", "%(n)s working days", days) % {"n": days})
    if rest or not days:
        count = int(rest)
        parts.append(ngettext("%(n)s hour", "%(n)s hours", count) % {"n": count})
    span = " ".join(parts)
    if late:
        return _("overdue by %(time)s") % {"time": span}
    return _("%(time)s left") % {"time": span}


def counts(user: User, moments: desk_queue.Moments) -> dict[str, int]:
    """The summary bar: one aggregate over the queue's scope (the same partial index)."""
    result = scope(user).aggregate(
        all=Count("pk"),
        mine=Count("pk", filter=Q(assignee_id=user.pk)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        awaiting=Count("pk", filter=Q(Exists(_pending_proposals()))),
        overdue=Count("pk", filter=Q(due_at__lt=moments.now)),
        at_risk=Count("pk", filter=Q(due_at__gte=moments.now, due_at__lte=moments.soon)),
    )
    return {key: value or 0 for key, value in result.items()}


def queue_dossiers(
    *,
    user: User,
    filters: WorkFilters,
    moments: desk_queue.Moments,
    cursor: desk_queue.Cursor | None = None,
) -> QuerySet[Dossier]:
    """The queue's query, in order (one page is a slice of it)."""
    dossiers = scope(user)
    if filters.department_id and is_leader(user):
        dossiers = dossiers.filter(department_id=filters.department_id)
    if filters.assigned == MINE:
        dossiers = dossiers.filter(assignee_id=user.pk)
    elif filters.assigned == UNASSIGNED:
        dossiers = dossiers.filter(assignee__isnull=True)
    elif filters.assigned and is_leader(user):
        dossiers = dossiers.filter(assignee_id=int(filters.assigned))
    if filters.due == OVERDUE:
        dossiers = dossiers.filter(due_at__lt=moments.now)
    elif filters.due == AT_RISK:
        dossiers = dossiers.filter(due_at__gte=moments.now, due_at__lte=moments.soon)
    if filters.awaiting_approval:
        dossiers = dossiers.filter(Exists(_pending_proposals()))
    if filters.query:
        dossiers = desk_queue._search(dossiers, filters.query)
    if cursor is not None:
        dossiers = dossiers.filter(
            Q(due_at__gt=cursor.sort_at) | Q(due_at=cursor.sort_at, pk__gt=cursor.pk)
        )
    return (
        dossiers.annotate(pending_kind=_pending_proposals().values("kind")[:1])
        .select_related("procedure", "department", "assignee")
        .only(
            "pk",
            "code",
            "state",
            "channel",
            "applicant_name",
            "applicant_national_id",
            "submitted_at",
            "accepted_at",
            "due_at",
            "appointment_at",
            "forwarded_at",
            "finished_at",
            "procedure__code",
            "procedure__name",
            "department__name",
            "assignee__full_name",
        )
        .order_by("due_at", "pk")
    )


def work_queue(
    *,
    user: User,
    filters: WorkFilters,
    after: str = "",
    page_size: int = PAGE_SIZE,
    moments: desk_queue.Moments | None = None,
    with_counts: bool = True,
) -> WorkPage:
    moments = moments or desk_queue.Moments.at()
    cursor = desk_queue.Cursor.decode(after)
    dossiers = queue_dossiers(user=user, filters=filters, moments=moments, cursor=cursor)
    page = list(dossiers[: page_size + 1])
    next_cursor = None
    if len(page) > page_size:
        page = page[:page_size]
        last = page[-1]
        next_cursor = desk_queue.Cursor(0, last.due_at, last.pk).encode()  # type: ignore[arg-type]
    hours = working_hours_to(moments.now, [d.due_at for d in page if d.due_at is not None])
    rows = [
        WorkRow(
            dossier=dossier,
            status=desk_queue.deadline_status(dossier, moments),
            remaining=remaining_text(
                dossier.due_at, moments.now, hours.get(dossier.due_at) if dossier.due_at else None
            ),
            pending_kind=getattr(dossier, "pending_kind", None) or "",
        )
        for dossier in page
    ]
    return WorkPage(
        rows=rows,
        next_cursor=next_cursor,
        counts=counts(user, moments) if with_counts else {},
        is_first=cursor is None,
    )


# --- One dossier -------------------------------------------------------------------------------


def processing_dossier(*, user: User, dossier_id: int) -> Dossier | None:
    """A dossier on the processing page: a leader's agency, or a specialist's department."""
    if not user.is_authenticated or not user.agency_id:
        return None
    dossiers = Dossier.objects.select_related(
        "procedure", "procedure_version", "agency", "department", "applicant", "assignee"
    ).exclude(state=Dossier.State.DRAFT)
    if is_leader(user):
        return dossiers.filter(pk=dossier_id, agency_id=user.agency_id).first()
    if is_specialist(user):
        return dossiers.filter(
            pk=dossier_id, agency_id=user.agency_id, department_id=user.department_id
        ).first()
    return None


def department_specialists(dossier: Dossier) -> QuerySet[User]:
    """Who a leader may assign the dossier to."""
    if dossier.department_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            agency_id=dossier.agency_id,
            department_id=dossier.department_id,
            groups__name=Role.SPECIALIST.value,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )
