"""The processing clock: it stops while the department waits for the citizen (DESIGN.md §6).

A specialist asking for a supplement during processing opens a `ClockPause`; the citizen's
supplement closes it and moves both the legal due time and the appointment by exactly the
working time that passed (a pause over a weekend or Tết costs only the working hours in it).
Supplements asked for by the desk before acceptance pause nothing: no clock runs yet.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import workdays
from portal.models import User

from . import notices, notifications, selectors, services
from .errors import DossierStateError, DossierValidationError
from .models import ClockPause, Dossier, DossierEvent, Notice
from .staff_access import require_handling_staff


@transaction.atomic
def dossier_request_supplement_in_processing(
    *, dossier_id: int, specialist: User, document_ids: list[int], note: str
) -> Dossier:
    """The handling department asks the citizen for more: the clock stops until they answer."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    require_handling_staff(specialist, dossier)
    if dossier.state != Dossier.State.PROCESSING or dossier.forwarded_at is None:
        raise DossierStateError(
            _("Only a dossier being processed by a department can be sent back for a supplement.")
        )
    open_handoff = dossier.handoffs.filter(returned_at=None).select_related("to_department").first()
    if open_handoff is not None:
        raise DossierStateError(
            _(
                "The dossier is with %(unit)s; wait until it is handed back before asking "
                "the citizen."
            )
            % {"unit": open_handoff.to_department.name}
        )
    if not document_ids and not note.strip():
        raise DossierValidationError(
            _("Say which documents are missing or wrong, or explain in the note."),
            field_errors={"note": _("Say which documents are missing or wrong.")},
        )
    names = [services._document(dossier, document_id)["name"] for document_id in document_ids]
    now = timezone.now()
    dossier.request_supplement()
    services._save(dossier, specialist)
    ClockPause.objects.create(
        dossier=dossier,
        started_at=now,
        reason=note.strip(),
        actor=specialist,
        due_before=dossier.due_at,  # type: ignore[misc]  # set on acceptance
        appointment_before=dossier.appointment_at,
    )
    services._record(
        dossier,
        DossierEvent.Kind.SUPPLEMENT_REQUESTED,
        actor=specialist,
        from_state=Dossier.State.PROCESSING,
        reason=note.strip(),
        data={"documents": document_ids, "document_names": names, "clock_paused": True},
    )
    notifications.supplement_requested(dossier, note=note.strip(), documents=names)
    notices.schedule(dossier, Notice.Kind.SUPPLEMENT_REQUEST)
    return dossier


def shift(moment: datetime | None, hours: object) -> datetime | None:
    """`moment` moved later by `hours` of working time (unchanged for no time at all)."""
    if moment is None or not hours:
        return moment
    return workdays.add_working_hours(moment, hours)  # type: ignore[arg-type]


def clock_resume(dossier: Dossier, *, at: datetime, actor: User | None) -> ClockPause | None:
    """Close the open pause of a dossier back in processing (inside the caller's transaction).

    Called by `dossier_supplement` with the dossier row locked; nothing happens when no pause
    is open (e.g. a supplement asked for by the desk before acceptance).
    """
    if dossier.state != Dossier.State.PROCESSING:
        return None
    pause = ClockPause.objects.select_for_update().filter(dossier=dossier, ended_at=None).first()
    if pause is None:
        return None
    hours = workdays.working_hours_between(pause.started_at, at)
    pause.ended_at, pause.working_hours = at, hours
    dossier.due_at = shift(dossier.due_at, hours)
    dossier.appointment_at = shift(dossier.appointment_at, hours)
    pause.due_after, pause.appointment_after = dossier.due_at, dossier.appointment_at
    pause.save(update_fields=["ended_at", "working_hours", "due_after", "appointment_after"])
    services._save(dossier, actor)
    services._record(
        dossier,
        DossierEvent.Kind.RESUMED,
        actor=actor,
        from_state=Dossier.State.INCOMPLETE,
        data={
            "pause": pause.pk,
            "paused_hours": str(hours),
            "due_at": dossier.due_at.isoformat() if dossier.due_at else "",
            "appointment_at": dossier.appointment_at.isoformat() if dossier.appointment_at else "",
        },
    )
    notifications.processing_resumed(dossier)
    return pause
