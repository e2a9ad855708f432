"""What the citizen reads about their dossier: who has it, what is next, by when.

Computed from the dossier's state, dates and `DossierEvent` rows so that templates stay dumb.
Staff names are never shown to citizens: the unit speaks, not the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from portal import workdays
from procedures.models import ReturnMethod
from procedures.presenters import format_decimal, format_vnd

from .models import Dossier, DossierEvent

# The desk normally checks an online dossier within one working day of its arrival; the
# citizen is told so (a promise of service, not a legal deadline that is stored).
DESK_CHECK_WORKING_DAYS = 1

# The colour of each state, the same on every page.
STATE_BADGES: dict[str, str] = {
    Dossier.State.DRAFT: "badge-muted",
    Dossier.State.RECEIVED: "badge-info",
    Dossier.State.INCOMPLETE: "badge-warning",
    Dossier.State.PROCESSING: "badge-info",
    Dossier.State.DONE: "badge-success",
    Dossier.State.RETURNED: "badge-danger",
    Dossier.State.WITHDRAWN: "badge-muted",
}


def when(moment: datetime | None) -> str:
    """'14:30, 25/11/2026' in the portal's time zone (Vietnamese order in both languages)."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%H:%M, %d/%m/%Y")


def day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def file_size(size: int) -> str:
    """1234567 -> '1,2 MB' / '1.2 MB'; small files in kB."""
    if size >= 1024 * 1024:
        megabytes = (Decimal(size) / (1024 * 1024)).quantize(Decimal("0.1"))
        return f"{format_decimal(megabytes)} MB"
    return f"{max(1, round(size / 1024))} kB"


def file_type(content_type: str) -> str:
    return {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}.get(
        content_type, content_type
    )


# --- Status: who has it, what is next, by when -------------------------------------------


@dataclass(frozen=True)
class Status:
    state: str
    label: str
    badge: str
    who: str  # who has the dossier now
    next_step: str  # what happens next, in a sentence
    by_when: str  # by when, or "" when nobody is waiting for anything
    short: str  # a few words for lists
    reason: str = ""  # why it was returned or withdrawn


def _last_event(events: list[DossierEvent], *kinds: str) -> DossierEvent | None:
    for event in reversed(events):
        if event.kind in kinds:
            return event
    return None


def _asker(dossier: Dossier) -> str:
    if dossier.accepted_at:
        return _("the department handling your dossier")
    return _("the one-stop desk")


def desk_check_by(dossier: Dossier) -> datetime | None:
    if dossier.submitted_at is None:
        return None
    return workdays.add_working_days(dossier.submitted_at, DESK_CHECK_WORKING_DAYS)


def _done_next_step(dossier: Dossier, agency: str) -> str:
    if dossier.delivered_at:
        return _("The result was handed over on %(time)s.") % {"time": when(dossier.delivered_at)}
    if dossier.return_method == ReturnMethod.ONLINE:
        return _("Download the result from the Result section of this page.")
    if dossier.return_method == ReturnMethod.POST:
        return _("The result is sent to you by registered post to: %(address)s.") % {
            "address": dossier.postal_address
        }
    return _(
        "Collect the result at the one-stop desk of %(agency)s. Bring your ID card and the "
        "dossier code."
    ) % {"agency": agency}


def dossier_status(dossier: Dossier, events: list[DossierEvent], *, fee_awaited: int = 0) -> Status:
    """`fee_awaited`: the amount the desk waits for before it may accept (payments' selector)."""
    agency = dossier.agency.name
    state = dossier.state
    common = {
        "state": state,
        "label": dossier.get_state_display(),
        "badge": STATE_BADGES.get(state, "badge-muted"),
    }
    if state == Dossier.State.DRAFT:
        return Status(
            **common,
            who=_("You: the dossier has not been sent yet."),
            next_step=_("Complete the form, attach a file for each document and submit it."),
            by_when="",
            short=_("Finish and submit"),
        )
    if state == Dossier.State.RECEIVED and fee_awaited:
        amount = format_vnd(fee_awaited)
        return Status(
            **common,
            who=_("You: the fee of %(amount)s is not paid yet.") % {"amount": amount},
            next_step=_(
                "Pay the fee of %(amount)s in the Fees section of this page or at the one-stop "
                "desk. Until it is paid the desk cannot accept your dossier and the processing "
                "time does not start."
            )
            % {"amount": amount},
            by_when="",
            short=_("Pay the fee"),
        )
    if state == Dossier.State.RECEIVED:
        return Status(
            **common,
            who=_("The one-stop desk of %(agency)s") % {"agency": agency},
            next_step=_(
                "The desk checks that your dossier is complete. Then it accepts it and gives "
                "you the appointment date for the result, or tells you what to add."
            ),
            by_when=_("Usually by %(time)s (within one working day)")
            % {"time": when(desk_check_by(dossier))},
            short=_("Desk check"),
        )
    if state == Dossier.State.INCOMPLETE:
        return Status(
            **common,
            who=_("You: %(asker)s asked for more documents.") % {"asker": _asker(dossier)},
            next_step=_(
                "Upload the requested documents on this page. Your dossier then goes back to "
                "%(asker)s."
            )
            % {"asker": _asker(dossier)},
            by_when=_("The processing time is paused until you send them."),
            short=_("Add the requested documents"),
        )
    if state == Dossier.State.PROCESSING:
        handed = _last_event(
            events, DossierEvent.Kind.HANDOFF_SENT, DossierEvent.Kind.HANDOFF_RETURNED
        )
        if handed is not None and handed.kind == DossierEvent.Kind.HANDOFF_SENT:
            who = _("%(unit)s, %(agency)s, for an inter-agency step (%(lead)s coordinates)") % {
                "unit": handed.data.get("to_department", ""),
                "agency": handed.data.get("to_agency", ""),
                "lead": agency,
            }
        elif dossier.department_id and dossier.department:
            who = _("%(department)s, %(agency)s") % {
                "department": dossier.department.name,
                "agency": agency,
            }
        else:
            who = _(
                "The one-stop desk of %(agency)s, which hands it to the competent department"
            ) % {"agency": agency}
        return Status(
            **common,
            who=who,
            next_step=_("Your dossier is being examined and the result prepared."),
            by_when=_("Result expected by %(time)s") % {"time": when(dossier.appointment_at)}
            if dossier.appointment_at
            else "",
            short=_("Result by %(day)s") % {"day": day(dossier.appointment_at)}
            if dossier.appointment_at
            else _("Being processed"),
        )
    if state == Dossier.State.DONE:
        return Status(
            **common,
            who=_("The result is ready at %(agency)s.") % {"agency": agency},
            next_step=_done_next_step(dossier, agency),
            by_when="",
            short=_("Result delivered")
            if dossier.delivered_at
            else _("Download the result")
            if dossier.return_method == ReturnMethod.ONLINE
            else _("Collect the result"),
        )
    if state == Dossier.State.RETURNED:
        event = _last_event(
            events, DossierEvent.Kind.REFUSED, DossierEvent.Kind.REJECTED, DossierEvent.Kind.STOPPED
        )
        return Status(
            **common,
            who=_("No one: the dossier was returned to you on %(time)s.")
            % {"time": when(dossier.finished_at)},
            next_step=_(
                "Read the reasons below. You can submit a new dossier once you have what is "
                "missing."
            ),
            by_when="",
            short=_("Returned: see the reasons"),
            reason=event.reason if event else "",
        )
    event = _last_event(events, DossierEvent.Kind.WITHDRAWN)
    return Status(
        **common,
        who=_("No one: you withdrew the dossier on %(time)s.")
        % {"time": when(dossier.finished_at)},
        next_step=_("Nothing more to do. You can submit a new dossier at any time."),
        by_when="",
        short=_("Withdrawn"),
        reason=event.reason if event else "",
    )


# --- The timeline ------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: str
    title: str
    text: str
    note: str = ""
    by_you: bool = False
    documents: list[str] = field(default_factory=list)


def _entry_text(dossier: Dossier, event: DossierEvent) -> str:
    agency = dossier.agency.name
    data: dict[str, Any] = event.data or {}
    kind = event.kind
    if kind == DossierEvent.Kind.CREATED:
        return _("You started the dossier online.")
    if kind == DossierEvent.Kind.SUBMITTED:
        return _("You sent the dossier to the one-stop desk of %(agency)s; it got its code.") % {
            "agency": agency
        }
    if kind == DossierEvent.Kind.REGISTERED:
        return _("The one-stop desk of %(agency)s registered the dossier.") % {"agency": agency}
    if kind == DossierEvent.Kind.SUPPLEMENT_REQUESTED:
        return _("You were asked to add or correct documents.")
    if kind == DossierEvent.Kind.SUPPLEMENTED:
        return _("You sent the requested documents.")
    if kind == DossierEvent.Kind.ACCEPTED:
        due = parse_datetime(data["due_at"]) if data.get("due_at") else dossier.appointment_at
        return _("The desk accepted the dossier. Appointment for the result: %(time)s.") % {
            "time": when(due)
        }
    if kind == DossierEvent.Kind.FORWARDED:
        return _("The desk handed the dossier to the competent department.")
    if kind == DossierEvent.Kind.REFUSED:
        return _("The desk could not receive the dossier.")
    if kind == DossierEvent.Kind.REJECTED:
        return _("The department returned the dossier.")
    if kind == DossierEvent.Kind.STOPPED:
        return _("The agency stopped processing the dossier.")
    if kind == DossierEvent.Kind.COMPLETED:
        return _("The result is ready.")
    if kind == DossierEvent.Kind.DELIVERED:
        return _("The result was handed over.")
    if kind == DossierEvent.Kind.WITHDRAWN:
        return _("You withdrew the dossier.")
    if kind == DossierEvent.Kind.RESUMED:
        return _("Your documents arrived: processing resumed. New appointment: %(time)s.") % {
            "time": when(parse_datetime(data.get("appointment_at") or "") or None)
        }
    if kind == DossierEvent.Kind.HANDOFF_SENT:
        return _("Part of the work was handed to %(unit)s, %(agency)s.") % {
            "unit": data.get("to_department", ""),
            "agency": data.get("to_agency", ""),
        }
    if kind == DossierEvent.Kind.HANDOFF_RETURNED:
        return _("%(unit)s did its part and handed the dossier back.") % {
            "unit": data.get("to_department", "")
        }
    if kind == DossierEvent.Kind.APOLOGY_APPROVED:
        return _("The agency apologised for the delay. New appointment: %(time)s.") % {
            "time": when(parse_datetime(data.get("appointment_at") or "") or None)
        }
    return ""


# Reasons and notes that are meant for the citizen's eyes.
_NOTE_KINDS = {
    DossierEvent.Kind.SUPPLEMENT_REQUESTED,
    DossierEvent.Kind.SUPPLEMENTED,
    DossierEvent.Kind.REFUSED,
    DossierEvent.Kind.REJECTED,
    DossierEvent.Kind.STOPPED,
    DossierEvent.Kind.WITHDRAWN,
    DossierEvent.Kind.APOLOGY_APPROVED,
}
# The agencies' internal steps: not part of the citizen's timeline.
_INTERNAL_KINDS = {
    DossierEvent.Kind.HANDOFF_RECEIVED,
    DossierEvent.Kind.APOLOGY_DRAFTED,
    DossierEvent.Kind.APOLOGY_SENT_BACK,
}


# Steps inside the agency that the citizen's timeline leaves out (the unit speaks, not the person).
INTERNAL_KINDS = {
    DossierEvent.Kind.ASSIGNED,
    DossierEvent.Kind.RESULT_PROPOSED,
    DossierEvent.Kind.REFUSAL_PROPOSED,
    DossierEvent.Kind.PROPOSAL_SENT_BACK,
}


def dossier_timeline(dossier: Dossier, events: list[DossierEvent]) -> list[TimelineEntry]:
    events = [event for event in events if event.kind not in INTERNAL_KINDS]
    return [
        TimelineEntry(
            at=when(event.created_at),
            title=event.get_kind_display(),
            text=_entry_text(dossier, event),
            note=event.reason if event.kind in _NOTE_KINDS else "",
            by_you=event.actor_id is not None and event.actor_id == dossier.applicant_id,
            documents=list((event.data or {}).get("document_names", []))
            if event.kind == DossierEvent.Kind.SUPPLEMENT_REQUESTED
            else [],
        )
        for event in events
        if event.kind not in _INTERNAL_KINDS
    ]


# --- Supplement request ------------------------------------------------------------------


@dataclass(frozen=True)
class SupplementRequest:
    at: str
    note: str
    documents: list[dict[str, Any]]  # documents of the version snapshot that were named
    # Asked for by the processing department after acceptance, not by the desk at reception.
    by_department: bool = False


def supplement_request(dossier: Dossier, events: list[DossierEvent]) -> SupplementRequest | None:
    """What the latest request asked for, while the dossier waits for it."""
    if dossier.state != Dossier.State.INCOMPLETE:
        return None
    event = _last_event(events, DossierEvent.Kind.SUPPLEMENT_REQUESTED)
    if event is None:
        return None
    wanted = set((event.data or {}).get("documents", []))
    documents = [
        document
        for document in dossier.procedure_version.data.get("documents", [])
        if document.get("id") in wanted
    ]
    return SupplementRequest(
        at=when(event.created_at),
        note=event.reason,
        documents=documents,
        by_department=event.from_state == Dossier.State.PROCESSING,
    )
