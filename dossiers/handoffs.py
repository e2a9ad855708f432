"""Inter-agency hand-offs (liên thông, DESIGN.md §2 rule 9).

The lead agency's department hands the dossier (or a step of it) to a department of another
unit with its own sub-deadline; the receiving unit acknowledges receipt, does its part and hands
it back. Each hand-off keeps giver, receiver, times and the sub-deadline, so the control slip
(Phiếu kiểm soát quá trình giải quyết hồ sơ) can show which step made a dossier late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import workdays
from portal.models import Department, User
from portal.roles import Role

from . import notifications, selectors, services
from .errors import DossierStateError, DossierValidationError
from .models import Attachment, Dossier, DossierEvent, Handoff
from .staff_access import require_handling_staff, require_receiving_staff

MAX_WORKING_DAYS = Decimal(365)


def default_working_days(dossier: Dossier, department: Department) -> Decimal | None:
    """The working days the procedure gives the agency of `department` (its inter-agency step)."""
    code = department.agency.code
    for step in dossier.procedure_version.data.get("steps", []):
        if (step.get("agency") or {}).get("code") == code and step.get("working_days"):
            return Decimal(step["working_days"])
    return None


def open_handoff(dossier: Dossier) -> Handoff | None:
    """Where the dossier is now when it is out of the lead agency, else None."""
    return (
        dossier.handoffs.filter(returned_at=None)
        .select_related("to_agency", "to_department")
        .first()
    )


def _parse_days(value: Decimal | str | None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return Decimal(-1)


@transaction.atomic
def handoff_send(
    *,
    dossier_id: int,
    giver: User,
    to_department: Department,
    task: str,
    working_days: Decimal | str | None = None,
) -> Handoff:
    """Hand a dossier in processing to another unit with a sub-deadline in working days."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    require_handling_staff(giver, dossier)
    if dossier.state != Dossier.State.PROCESSING or dossier.department_id is None:
        raise DossierStateError(
            _("Only a dossier being processed by a department can be handed to another unit.")
        )
    current = open_handoff(dossier)
    if current is not None:
        raise DossierStateError(
            _("This dossier is already with %(unit)s; it must come back before it is handed on.")
            % {"unit": current.to_department.name}
        )
    errors: dict[str, str] = {}
    if to_department.is_one_stop_desk or to_department.pk == dossier.department_id:
        errors["to_department"] = _("Choose a specialist department of another unit.")
    if not task.strip():
        errors["task"] = _("Say what the other unit is asked to do.")
    days = _parse_days(working_days)
    if days is None:
        days = default_working_days(dossier, to_department)
        if days is None:
            errors["working_days"] = _(
                "Give the number of working days the other unit has: the procedure sets none."
            )
    if days is not None and not (Decimal(0) < days <= MAX_WORKING_DAYS):
        errors["working_days"] = _("Give a number of working days between 0.25 and 365.")
    if errors or days is None:
        raise DossierValidationError(_("The hand-off cannot be sent yet."), field_errors=errors)
    now = timezone.now()
    handoff = Handoff.objects.create(
        dossier=dossier,
        from_agency_id=dossier.agency_id,
        from_department_id=dossier.department_id,
        giver=giver,
        to_agency_id=to_department.agency_id,
        to_department=to_department,
        task=task.strip(),
        sent_at=now,
        working_days=days,
        due_at=workdays.add_working_days(now, days),
    )
    services._record(
        dossier,
        DossierEvent.Kind.HANDOFF_SENT,
        actor=giver,
        from_state=dossier.state,
        reason=handoff.task,
        data={
            "handoff": handoff.pk,
            "to_department": to_department.name,
            "to_agency": to_department.agency.name,
            "due_at": handoff.due_at.isoformat(),
        },
    )
    receivers = User.objects.filter(
        is_active=True,
        department=to_department,
        groups__name__in=[Role.SPECIALIST, Role.LEADER],
    ).distinct()
    notifications.to_staff(
        dossier,
        receivers,
        key="handoff",
        step_name=_("Inter-agency step from %(agency)s: %(task)s")
        % {"agency": dossier.agency.name, "task": handoff.task[:120]},
        due=handoff.due_at,
        url=reverse("handling:handoff", kwargs={"pk": handoff.pk}),
    )
    return handoff


def _handoff_for_update(handoff_id: int) -> tuple[Dossier, Handoff]:
    """Lock the dossier, then its hand-off (the order every writer uses)."""
    found = Handoff.objects.filter(pk=handoff_id).values_list("dossier_id", flat=True).first()
    if found is None:
        raise selectors.DossierNotFound(_("This hand-off does not exist."))
    dossier = selectors.dossier_for_update(dossier_id=found)
    handoff = (
        Handoff.objects.select_for_update(of=("self",))
        .select_related("to_department", "to_agency", "from_department", "receiver")
        .get(pk=handoff_id)
    )
    return dossier, handoff


@transaction.atomic
def handoff_receive(*, handoff_id: int, receiver: User) -> Handoff:
    """The receiving unit acknowledges that the dossier reached it."""
    dossier, handoff = _handoff_for_update(handoff_id)
    require_receiving_staff(receiver, handoff)
    if handoff.returned_at is not None:
        raise DossierStateError(_("This hand-off is closed: the dossier was handed back."))
    if handoff.received_at is not None:
        raise DossierStateError(
            _("%(name)s already acknowledged receipt at %(time)s.")
            % {
                "name": handoff.receiver.full_name if handoff.receiver else "",
                "time": timezone.localtime(handoff.received_at).strftime("%H:%M %d/%m/%Y"),
            }
        )
    handoff.received_at, handoff.receiver = timezone.now(), receiver
    handoff.save(update_fields=["received_at", "receiver"])
    services._record(
        dossier,
        DossierEvent.Kind.HANDOFF_RECEIVED,
        actor=receiver,
        from_state=dossier.state,
        data={"handoff": handoff.pk, "to_department": handoff.to_department.name},
    )
    return handoff


@transaction.atomic
def handoff_return(
    *, handoff_id: int, actor: User, outcome: str, upload: UploadedFile | None = None
) -> Handoff:
    """The receiving unit hands the dossier back with what it did (and a file, if any)."""
    dossier, handoff = _handoff_for_update(handoff_id)
    require_receiving_staff(actor, handoff)
    if handoff.returned_at is not None:
        raise DossierStateError(_("This hand-off is closed: the dossier was handed back."))
    if handoff.received_at is None:
        raise DossierStateError(_("Acknowledge receipt of the dossier before handing it back."))
    if not outcome.strip():
        raise DossierValidationError(
            _("Say what your unit did or decided."),
            field_errors={"outcome": _("Say what your unit did or decided.")},
        )
    if upload is not None:
        handoff.outcome_file = services._store_file(
            dossier,
            upload=upload,
            document_id=None,
            document_name=_("Answer of %(unit)s") % {"unit": handoff.to_department.name},
            kind=Attachment.Kind.HANDOFF,
            actor=actor,
        )
    now = timezone.now()
    handoff.returned_at, handoff.returned_by, handoff.outcome = now, actor, outcome.strip()
    handoff.save(update_fields=["returned_at", "returned_by", "outcome", "outcome_file"])
    result = handoff.result_at(now)
    services._record(
        dossier,
        DossierEvent.Kind.HANDOFF_RETURNED,
        actor=actor,
        from_state=dossier.state,
        reason=handoff.outcome,
        data={
            "handoff": handoff.pk,
            "to_department": handoff.to_department.name,
            "result": result,
            "late_hours": str(late_hours(handoff, now=now)),
        },
    )
    notifications.to_staff(
        dossier,
        [handoff.giver],
        key="handoff_returned",
        step_name=_("Handed back by %(unit)s") % {"unit": handoff.to_department.name},
        due=dossier.due_at,
        url=reverse("handling:dossier", kwargs={"pk": dossier.pk}),
    )
    return handoff


# --- Lateness, step by step ----------------------------------------------------------------


def late_hours(handoff: Handoff, *, now: datetime | None = None) -> Decimal:
    """Working hours the receiving unit is past its sub-deadline (zero when it is not)."""
    end = handoff.returned_at or now or timezone.now()
    return workdays.working_hours_between(handoff.due_at, end)


@dataclass(frozen=True)
class Step:
    """One line of the control slip: who gave the dossier to whom, by when, and how it went.

    `kind` is "reception" (desk → department), "handoff" or "settle" (department → desk);
    pages and the PDF word the first and last themselves. For those, the desk side is named by
    its agency only.
    """

    number: int
    kind: str
    giver: str
    receiver: str
    task: str
    sent_at: datetime | None
    received_at: datetime | None
    due_at: datetime | None
    done_at: datetime | None
    result: str  # Handoff.Result value
    late_hours: Decimal


def _judge(done: datetime | None, due: datetime | None, now: datetime) -> tuple[str, Decimal]:
    if due is None:
        return Handoff.Result.OPEN, Decimal(0)
    if done is None:
        if now > due:
            return Handoff.Result.LATE, workdays.working_hours_between(due, now)
        return Handoff.Result.OPEN, Decimal(0)
    if done > due:
        return Handoff.Result.LATE, workdays.working_hours_between(due, done)
    if timezone.localdate(done) < timezone.localdate(due):
        return Handoff.Result.EARLY, Decimal(0)
    return Handoff.Result.ON_TIME, Decimal(0)


def process_steps(dossier: Dossier, *, now: datetime | None = None) -> list[Step]:
    """Reception, every hand-off and the settling, each judged by its own deadline.

    Lateness is attributed to the step that caused it: a hand-off answered after its
    sub-deadline is late whatever the dossier's overall state, and the handling department's
    own step is judged against the legal due time. Early means done on an earlier day than the
    deadline's, on time means by the deadline on its day.
    """
    now = now or timezone.now()
    agency = dossier.agency.name
    department = f"{dossier.department.name}, {agency}" if dossier.department else ""
    steps: list[Step] = []
    if dossier.accepted_at:
        result, late = _judge(dossier.forwarded_at, dossier.forward_due_at, now)
        steps.append(
            Step(
                number=1,
                kind="reception",
                giver=agency,
                receiver=department,
                task="",
                sent_at=dossier.accepted_at,
                received_at=dossier.forwarded_at,
                due_at=dossier.forward_due_at,
                done_at=dossier.forwarded_at,
                result=result,
                late_hours=late,
            )
        )
    handoffs = dossier.handoffs.select_related(
        "from_department", "from_agency", "to_department", "to_agency", "giver", "receiver"
    )
    for handoff in handoffs:
        result, late = _judge(handoff.returned_at, handoff.due_at, now)
        giver = f"{handoff.from_department.name}, {handoff.from_agency.name}"
        receiver = f"{handoff.to_department.name}, {handoff.to_agency.name}"
        steps.append(
            Step(
                number=len(steps) + 1,
                kind="handoff",
                giver=f"{giver} ({handoff.giver.full_name})",
                receiver=f"{receiver} ({handoff.receiver.full_name})"
                if handoff.receiver
                else receiver,
                task=handoff.task,
                sent_at=handoff.sent_at,
                received_at=handoff.received_at,
                due_at=handoff.due_at,
                done_at=handoff.returned_at,
                result=result,
                late_hours=late,
            )
        )
    if dossier.forwarded_at:
        result, late = _judge(dossier.finished_at, dossier.due_at, now)
        steps.append(
            Step(
                number=len(steps) + 1,
                kind="settle",
                giver=department,
                receiver=agency,
                task="",
                sent_at=dossier.forwarded_at,
                received_at=dossier.finished_at,
                due_at=dossier.due_at,
                done_at=dossier.finished_at,
                result=result,
                late_hours=late,
            )
        )
    return steps


def late_steps(dossier: Dossier, *, now: datetime | None = None) -> list[Step]:
    """The steps that overran their own deadline: who made the dossier late, and by how much."""
    return [step for step in process_steps(dossier, now=now) if step.result == Handoff.Result.LATE]


# --- Reads for the receiving unit ----------------------------------------------------------


def handoffs_for_receiver(user: User) -> QuerySet[Handoff]:
    """Hand-offs addressed to the user's department (all of the agency's for its leaders)."""
    if not user.is_authenticated or not user.agency_id:
        return Handoff.objects.none()
    scope = Q(to_department_id=user.department_id) if user.department_id else Q(pk__in=[])
    if user.has_role(Role.LEADER):
        scope |= Q(to_agency_id=user.agency_id)
    elif not user.has_role(Role.SPECIALIST):
        return Handoff.objects.none()
    return (
        Handoff.objects.filter(scope)
        .exclude(dossier__state=Dossier.State.DRAFT)
        .select_related(
            "dossier__procedure",
            "dossier__agency",
            "from_agency",
            "from_department",
            "to_department",
        )
        .order_by(F("returned_at").desc(nulls_first=True), "due_at", "pk")
    )
