"""Late dossiers (DESIGN.md §2 rule 8): the department drafts an apology with a new date,
a leader approves it, and only then is the citizen told the new appointment.

The legal due time (`Dossier.due_at`) never moves here: statistics keep counting the dossier
against it. Only the appointment the citizen sees (`appointment_at`) changes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import workdays
from portal.models import User
from portal.roles import Role

from . import notices, notifications, selectors, services
from .errors import DossierPermissionError, DossierStateError, DossierValidationError
from .handoffs import open_handoff
from .models import Apology, Dossier, DossierEvent, Notice
from .staff_access import require_handling_staff, require_leader

# A dossier with at most this much working time left before its appointment is "at risk".
AT_RISK_WORKING_HOURS = Decimal(8)


def lateness(dossier: Dossier, *, now: datetime | None = None) -> str:
    """ "overdue", "at_risk" or "" for a dossier in processing, judged by its appointment."""
    now = now or timezone.now()
    if dossier.state != Dossier.State.PROCESSING or dossier.appointment_at is None:
        return ""
    if now > dossier.appointment_at:
        return "overdue"
    if workdays.working_hours_between(now, dossier.appointment_at) <= AT_RISK_WORKING_HOURS:
        return "at_risk"
    handoff = open_handoff(dossier)
    if handoff is not None and (now > handoff.due_at or handoff.due_at > dossier.appointment_at):
        # The other unit is late already, or may answer after the appointment.
        return "at_risk"
    return ""


def appointment_on(day: date) -> datetime:
    """A new appointment falls at the close of office on its day."""
    close = settings.OFFICE_HOURS[-1][1]
    return timezone.make_aware(datetime.combine(day, close))


def _check_new_date(dossier: Dossier, new_date: date | None, now: datetime) -> str:
    """What is wrong with the proposed date, or "" when it is fine."""
    if new_date is None:
        return _("Choose the new appointment date.")
    if new_date <= timezone.localdate(now):
        return _("The new appointment must be a working day after today.")
    if not workdays.is_working_day(new_date):
        midnight = timezone.make_aware(datetime.combine(new_date, datetime.min.time()))
        reasons = workdays.skipped_days(midnight, appointment_on(new_date))
        return _("%(day)s is not a working day (%(reason)s). Choose a working day.") % {
            "day": new_date.strftime("%d/%m/%Y"),
            "reason": reasons[0].reason if reasons else _("day off"),
        }
    if dossier.appointment_at and new_date <= timezone.localdate(dossier.appointment_at):
        return _("The new appointment must be later than the current one (%(day)s).") % {
            "day": timezone.localtime(dossier.appointment_at).strftime("%d/%m/%Y")
        }
    return ""


@transaction.atomic
def apology_draft(
    *, dossier_id: int, specialist: User, reason: str, new_date: date | None
) -> Apology:
    """The handling department drafts the apology and new date; a leader must approve it."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    require_handling_staff(specialist, dossier)
    now = timezone.now()
    if not lateness(dossier, now=now):
        raise DossierStateError(
            _(
                "An apology is only for a dossier in processing that is overdue or likely to "
                "be late."
            )
        )
    if dossier.apologies.filter(status=Apology.Status.PENDING).exists():
        raise DossierStateError(_("An apology for this dossier is already waiting for the leader."))
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["reason"] = _("Give the reason for the delay; the citizen will read it.")
    date_error = _check_new_date(dossier, new_date, now)
    if date_error:
        errors["new_date"] = date_error
    if errors or new_date is None or dossier.appointment_at is None:
        raise DossierValidationError(
            errors.get("new_date") or errors.get("reason") or _("Choose the new appointment date."),
            field_errors=errors,
        )
    apology = Apology.objects.create(
        dossier=dossier,
        reason=reason.strip(),
        previous_appointment_at=dossier.appointment_at,
        new_appointment_at=appointment_on(new_date),
        drafted_by=specialist,
        drafted_at=now,
    )
    services._record(
        dossier,
        DossierEvent.Kind.APOLOGY_DRAFTED,
        actor=specialist,
        from_state=dossier.state,
        reason=apology.reason,
        data={"apology": apology.pk, "new_appointment_at": apology.new_appointment_at.isoformat()},
    )
    leaders = User.objects.filter(
        is_active=True, agency_id=dossier.agency_id, groups__name=Role.LEADER
    ).exclude(pk=specialist.pk)
    notifications.to_staff(
        dossier,
        leaders,
        key="apology",
        step_name=_("Approve the apology and new appointment"),
        due=apology.new_appointment_at,
        url=reverse("handling:dossier", kwargs={"pk": dossier.pk}),
    )
    return apology


def _apology_for_update(apology_id: int) -> tuple[Dossier, Apology]:
    found = Apology.objects.filter(pk=apology_id).values_list("dossier_id", flat=True).first()
    if found is None:
        raise selectors.DossierNotFound(_("This apology does not exist."))
    dossier = selectors.dossier_for_update(dossier_id=found)
    return dossier, Apology.objects.select_for_update().get(pk=apology_id)


@transaction.atomic
def apology_approve(*, apology_id: int, leader: User) -> Apology:
    """The leader approves: the appointment moves, the citizen gets the PDF and a message."""
    dossier, apology = _apology_for_update(apology_id)
    require_leader(leader, dossier)
    if apology.drafted_by_id == leader.pk:
        raise DossierPermissionError(
            _("You drafted this apology; another leader of the agency must approve it.")
        )
    if apology.status != Apology.Status.PENDING:
        raise DossierStateError(_("This apology has already been decided."))
    if dossier.state != Dossier.State.PROCESSING:
        raise DossierStateError(_("The dossier is no longer in processing; no apology is needed."))
    now = timezone.now()
    if apology.new_appointment_at <= now or (
        dossier.appointment_at and apology.new_appointment_at <= dossier.appointment_at
    ):
        raise DossierValidationError(
            _("The proposed date is no longer after the current appointment; send it back.")
        )
    previous = dossier.appointment_at
    dossier.appointment_at = apology.new_appointment_at
    services._save(dossier, leader)
    apology.status, apology.decided_by, apology.decided_at = Apology.Status.APPROVED, leader, now
    apology.save(update_fields=["status", "decided_by", "decided_at"])
    event = services._record(
        dossier,
        DossierEvent.Kind.APOLOGY_APPROVED,
        actor=leader,
        from_state=dossier.state,
        reason=apology.reason,
        data={
            "apology": apology.pk,
            "previous_appointment_at": previous.isoformat() if previous else "",
            "appointment_at": apology.new_appointment_at.isoformat(),
        },
    )
    notifications.dossier_apology(dossier, previous=previous, reason=apology.reason)
    notices.schedule(dossier, Notice.Kind.APOLOGY, event=event)
    return apology


@transaction.atomic
def apology_send_back(*, apology_id: int, leader: User, note: str) -> Apology:
    """The leader returns the draft to the department with what to change."""
    dossier, apology = _apology_for_update(apology_id)
    require_leader(leader, dossier)
    if apology.status != Apology.Status.PENDING:
        raise DossierStateError(_("This apology has already been decided."))
    if not note.strip():
        raise DossierValidationError(
            _("Say what the department should change."),
            field_errors={"note": _("Say what the department should change.")},
        )
    apology.status, apology.decided_by = Apology.Status.SENT_BACK, leader
    apology.decided_at, apology.decision_note = timezone.now(), note.strip()
    apology.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    services._record(
        dossier,
        DossierEvent.Kind.APOLOGY_SENT_BACK,
        actor=leader,
        from_state=dossier.state,
        reason=apology.decision_note,
        data={"apology": apology.pk},
    )
    return apology
