"""Processing by the competent department: assignment, proposals, leader approval, delivery.

DESIGN.md §5: `complete` (specialist, leader approval where the procedure requires it) → done;
`reject` → returned with reasons; `deliver` sets `delivered_at`. Every function here locks the
dossier row first (`selectors.dossier_for_update`), so two people acting on the same dossier at
once are served one after the other and the second gets a `DossierStateError` to show.

Two single entry points the money side hooks into:

* `_return_from_processing` is the only way a dossier being processed becomes `returned`
  (a refund of paid fees belongs there, rule 11);
* `dossier_deliver` is the only way a result is handed over (a fee due at result is checked
  there before delivery).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.roles import Role
from procedures.models import ReturnMethod

from . import selectors
from .errors import (
    DossierPermissionError,
    DossierStateError,
    DossierValidationError,
)
from .files import check_upload
from .models import Attachment, Delivery, Dossier, DossierEvent, Proposal
from .services import (
    _record,
    _refund_payments,
    _require_fees_paid_before_delivery,
    _save,
    _store_file,
)

MAX_RESULT_FILES = 5


# --- Who may act ---------------------------------------------------------------------------


def is_agency_leader(user: User, dossier: Dossier) -> bool:
    return bool(
        user.is_authenticated
        and user.has_role(Role.LEADER)
        and user.agency_id is not None
        and user.agency_id == dossier.agency_id
    )


def is_department_specialist(user: User, dossier: Dossier) -> bool:
    return bool(
        user.is_authenticated
        and user.has_role(Role.SPECIALIST)
        and user.agency_id is not None
        and user.agency_id == dossier.agency_id
        and dossier.department_id is not None
        and user.department_id == dossier.department_id
    )


def can_handle(user: User, dossier: Dossier) -> bool:
    """The assigned specialist, or a leader of the agency, may propose a decision."""
    return is_agency_leader(user, dossier) or (
        is_department_specialist(user, dossier) and dossier.assignee_id == user.pk
    )


def requires_leader_approval(dossier: Dossier) -> bool:
    """From the version the dossier was submitted under; missing means required (the safe side)."""
    return bool(dossier.procedure_version.data.get("requires_leader_approval", True))


def _require_with_department(dossier: Dossier) -> None:
    if dossier.state != Dossier.State.PROCESSING or dossier.department_id is None:
        raise DossierStateError(_("This dossier is not being processed by a department."))


def _require_not_handed_off(dossier: Dossier) -> None:
    handoff = dossier.handoffs.filter(returned_at=None).select_related("to_department").first()
    if handoff is not None:
        raise DossierStateError(
            _("The dossier is with %(unit)s for an inter-agency step; wait until it comes back.")
            % {"unit": handoff.to_department.name}
        )


def _require_handler(dossier: Dossier, user: User) -> None:
    if not can_handle(user, dossier):
        raise DossierPermissionError(
            _("Only the specialist assigned to this dossier or a leader of the agency can do this.")
        )


def _require_leader(dossier: Dossier, user: User) -> None:
    if not is_agency_leader(user, dossier):
        raise DossierPermissionError(_("Only a leader of the agency can decide on a proposal."))


def _pending(dossier: Dossier) -> Proposal | None:
    return dossier.proposals.filter(status=Proposal.Status.PENDING).first()


# --- Staff notifications -------------------------------------------------------------------


def _staff_url(dossier: Dossier) -> str:
    return settings.PORTAL_BASE_URL + reverse("desk:processing_dossier", args=[dossier.pk])


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else ""


def _tell_staff(dossier: Dossier, user: User, *, step: str, key: str) -> None:
    from portal.notifications import notify

    notify(
        template="queue_new_dossier",
        context={
            "code": dossier.code or "",
            "procedure_name": dossier.procedure_version.data.get("name", ""),
            "step_name": step,
            "due": _when(dossier.due_at),
            "url": _staff_url(dossier),
            "applicant_name": user.full_name,
        },
        dedupe_key=f"dossier:{dossier.pk}:{key}:user:{user.pk}",
        user=user,
        email=user.email,
        phone=user.phone,
    )


def _agency_leaders(dossier: Dossier) -> list[User]:
    return list(
        User.objects.filter(
            agency_id=dossier.agency_id, groups__name=Role.LEADER.value, is_active=True
        ).distinct()
    )


def _to_applicant(dossier: Dossier, template: str, key: str, **extra: object) -> None:
    from . import notifications

    notifications._to_applicant(dossier, template, key, **extra)


# --- Assignment ----------------------------------------------------------------------------


@transaction.atomic
def dossier_assign(*, dossier_id: int, actor: User, assignee: User) -> Dossier:
    """Give a dossier of a department to one of its specialists.

    A leader of the agency assigns (or reassigns) to any specialist of the handling department;
    a specialist may only take an unassigned dossier of their own department for themselves.
    """
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_with_department(dossier)
    leader = is_agency_leader(actor, dossier)
    if not leader:
        if not is_department_specialist(actor, dossier) or assignee.pk != actor.pk:
            raise DossierPermissionError(
                _("Only a leader of the agency can assign dossiers to other people.")
            )
        if dossier.assignee_id is not None:
            raise DossierStateError(
                _("This dossier has already been taken by another specialist.")
                if dossier.assignee_id != actor.pk
                else _("This dossier is already yours.")
            )
    if not is_department_specialist(assignee, dossier) or not assignee.is_active:
        raise DossierValidationError(
            _("Choose a specialist of the department handling this dossier."),
            field_errors={
                "assignee": _("Choose a specialist of the department handling this dossier.")
            },
        )
    if dossier.assignee_id == assignee.pk:
        raise DossierStateError(
            _("This dossier is already assigned to %(name)s.") % {"name": assignee.full_name}
        )
    previous = dossier.assignee_id
    dossier.assignee = assignee
    _save(dossier, actor)
    event = _record(
        dossier,
        DossierEvent.Kind.ASSIGNED,
        actor=actor,
        from_state=dossier.state,
        data={"assignee": assignee.pk, "assignee_name": assignee.full_name, "previous": previous},
    )
    if assignee.pk != actor.pk:
        _tell_staff(
            dossier, assignee, step=_("Assigned to you for processing"), key=f"assigned:{event.pk}"
        )
    return dossier


# --- Proposals -----------------------------------------------------------------------------


@transaction.atomic
def dossier_propose_result(
    *, dossier_id: int, actor: User, result_text: str, files: list[UploadedFile]
) -> Proposal:
    """The result with its file(s): final at once, or awaiting a leader's approval.

    Where the procedure requires approval, a specialist's result always waits for a leader;
    a leader's own result is approved by that leader.
    """
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_with_department(dossier)
    _require_handler(dossier, actor)
    _require_not_handed_off(dossier)
    if _pending(dossier) is not None:
        raise DossierStateError(_("A proposal for this dossier is already awaiting a decision."))
    errors: dict[str, str] = {}
    if not result_text.strip():
        errors["result_text"] = _("Describe the result (what is issued, its number and date).")
    if not files:
        errors["result_files"] = _("Attach the result file (the signed document, scanned).")
    elif len(files) > MAX_RESULT_FILES:
        errors["result_files"] = _("Attach at most %(count)s files.") % {"count": MAX_RESULT_FILES}
    if errors:
        raise DossierValidationError(_("The result cannot be recorded yet."), field_errors=errors)
    for upload in files:  # every file checked before any is stored
        check_upload(upload, dossier=dossier)
    now = timezone.now()
    proposal = Proposal.objects.create(
        dossier=dossier,
        kind=Proposal.Kind.RESULT,
        text=result_text.strip(),
        proposed_by=actor,
        proposed_at=now,
    )
    stored = [
        _store_file(
            dossier,
            upload=upload,
            document_id=None,
            document_name=_("Result"),
            kind=Attachment.Kind.RESULT,
            actor=actor,
        )
        for upload in files
    ]
    Attachment.objects.filter(pk__in=[a.pk for a in stored]).update(proposal=proposal)
    if not requires_leader_approval(dossier) or is_agency_leader(actor, dossier):
        _decide(dossier, proposal, actor=actor, note="")
        return proposal
    event = _record(
        dossier,
        DossierEvent.Kind.RESULT_PROPOSED,
        actor=actor,
        from_state=dossier.state,
        reason=proposal.text,
        data={"proposal": proposal.pk, "files": [a.original_name for a in stored]},
    )
    for leader in _agency_leaders(dossier):
        _tell_staff(dossier, leader, step=_("Approve the result"), key=f"proposal:{event.pk}")
    return proposal


@transaction.atomic
def dossier_propose_refusal(*, dossier_id: int, actor: User, reasons: str) -> Proposal:
    """The dossier cannot be settled: the reasons go to a leader, who returns it or sends it back.

    A leader's own refusal is decided at once.
    """
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_with_department(dossier)
    _require_handler(dossier, actor)
    _require_not_handed_off(dossier)
    if _pending(dossier) is not None:
        raise DossierStateError(_("A proposal for this dossier is already awaiting a decision."))
    if not reasons.strip():
        raise DossierValidationError(
            _("Give the reasons for the refusal."),
            field_errors={"reasons": _("Give the reasons for the refusal.")},
        )
    proposal = Proposal.objects.create(
        dossier=dossier,
        kind=Proposal.Kind.REFUSAL,
        text=reasons.strip(),
        proposed_by=actor,
        proposed_at=timezone.now(),
    )
    if is_agency_leader(actor, dossier):
        _decide(dossier, proposal, actor=actor, note="")
        return proposal
    event = _record(
        dossier,
        DossierEvent.Kind.REFUSAL_PROPOSED,
        actor=actor,
        from_state=dossier.state,
        reason=proposal.text,
        data={"proposal": proposal.pk},
    )
    for leader in _agency_leaders(dossier):
        _tell_staff(dossier, leader, step=_("Approve the refusal"), key=f"proposal:{event.pk}")
    return proposal


def _locked_pending(dossier_id: int, proposal_id: int, leader: User) -> tuple[Dossier, Proposal]:
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_leader(dossier, leader)
    proposal = dossier.proposals.filter(pk=proposal_id).first()
    if proposal is None:
        raise DossierStateError(_("This proposal does not exist."))
    if proposal.status != Proposal.Status.PENDING or dossier.state != Dossier.State.PROCESSING:
        raise DossierStateError(
            _("This proposal has already been decided by %(name)s.")
            % {"name": proposal.decided_by.full_name if proposal.decided_by else "—"}
        )
    return dossier, proposal


@transaction.atomic
def proposal_approve(*, dossier_id: int, proposal_id: int, leader: User, note: str = "") -> Dossier:
    """A leader signs the proposal: the result is issued, or the dossier is returned."""
    dossier, proposal = _locked_pending(dossier_id, proposal_id, leader)
    _decide(dossier, proposal, actor=leader, note=note.strip())
    return dossier


@transaction.atomic
def proposal_send_back(*, dossier_id: int, proposal_id: int, leader: User, note: str) -> Proposal:
    """A leader does not sign: the proposal goes back to the specialist with what to change."""
    dossier, proposal = _locked_pending(dossier_id, proposal_id, leader)
    if not note.strip():
        raise DossierValidationError(
            _("Say what should be changed."),
            field_errors={"note": _("Say what should be changed.")},
        )
    proposal.status = Proposal.Status.SENT_BACK
    proposal.decided_by, proposal.decided_at = leader, timezone.now()
    proposal.decision_note = note.strip()
    proposal.save()
    event = _record(
        dossier,
        DossierEvent.Kind.PROPOSAL_SENT_BACK,
        actor=leader,
        from_state=dossier.state,
        reason=proposal.decision_note,
        data={"proposal": proposal.pk, "proposal_kind": proposal.kind},
    )
    if proposal.proposed_by_id != leader.pk:
        _tell_staff(
            dossier,
            proposal.proposed_by,
            step=_("Sent back by the leader: %(note)s") % {"note": proposal.decision_note[:200]},
            key=f"sent-back:{event.pk}",
        )
    return proposal


def _decide(dossier: Dossier, proposal: Proposal, *, actor: User, note: str) -> None:
    proposal.status = Proposal.Status.APPROVED
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.decision_note = note
    proposal.save()
    if proposal.kind == Proposal.Kind.RESULT:
        _finish_with_result(dossier, proposal)
    else:
        _return_from_processing(dossier, proposal)


def _finish_with_result(dossier: Dossier, proposal: Proposal) -> None:
    """processing → done: the one place a result is issued. Approval is checked once more here."""
    approver = proposal.decided_by
    if (
        proposal.kind != Proposal.Kind.RESULT
        or proposal.status != Proposal.Status.APPROVED
        or approver is None
        or (requires_leader_approval(dossier) and not is_agency_leader(approver, dossier))
    ):
        raise DossierPermissionError(_("This result needs the approval of a leader."))
    dossier.complete(at=proposal.decided_at or timezone.now(), result_text=proposal.text)
    _save(dossier, approver)
    _record(
        dossier,
        DossierEvent.Kind.COMPLETED,
        actor=approver,
        from_state=Dossier.State.PROCESSING,
        reason=proposal.decision_note,
        data={"proposal": proposal.pk, "proposed_by": proposal.proposed_by_id},
    )
    _sign_result_files(dossier, proposal, approver)
    _to_applicant(dossier, "result_ready", "result_ready")
    from documents.services import store_keep_results  # the store builds on dossiers

    store_keep_results(dossier, actor=approver)


def _sign_result_files(dossier: Dossier, proposal: Proposal, approver: User) -> None:
    """The approving agency signs each PDF result in a worker; other files stay as uploaded."""
    from signing import issuing
    from signing.models import SignedDocument

    agency = approver.agency or dossier.agency
    for attachment in dossier.attachments.filter(kind=Attachment.Kind.RESULT, proposal=proposal):
        if not issuing.is_pdf_name(attachment.original_name, attachment.content_type):
            continue
        document, _created = SignedDocument.objects.get_or_create(
            attachment=attachment,
            defaults={
                "kind": SignedDocument.Kind.RESULT,
                "dossier": dossier,
                "dossier_code": dossier.code or "",
                "agency": agency,
            },
        )
        issuing.schedule(document)


def _return_from_processing(dossier: Dossier, proposal: Proposal) -> None:
    """processing → returned: the ONLY path, so refunds of paid fees belong here (rule 11)."""
    approver = proposal.decided_by
    if (
        proposal.kind != Proposal.Kind.REFUSAL
        or proposal.status != Proposal.Status.APPROVED
        or approver is None
        or not is_agency_leader(approver, dossier)
    ):
        raise DossierPermissionError(_("Returning a dossier needs the approval of a leader."))
    dossier.reject(at=proposal.decided_at or timezone.now())
    _save(dossier, approver)
    _record(
        dossier,
        DossierEvent.Kind.REJECTED,
        actor=approver,
        from_state=Dossier.State.PROCESSING,
        reason=proposal.text,
        data={"proposal": proposal.pk, "proposed_by": proposal.proposed_by_id},
    )
    _to_applicant(dossier, "dossier_returned", "returned", reason=proposal.text)
    # Rule 11: the agency could not deliver, so fees already paid go back.
    _refund_payments(dossier, actor=approver, reason=proposal.text)


# --- Delivery of the result ----------------------------------------------------------------


@dataclass(frozen=True)
class PostalDetails:
    tracking_number: str
    carrier: str
    posted_on: date | None


@dataclass(frozen=True)
class Collector:
    name: str
    id_number: str
    id_check_note: str = ""


def _require_desk_of(dossier: Dossier, officer: User) -> None:
    if not (officer.has_role(Role.DESK_OFFICER) and officer.agency_id == dossier.agency_id):
        raise DossierPermissionError(
            _("Only the one-stop desk of the receiving agency can record the hand-over.")
        )


@transaction.atomic
def dossier_deliver(
    *,
    dossier_id: int,
    actor: User,
    method: str,
    postal: PostalDetails | None = None,
    collector: Collector | None = None,
) -> Dossier:
    """The result reaches the applicant: downloaded online, posted, or collected at the desk.

    The only way `delivered_at` is set. Online: the owner's first download. Post and desk: the
    one-stop desk of the agency records it.
    """
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    if method == ReturnMethod.ONLINE:
        if dossier.applicant_id is None or dossier.applicant_id != actor.pk:
            raise DossierPermissionError(_("This dossier is not yours."))
        if dossier.return_method != ReturnMethod.ONLINE:
            raise DossierValidationError(_("The result of this dossier is not delivered online."))
    elif method in (ReturnMethod.POST, ReturnMethod.DESK):
        _require_desk_of(dossier, actor)
    else:
        raise DossierValidationError(_("Unknown way of handing over the result."))
    if dossier.state != Dossier.State.DONE:
        raise DossierStateError(_("The result of this dossier is not ready."))
    if dossier.delivered_at is not None:
        raise DossierStateError(
            _("The result was already handed over on %(time)s.")
            % {"time": _when(dossier.delivered_at)}
        )
    # Fees due at the result are paid (or exempted) before it is handed over.
    _require_fees_paid_before_delivery(dossier)
    now = timezone.now()
    delivery = Delivery(dossier=dossier, method=method, delivered_at=now, recorded_by=actor)
    errors: dict[str, str] = {}
    if method == ReturnMethod.POST:
        if postal is None:
            postal = PostalDetails("", "", None)
        delivery.tracking_number = postal.tracking_number.strip().upper()
        delivery.carrier = postal.carrier.strip()
        delivery.posted_on = postal.posted_on
        if not delivery.tracking_number:
            errors["tracking_number"] = _("Give the postal tracking number.")
        if not delivery.carrier:
            errors["carrier"] = _("Give the postal carrier.")
        if postal.posted_on is None:
            errors["posted_on"] = _("Give the posting date.")
        elif postal.posted_on > timezone.localdate(now) or (
            dossier.finished_at and postal.posted_on < timezone.localdate(dossier.finished_at)
        ):
            errors["posted_on"] = _(
                "The posting date must be between the day the result was ready and today."
            )
    if method == ReturnMethod.DESK:
        if collector is None:
            collector = Collector("", "")
        delivery.collector_name = collector.name.strip()
        delivery.collector_id_number = collector.id_number.strip()
        delivery.id_check_note = collector.id_check_note.strip()
        if not delivery.collector_name:
            errors["collector_name"] = _("Give the name of the person who collected the result.")
        if not delivery.collector_id_number:
            errors["collector_id_number"] = _("Give the number of the identity document checked.")
    if errors:
        raise DossierValidationError(
            _("The hand-over cannot be recorded yet."), field_errors=errors
        )
    delivery.save()
    dossier.delivered_at = now
    _save(dossier, actor)
    data: dict[str, Any] = {"method": method}
    if method == ReturnMethod.POST:
        data |= {
            "tracking_number": delivery.tracking_number,
            "carrier": delivery.carrier,
            "posted_on": delivery.posted_on.isoformat() if delivery.posted_on else "",
        }
    if method == ReturnMethod.DESK:
        data |= {"collector_name": delivery.collector_name}
    _record(dossier, DossierEvent.Kind.DELIVERED, actor=actor, from_state=dossier.state, data=data)
    from documents.services import store_keep_results  # the store builds on dossiers

    store_keep_results(dossier, actor=actor)
    _to_applicant(
        dossier,
        "result_delivered",
        "delivered",
        method=method,
        delivered_at=_when(now),
        tracking_number=delivery.tracking_number,
        carrier=delivery.carrier,
        collector_name=delivery.collector_name,
    )
    return dossier
