"""Reads of fees and payments, scoped to who is asking; figures for reports.

What a dossier owes comes from the procedure version it was filed under (its snapshot), never
from the procedure as it reads today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncYear
from django.utils import timezone

from dossiers.models import Dossier
from portal.models import User
from portal.roles import Role
from procedures.models import FeeDue, ServiceLevel

from .gateways import online_payment_configured
from .models import FeeExemption, Payment


@dataclass(frozen=True)
class FeeLine:
    name: str
    kind: str
    amount: int
    exemptions: str = ""


@dataclass(frozen=True)
class DossierFees:
    """What a dossier owes, why, and where it stands."""

    items: list[FeeLine]
    total: int
    due: str  # FeeDue value: when the procedure wants it paid
    paid: int
    refunded: int
    exemption: FeeExemption | None
    pending_online: list[Payment] = field(default_factory=list)
    # Debited but held by the bank as suspicious: neither paid nor to be paid again yet.
    under_review: list[Payment] = field(default_factory=list)
    online_payment_allowed: bool = False
    level: int = 0
    note: str = ""

    @property
    def exempt(self) -> bool:
        return self.exemption is not None

    @property
    def outstanding(self) -> int:
        if self.exempt:
            return 0
        return max(self.total - self.paid, 0)

    @property
    def settled(self) -> bool:
        return self.outstanding == 0

    @property
    def has_fees(self) -> bool:
        return self.total > 0

    @property
    def can_pay_online(self) -> bool:
        """Level 4 procedures that allow it, with the gateway configured."""
        return (
            self.level >= ServiceLevel.FULLY_ONLINE
            and self.online_payment_allowed
            and online_payment_configured()
        )

    def due_label(self) -> str:
        return str(FeeDue(self.due).label) if self.due in FeeDue.values else ""


def fee_lines(data: dict[str, Any]) -> list[FeeLine]:
    return [
        FeeLine(
            name=str(item.get("name", "")),
            kind=str(item.get("kind", "")),
            amount=int(item.get("amount") or 0),
            exemptions=str(item.get("exemptions", "")),
        )
        for item in data.get("fees", [])
    ]


def dossier_fees(dossier: Dossier) -> DossierFees:
    """The fees of the dossier's procedure version and what has been paid or exempted."""
    data: dict[str, Any] = dossier.procedure_version.data
    items = fee_lines(data)
    payments = list(dossier.payments.all())
    paid = sum(p.amount for p in payments if p.state == Payment.State.PAID)
    refunded = sum(
        p.amount
        for p in payments
        if p.state in (Payment.State.REFUND_REQUESTED, Payment.State.REFUNDED)
    )
    return DossierFees(
        items=items,
        total=sum(item.amount for item in items),
        due=str(data.get("fee_due") or FeeDue.AT_SUBMISSION),
        paid=paid,
        refunded=refunded,
        exemption=FeeExemption.objects.filter(dossier=dossier).first(),
        pending_online=[p for p in payments if p.state == Payment.State.PENDING and p.is_online],
        under_review=[p for p in payments if p.state == Payment.State.UNDER_REVIEW],
        online_payment_allowed=bool(data.get("online_payment_allowed")),
        level=int(data.get("level") or 0),
        note=str(data.get("fee_note", "")),
    )


def dossier_fees_settled(dossier: Dossier, *, due: str) -> bool:
    """Whether the dossier may pass the step that needs fees `due` then.

    `due=FeeDue.AT_SUBMISSION`: before processing (desk acceptance) — only fees the procedure
    wants at submission count. `due=FeeDue.AT_RESULT`: before delivery — everything owed.
    Nothing owed, fully paid or exempted: settled.
    """
    fees = dossier_fees(dossier)
    if due == FeeDue.AT_SUBMISSION and fees.due != FeeDue.AT_SUBMISSION:
        return True
    return fees.settled


def fee_awaited_before_acceptance(dossier: Dossier) -> int:
    """What the desk waits for before it may accept a received dossier (0: nothing awaited)."""
    if dossier.state != Dossier.State.RECEIVED:
        return 0
    fees = dossier_fees(dossier)
    if fees.due != FeeDue.AT_SUBMISSION:
        return 0
    return fees.outstanding


@dataclass(frozen=True)
class FeeState:
    """One cell of the desk's queue: where a dossier's fees stand."""

    code: str  # "none", "paid", "exempt", "unpaid", "at_result"
    outstanding: int = 0

    @property
    def blocks_acceptance(self) -> bool:
        return self.code == "unpaid"


def fee_states(dossiers: list[Dossier]) -> dict[int, FeeState]:
    """Fee states of a page of dossiers in one query, whatever the page size.

    Amounts come from each dossier's version snapshot (its fees and when they are due only,
    not the whole snapshot), payments and exemptions from their tables.
    """
    if not dossiers:
        return {}
    paid = (
        Payment.objects.filter(dossier=OuterRef("pk"), state=Payment.State.PAID)
        .order_by()
        .values("dossier")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    read = Dossier.objects.filter(pk__in=[d.pk for d in dossiers]).values_list(
        "pk",
        "procedure_version__data__fees",
        "procedure_version__data__fee_due",
        Coalesce(Subquery(paid), 0),
        Exists(FeeExemption.objects.filter(dossier=OuterRef("pk"))),
    )
    states = {}
    for pk, fees, due, paid_total, exempt in read:
        total = sum(line.amount for line in fee_lines({"fees": fees or []}))
        outstanding = max(total - int(paid_total or 0), 0)
        if total == 0:
            state = FeeState("none")
        elif exempt:
            state = FeeState("exempt")
        elif outstanding == 0:
            state = FeeState("paid")
        elif str(due or FeeDue.AT_SUBMISSION) == FeeDue.AT_SUBMISSION:
            state = FeeState("unpaid", outstanding)
        else:
            state = FeeState("at_result", outstanding)
        states[pk] = state
    return states


# --- Scoped reads -----------------------------------------------------------------------------


def payments_of_dossier(dossier: Dossier) -> QuerySet[Payment]:
    """A dossier's payments, newest first (the caller has checked who may see the dossier)."""
    return (
        Payment.objects.filter(dossier=dossier)
        .select_related("recorded_by")
        .order_by("-created_at", "-pk")
    )


def citizen_payment(*, user: User, dossier_id: int, payment_id: int) -> Payment | None:
    """A payment of one of the person's own dossiers (anyone else: None)."""
    if not user.is_authenticated:
        return None
    return (
        Payment.objects.select_related("dossier", "agency", "dossier__procedure_version")
        .filter(pk=payment_id, dossier_id=dossier_id, dossier__applicant=user)
        .first()
    )


def desk_payment(*, user: User, dossier_id: int, payment_id: int) -> Payment | None:
    """A payment of a dossier of the officer's agency, for the desk and leaders."""
    if not user.is_authenticated or not user.agency_id:
        return None
    if not (user.has_role(Role.DESK_OFFICER) or user.has_role(Role.LEADER)):
        return None
    return (
        Payment.objects.select_related("dossier", "agency", "dossier__procedure_version")
        .filter(pk=payment_id, dossier_id=dossier_id, dossier__agency_id=user.agency_id)
        .first()
    )


def payment_by_txn_ref(txn_ref: str) -> Payment | None:
    if not txn_ref:
        return None
    return Payment.objects.select_related("dossier").filter(txn_ref=txn_ref).first()


def refunds_to_complete(*, agency_id: int) -> QuerySet[Payment]:
    return Payment.objects.filter(
        agency_id=agency_id, state=Payment.State.REFUND_REQUESTED
    ).select_related("dossier")


def open_payment_alerts(*, agency_id: int | None = None) -> QuerySet[Payment]:
    """Payments with an alert no officer has handled yet (all agencies when None: the admin)."""
    rows = Payment.objects.exclude(alert="").filter(alert_handled_at__isnull=True)
    if agency_id is not None:
        rows = rows.filter(agency_id=agency_id)
    return rows.select_related("dossier").order_by("alert_at", "pk")


# --- Work of the beat tasks --------------------------------------------------------------------


def payments_to_reconcile(*, now: datetime | None = None) -> list[int]:
    """Online payments to ask the gateway about (querydr), oldest first.

    Pending longer than PAYMENT_RECONCILE_AFTER_MINUTES; and, at most every
    PAYMENT_RECHECK_MINUTES, those under review and those closed without money in the last
    PAYMENT_LATE_CONFIRMATION_HOURS, in case the gateway took the money after all.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    recheck = Q(checked_at__isnull=True) | Q(
        checked_at__lt=now - timedelta(minutes=settings.PAYMENT_RECHECK_MINUTES)
    )
    late = now - timedelta(hours=settings.PAYMENT_LATE_CONFIRMATION_HOURS)
    wanted = (
        Q(state=Payment.State.PENDING, created_at__lt=cutoff)
        | (Q(state=Payment.State.UNDER_REVIEW) & recheck)
        | (Q(state__in=Payment.CLOSED_UNPAID_STATES, finished_at__gte=late) & recheck)
    )
    return list(
        Payment.objects.filter(wanted, method=Payment.Method.ONLINE)
        .exclude(txn_ref=None)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def refunds_to_resend(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Online refunds whose next attempt is due: lost after commit, or retrying a failure."""
    return list(
        Payment.objects.filter(
            state=Payment.State.REFUND_REQUESTED,
            method=Payment.Method.ONLINE,
            refund_retry_at__lte=now or timezone.now(),
        )
        .order_by("refund_retry_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- Figures for reports -----------------------------------------------------------------------

PERIODS = {"day": TruncDay, "month": TruncMonth, "year": TruncYear}


def payment_figures(
    *,
    start: datetime,
    end: datetime,
    agency_ids: list[int] | None = None,
    by: tuple[str, ...] = ("method",),
    period: str | None = None,
) -> list[dict[str, Any]]:
    """Count and amount of money collected (paid_at in [start, end)), grouped in SQL.

    `by`: any of "method", "agency"; `period`: "day", "month" or "year" adds a `period` column.
    Refunded payments are counted here too (the money was collected) and again, on their own,
    by `refund_figures`.
    """
    allowed = {"method": "method", "agency": "agency_id"}
    unknown = set(by) - set(allowed)
    if unknown:
        raise ValueError(f"cannot group payments by {sorted(unknown)}")
    rows = Payment.objects.filter(
        state__in=Payment.COLLECTED_STATES, paid_at__gte=start, paid_at__lt=end
    )
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=agency_ids)
    columns = [allowed[name] for name in by]
    if period is not None:
        rows = rows.annotate(period=PERIODS[period]("paid_at"))
        columns.append("period")
    return list(
        rows.values(*columns).annotate(count=Count("pk"), amount=Sum("amount")).order_by(*columns)
    )


def refund_figures(
    *, start: datetime, end: datetime, agency_ids: list[int] | None = None
) -> dict[str, int]:
    """Refunds completed in [start, end): count and amount."""
    rows = Payment.objects.filter(
        state=Payment.State.REFUNDED, refunded_at__gte=start, refunded_at__lt=end
    )
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=agency_ids)
    totals = rows.aggregate(count=Count("pk"), amount=Sum("amount"))
    return {"count": totals["count"] or 0, "amount": totals["amount"] or 0}
