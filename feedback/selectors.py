"""Reads of feedback, the public Q&A and ratings, scoped to who is asking.

Staff see the feedback of their own agency only: leaders and desk officers all of it,
specialists what is assigned to their department. Anybody else, including staff of other
agencies and IT administrators, sees nothing (a 404, not a 403, so nothing leaks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone

from portal.models import Agency, User
from portal.roles import Role
from procedures.text import search_key, search_terms

from .models import Feedback, Rating


def feedback_visible_to(user: User) -> QuerySet[Feedback]:
    if not user.is_authenticated or not user.agency_id:
        return Feedback.objects.none()
    items = Feedback.objects.filter(agency_id=user.agency_id)
    if user.has_role(Role.LEADER) or user.has_role(Role.DESK_OFFICER):
        return items
    if user.has_role(Role.SPECIALIST) and user.department_id:
        return items.filter(department_id=user.department_id)
    return Feedback.objects.none()


def can_manage(user: User) -> bool:
    """Assign, transfer, publish and close: the agency's leaders and desk officers."""
    return bool(user.agency_id) and (user.has_role(Role.LEADER) or user.has_role(Role.DESK_OFFICER))


def feedback_for_staff(*, user: User, pk: int, for_update: bool = False) -> Feedback:
    items = feedback_visible_to(user)
    if for_update:
        items = items.select_for_update()
    return items.get(pk=pk)


QUEUE_TABS = ("open", "answered", "done", "all")


def feedback_queue(*, user: User, tab: str = "open") -> QuerySet[Feedback]:
    items = feedback_visible_to(user).select_related("department", "procedure")
    if tab == "open":
        return items.filter(state__in=Feedback.OPEN_STATES).order_by("due_at", "pk")
    if tab == "answered":
        return items.filter(state=Feedback.State.ANSWERED).order_by("-answered_at", "-pk")
    if tab == "done":
        return items.filter(state__in=[Feedback.State.PUBLISHED, Feedback.State.CLOSED]).order_by(
            "-received_at", "-pk"
        )
    return items.order_by("-received_at", "-pk")


def queue_counts(*, user: User) -> dict[str, int]:
    now = timezone.now()
    return feedback_visible_to(user).aggregate(
        open=Count("pk", filter=Q(state__in=Feedback.OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=Feedback.OPEN_STATES, due_at__lt=now)),
        answered=Count("pk", filter=Q(state=Feedback.State.ANSWERED)),
    )


def feedback_for_sender(token: str) -> Feedback | None:
    if not token or len(token) > 64:
        return None
    return Feedback.objects.select_related("agency").filter(token=token).first()


def feedback_of_account(user: User) -> QuerySet[Feedback]:
    return Feedback.objects.filter(sender=user).select_related("agency").order_by("-received_at")


# --- Public Q&A -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QAFilters:
    query: str = ""
    sector: str = ""
    agency: str = ""

    @classmethod
    def from_params(cls, params: Any) -> QAFilters:
        return cls(
            query=params.get("q", "").strip()[:200],
            sector=params.get("linh-vuc", "").strip()[:30],
            agency=params.get("co-quan", "").strip()[:20],
        )


def published_questions() -> QuerySet[Feedback]:
    """Only what was published; views show only the masked public_* fields."""
    return Feedback.objects.filter(state=Feedback.State.PUBLISHED).select_related(
        "agency", "sector"
    )


def qa_search(filters: QAFilters) -> QuerySet[Feedback]:
    """Most asked first: the "same question" counter, then the newest."""
    items = published_questions()
    for term in search_terms(filters.query):
        items = items.filter(search_text__contains=term)
    if filters.sector:
        items = items.filter(sector__code=filters.sector)
    if filters.agency:
        items = items.filter(agency__code=filters.agency)
    return items.order_by("-same_question_count", "-published_at", "-pk")


def qa_search_text(*parts: str) -> str:
    return search_key(" ".join(parts))


def qa_facets() -> dict[str, list[tuple[Any, int]]]:
    published = published_questions().order_by()
    sectors = (
        published.filter(sector__isnull=False)
        .values("sector__code", "sector__name")
        .annotate(total=Count("pk"))
        .order_by("sector__name")
    )
    agencies = (
        published.values("agency__code", "agency__name")
        .annotate(total=Count("pk"))
        .order_by("agency__name")
    )
    return {
        "sectors": [((s["sector__code"], s["sector__name"]), s["total"]) for s in sectors],
        "agencies": [((a["agency__code"], a["agency__name"]), a["total"]) for a in agencies],
    }


# --- Figures for reports --------------------------------------------------------------------


def feedback_figures(
    *, start: datetime, end: datetime, agency: Agency | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Feedback received in [start, end): totals, by agency and by channel, in SQL.

    On time means answered by the due time of the agency that answered (after a transfer, its
    own 3 working days); received counts from the original receipt, which never moves.
    """
    now = now or timezone.now()
    items = Feedback.objects.filter(received_at__gte=start, received_at__lt=end)
    if agency is not None:
        items = items.filter(agency=agency)
    measures = {
        "received": Count("pk"),
        "answered_on_time": Count(
            "pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("due_at"))
        ),
        "answered_late": Count(
            "pk", filter=Q(answered_at__isnull=False, answered_at__gt=F("due_at"))
        ),
        "open": Count("pk", filter=Q(state__in=Feedback.OPEN_STATES)),
        "open_overdue": Count("pk", filter=Q(state__in=Feedback.OPEN_STATES, due_at__lt=now)),
    }
    totals = items.aggregate(**measures)
    by_agency = list(
        items.order_by()
        .values("agency_id", "agency__code", "agency__name")
        .annotate(**measures)
        .order_by("agency__code")
    )
    by_channel = list(items.order_by().values("channel").annotate(**measures).order_by("channel"))
    return {"totals": totals, "by_agency": by_agency, "by_channel": by_channel}


def rating_figures(
    *, start: datetime | None = None, end: datetime | None = None, agency: Agency | None = None
) -> dict[str, Any]:
    ratings = Rating.objects.all()
    if start is not None:
        ratings = ratings.filter(created_at__gte=start)
    if end is not None:
        ratings = ratings.filter(created_at__lt=end)
    if agency is not None:
        ratings = ratings.filter(agency=agency)
    return ratings.aggregate(count=Count("pk"), average=Avg("stars"))


def agency_ranking() -> list[dict[str, Any]]:
    """Agencies with at least one rating: best average first, then the most rated."""
    rows = (
        Rating.objects.order_by()
        .values("agency_id", "agency__code", "agency__name")
        .annotate(
            count=Count("pk"),
            average=Avg("stars"),
            attitude=Count("pk", filter=Q(good_attitude=True)),
            on_time=Count("pk", filter=Q(on_time=True)),
            clarity=Count("pk", filter=Q(clear_guidance=True)),
        )
        .order_by("-average", "-count", "agency__name")
    )
    ranking = []
    for position, row in enumerate(rows, start=1):
        count = row["count"]
        ranking.append(
            {
                **row,
                "position": position,
                "average": round(float(row["average"]), 2),
                "attitude_pct": round(100 * row["attitude"] / count),
                "on_time_pct": round(100 * row["on_time"] / count),
                "clarity_pct": round(100 * row["clarity"] / count),
            }
        )
    return ranking
