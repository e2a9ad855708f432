"""Every write of a dossier: typed, atomic, permission-checked, recorded as an event.

Each transition locks the dossier row (`selectors.dossier_for_update`), so when two officers act
on the same dossier at once the second one waits, then finds the state changed and gets a
`DossierStateError` with a message to show, never a 500.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from audit import services as audit
from eforms import services as eform_services
from portal import workdays
from portal.models import Agency, Department, User
from portal.roles import Role
from portal.services import user_update_profile
from portal.succession import communes_of_province
from procedures import services as procedure_services
from procedures.models import Channel, Procedure, ReturnMethod, ServiceLevel

from . import codes, notices, notifications, selectors
from .errors import (  # noqa: F401 - DossierError is re-exported for views
    DossierError,
    DossierPermissionError,
    DossierStateError,
    DossierValidationError,
    FeesOutstandingError,
)
from .files import check_upload, file_is_held
from .models import Attachment, Dossier, DossierEvent, Notice


@dataclass(frozen=True)
class Applicant:
    name: str
    national_id: str
    phone: str = ""
    email: str = ""
    address: str = ""
    on_behalf_of: str = ""


# --- Helpers -------------------------------------------------------------------------------


def _record(
    dossier: Dossier,
    kind: DossierEvent.Kind,
    *,
    actor: User | None,
    from_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=dossier.state,
        reason=reason,
        data=data or {},
    )
    audit.record(
        kind=f"dossier.{kind}",
        actor=actor,
        dossier_id=dossier.pk,
        target=f"dossier-event:{event.pk}",
        data={
            "code": dossier.code,
            "from": from_state,
            "to": dossier.state,
            "reason": reason,
            **(data or {}),
        },
    )
    return event


def _save(dossier: Dossier, actor: User | None) -> None:
    dossier._history_user = actor  # type: ignore[attr-defined]
    dossier.save()


def delete_file_on_commit(file: FieldFile) -> None:
    """Remove a stored file once the transaction that dropped its row has committed."""
    name, storage = file.name, file.storage
    if name:
        transaction.on_commit(lambda: _delete_unless_held(storage, name))


def _delete_unless_held(storage: Any, name: str) -> None:
    # The same bytes may be named by another record (a document taken from the store).
    if not file_is_held(name):
        storage.delete(name)


def _record_sharing(dossier: Dossier) -> None:
    """Say to whom the dossier's data goes and on what basis (privacy app, Law 91/2025)."""
    from privacy.services import sharing_record_for_submission

    sharing_record_for_submission(dossier)


def _require_owner(dossier: Dossier, user: User) -> None:
    if dossier.applicant_id != user.pk:
        raise DossierPermissionError(_("This dossier is not yours."))


def _require_desk(dossier: Dossier, officer: User) -> None:
    if not (officer.has_role(Role.DESK_OFFICER) and officer.agency_id == dossier.agency_id):
        raise DossierPermissionError(
            _("Only the one-stop desk of the receiving agency can do this.")
        )


def _require_transition(method: Any, message: str) -> None:
    if not can_proceed(method):
        raise DossierStateError(message)


def _documents(dossier: Dossier) -> list[dict[str, Any]]:
    return list(dossier.procedure_version.data.get("documents", []))


# --- Fees (the payments app decides what is owed and paid) ---------------------------------


def _require_fees_paid_before_processing(dossier: Dossier) -> None:
    from payments.selectors import dossier_fees_settled  # payments builds on dossiers
    from procedures.models import FeeDue

    if not dossier_fees_settled(dossier, due=FeeDue.AT_SUBMISSION):
        raise DossierStateError(
            _(
                "The fees of this dossier must be paid before it is processed: record the "
                "payment (or the exemption) first, then accept."
            )
        )


def _require_fees_paid_before_delivery(dossier: Dossier) -> None:
    from payments.selectors import dossier_fees_settled
    from procedures.models import FeeDue

    if not dossier_fees_settled(dossier, due=FeeDue.AT_RESULT):
        raise FeesOutstandingError(
            _(
                "The fees of this dossier must be paid before the result is handed over: record "
                "the payment (or the exemption) first."
            )
        )


def _refund_payments(dossier: Dossier, *, actor: User, reason: str) -> None:
    from payments.services import payment_refund_request_for_dossier

    payment_refund_request_for_dossier(dossier=dossier, actor=actor, reason=reason)


# --- Drafts and files ----------------------------------------------------------------------


@transaction.atomic
def return_methods_offered(data: dict[str, Any]) -> list[str]:
    """Level 4: what the procedure offers; level 3: the result is collected at the desk."""
    if data.get("level", 0) < ServiceLevel.FULLY_ONLINE:
        return [ReturnMethod.DESK]
    methods = [m for m in data.get("return_methods") or [] if m in ReturnMethod.values]
    return methods or [ReturnMethod.DESK]


def preferred_return_method(data: dict[str, Any]) -> str:
    """What a new online dossier proposes: a fully online procedure delivers online."""
    methods = return_methods_offered(data)
    return ReturnMethod.ONLINE if ReturnMethod.ONLINE in methods else methods[0]


def filing_agencies(procedure: Procedure) -> list[Agency]:
    """The agencies a citizen may file the procedure with.

    Decree 118/2025/NĐ-CP: a commune-level procedure on the province's list of procedures
    received regardless of administrative boundary is filed with any commune or ward of the
    province, whatever the citizen's residence; every other procedure with its own agency.
    """
    agency = procedure.agency
    version = procedure.current_version
    if (
        agency.level != Agency.Level.COMMUNE
        or version is None
        or not procedure_services.filed_with_any_commune(version.data)
    ):
        return [agency]
    communes = communes_of_province(agency)
    return communes if agency in communes else [agency, *communes]


def dossier_create_draft(
    *, procedure: Procedure, applicant: User, applicant_details: Applicant | None = None
) -> Dossier:
    """Start an online dossier under the procedure's current version, prefilled from the profile."""
    version = procedure.current_version
    if not procedure.is_published or version is None:
        raise DossierValidationError(_("This procedure is not published."))
    if procedure.level < ServiceLevel.PARTLY_ONLINE:
        raise DossierValidationError(_("This procedure cannot be submitted online."))
    details = applicant_details or Applicant(
        name=applicant.full_name,
        national_id=applicant.national_id,
        phone=applicant.phone,
        email=applicant.email,
        address=applicant.address,
    )
    dossier = Dossier(
        procedure=procedure,
        procedure_version=version,
        agency_id=procedure.agency_id,
        applicant=applicant,
        channel=Channel.ONLINE,
        return_method=preferred_return_method(version.data),
        **_applicant_fields(details),
    )
    _save(dossier, applicant)
    _record(dossier, DossierEvent.Kind.CREATED, actor=applicant)
    return dossier


def _applicant_fields(details: Applicant) -> dict[str, str]:
    return {
        "applicant_name": details.name.strip(),
        "applicant_national_id": details.national_id.strip(),
        "applicant_phone": details.phone.strip(),
        "applicant_email": details.email.strip(),
        "applicant_address": details.address.strip(),
        "on_behalf_of": details.on_behalf_of.strip(),
    }


@transaction.atomic
def dossier_update_draft(
    *,
    dossier_id: int,
    actor: User,
    applicant_details: Applicant,
    return_method: str,
    postal_address: str = "",
    agency_id: int | None = None,
) -> Dossier:
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_owner(dossier, actor)
    if dossier.state != Dossier.State.DRAFT:
        raise DossierStateError(_("This dossier has been submitted and can no longer be edited."))
    if agency_id is not None and agency_id != dossier.agency_id:
        if agency_id not in {agency.pk for agency in filing_agencies(dossier.procedure)}:
            raise DossierValidationError(
                _("Choose a commune or ward of the province."),
                field_errors={"agency": _("Choose a commune or ward of the province.")},
            )
        dossier.agency_id = agency_id
    for name, value in _applicant_fields(applicant_details).items():
        setattr(dossier, name, value)
    dossier.return_method = return_method
    dossier.postal_address = postal_address.strip()
    _save(dossier, actor)
    _remember_address(dossier, actor)
    return dossier


def _remember_address(dossier: Dossier, actor: User) -> None:
    """A citizen's own dossier: the address typed becomes the account's, for the next one."""
    address = dossier.applicant_address
    if dossier.on_behalf_of or not address or address == actor.address:
        return
    if dossier.applicant_national_id != actor.national_id:
        return  # someone else's details typed in, without saying on whose behalf
    try:
        user_update_profile(user=actor, actor=actor, address=address)
    except ValidationError:
        actor.refresh_from_db()  # an account that no longer validates keeps its old address


def _store_file(
    dossier: Dossier,
    *,
    upload: UploadedFile,
    document_id: int | None,
    document_name: str,
    kind: Attachment.Kind,
    actor: User | None,
    replaces: Collection[Attachment] = (),
) -> Attachment:
    content_type = check_upload(upload, dossier=dossier, replaces=replaces)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        dossier=dossier,
        kind=kind,
        document_id=document_id,
        document_name=document_name,
        original_name=(upload.name or "file")[-255:],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[content_type]
    attachment.file.save(f"{digest.hexdigest()[:16]}.{extension}", upload, save=False)
    attachment.save()
    return attachment


def _store_documents(
    dossier: Dossier,
    files: dict[int, UploadedFile],
    *,
    kind: Attachment.Kind,
    actor: User | None,
) -> list[Attachment]:
    """Store one file per document of the procedure version (unknown documents are refused)."""
    return [
        _store_file(
            dossier,
            upload=upload,
            document_id=document_id,
            document_name=_document(dossier, document_id)["name"],
            kind=kind,
            actor=actor,
        )
        for document_id, upload in files.items()
    ]


def _give_code(dossier: Dossier, *, at: datetime) -> None:
    """Draft → received: the code of the receiving agency for the day of reception."""
    dossier.submit(
        code=codes.dossier_code(agency=dossier.agency, day=timezone.localdate(at)), at=at
    )


def _document(dossier: Dossier, document_id: int) -> dict[str, Any]:
    for document in _documents(dossier):
        if document.get("id") == document_id:
            return document
    raise DossierValidationError(_("This document is not part of the procedure."))


@transaction.atomic
def attachment_add(
    *, dossier_id: int, actor: User, document_id: int, upload: UploadedFile
) -> Attachment:
    """Attach the file of one document to a draft; a new file replaces the previous one."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_owner(dossier, actor)
    if dossier.state != Dossier.State.DRAFT:
        raise DossierStateError(_("This dossier has been submitted and can no longer be edited."))
    previous = list(
        dossier.attachments.filter(kind=Attachment.Kind.DOCUMENT, document_id=document_id)
    )
    document = _document(dossier, document_id)
    attachment = _store_file(
        dossier,
        upload=upload,
        document_id=document_id,
        document_name=document["name"],
        kind=Attachment.Kind.DOCUMENT,
        actor=actor,
        replaces=previous,
    )
    if document.get("must_be_signed"):
        _check_applicant_signature(attachment, upload)
    for old in previous:
        old.delete()
        delete_file_on_commit(old.file)
    return attachment


def _check_applicant_signature(attachment: Attachment, upload: UploadedFile) -> None:
    """Record whether the applicant's signature validates (shown, never a silent refusal)."""
    from signing.citizen import check_applicant_signature

    upload.seek(0)
    outcome, note = check_applicant_signature(upload.read())
    attachment.signature_outcome, attachment.signature_note = outcome, note[:500]
    attachment.save(update_fields=["signature_outcome", "signature_note"])


@transaction.atomic
def attachment_remove(*, dossier_id: int, actor: User, attachment_id: int) -> Attachment:
    """Take a file off a draft, e.g. an optional document attached by mistake."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_owner(dossier, actor)
    if dossier.state != Dossier.State.DRAFT:
        raise DossierStateError(_("This dossier has been submitted and can no longer be edited."))
    attachment = dossier.attachments.filter(pk=attachment_id, kind=Attachment.Kind.DOCUMENT).first()
    if attachment is None:
        raise DossierValidationError(_("This file is no longer attached to the dossier."))
    attachment.delete()
    delete_file_on_commit(attachment.file)
    return attachment


def missing_documents(dossier: Dossier) -> list[dict[str, Any]]:
    """Required documents (to be uploaded, not just shown at the desk) without a file."""
    present = set(
        dossier.attachments.filter(kind=Attachment.Kind.DOCUMENT).values_list(
            "document_id", flat=True
        )
    )
    return [
        document
        for document in _documents(dossier)
        if document.get("is_required", True)
        and document.get("form") != "present"
        and not document.get("eform")  # filled online: checked by the e-forms app
        and document.get("id") not in present
    ]


# --- Transitions ---------------------------------------------------------------------------


@transaction.atomic
def dossier_submit(*, dossier_id: int, actor: User, declaration: bool) -> Dossier:
    """The citizen sends the draft: it gets its code and waits for the desk check."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_owner(dossier, actor)
    _require_transition(dossier.submit, _("This dossier has already been submitted."))
    field_errors: dict[str, str] = {}
    if not declaration:
        field_errors["declaration"] = _(
            "Confirm that the information and documents are true and complete."
        )
    if dossier.return_method not in return_methods_offered(dossier.procedure_version.data):
        field_errors["return_method"] = _("This way of receiving the result is not available.")
    if dossier.return_method == ReturnMethod.POST and not dossier.postal_address:
        field_errors["postal_address"] = _("Give the address where the result should be posted.")
    missing = missing_documents(dossier)
    if missing:
        field_errors["documents"] = _("Attach a file for every required document: %(names)s") % {
            "names": "; ".join(document["name"][:80] for document in missing)
        }
    if not dossier.applicant_name or not dossier.applicant_national_id:
        field_errors["applicant"] = _("Give the applicant's name and national ID number.")
    field_errors |= eform_services.submission_errors(dossier)
    if field_errors:
        raise DossierValidationError(
            _("The dossier cannot be submitted yet."), field_errors=field_errors
        )
    for document, upload in eform_services.application_files(dossier):
        _store_file(
            dossier,
            upload=upload,
            document_id=document["id"],
            document_name=document["name"],
            kind=Attachment.Kind.DOCUMENT,
            actor=actor,
        )
    now = timezone.now()
    _give_code(dossier, at=now)
    _save(dossier, actor)
    _record(dossier, DossierEvent.Kind.SUBMITTED, actor=actor, from_state=Dossier.State.DRAFT)
    _record_sharing(dossier)
    notifications.dossier_received(dossier)
    return dossier


@transaction.atomic
def dossier_register_walk_in(
    *,
    officer: User,
    procedure: Procedure,
    applicant: Applicant,
    files: dict[int, UploadedFile],
    originals_checked: bool,
    return_method: str = ReturnMethod.DESK,
    postal_address: str = "",
    account: User | None = None,
) -> Dossier:
    """A dossier brought to the desk by a person (with or without an account).

    ``account``: the citizen's portal account when the desk knows it (an appointment booked
    online): the dossier then appears among their dossiers, as one filed online does.
    """
    if not officer.has_role(Role.DESK_OFFICER) or officer.agency_id != procedure.agency_id:
        raise DossierPermissionError(
            _("Only the one-stop desk of the agency that settles this procedure can register it.")
        )
    if not procedure.is_published or procedure.current_version_id is None:
        raise DossierValidationError(_("This procedure is not published."))
    if not applicant.name.strip() or not applicant.national_id.strip():
        raise DossierValidationError(
            _("Give the applicant's name and national ID number."),
            field_errors={"applicant": _("Give the applicant's name and national ID number.")},
        )
    now = timezone.now()
    dossier = Dossier(
        procedure=procedure,
        procedure_version_id=procedure.current_version_id,
        agency_id=procedure.agency_id,
        channel=Channel.DESK,
        return_method=return_method,
        postal_address=postal_address,
        originals_checked=originals_checked,
        applicant=account,
        **_applicant_fields(applicant),
    )
    _save(dossier, officer)
    _store_documents(dossier, files, kind=Attachment.Kind.DOCUMENT, actor=officer)
    _give_code(dossier, at=now)
    _save(dossier, officer)
    _record(dossier, DossierEvent.Kind.REGISTERED, actor=officer, from_state=Dossier.State.DRAFT)
    _record_sharing(dossier)
    notifications.dossier_received(dossier)
    return dossier


@transaction.atomic
def dossier_request_supplement(
    *, dossier_id: int, officer: User, document_ids: list[int], note: str
) -> Dossier:
    """The desk finds the dossier incomplete: the citizen is asked for the listed documents."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_desk(dossier, officer)
    if dossier.state != Dossier.State.RECEIVED:
        raise DossierStateError(
            _("Only a dossier awaiting reception can be sent back for a supplement here.")
        )
    if not document_ids and not note.strip():
        raise DossierValidationError(
            _("Say which documents are missing or wrong, or explain in the note."),
            field_errors={"note": _("Say which documents are missing or wrong.")},
        )
    names = [_document(dossier, document_id)["name"] for document_id in document_ids]
    from_state = dossier.state
    dossier.request_supplement()
    _save(dossier, officer)
    _record(
        dossier,
        DossierEvent.Kind.SUPPLEMENT_REQUESTED,
        actor=officer,
        from_state=from_state,
        reason=note.strip(),
        data={"documents": document_ids, "document_names": names},
    )
    notifications.supplement_requested(dossier, note=note.strip(), documents=names)
    notices.schedule(dossier, Notice.Kind.SUPPLEMENT_REQUEST)
    return dossier


@transaction.atomic
def dossier_supplement(
    *,
    dossier_id: int,
    actor: User,
    files: dict[int, UploadedFile],
    note: str = "",
    from_store: dict[int, int] | None = None,
) -> Dossier:
    """The citizen sends what was asked for; the dossier goes back to whoever asked.

    `from_store` takes documents from the citizen's store instead (document id → stored
    document id), as a draft can.
    """
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_owner(dossier, actor)
    _require_transition(dossier.supplement, _("No supplement is requested for this dossier."))
    from_store = {k: v for k, v in (from_store or {}).items() if k not in files}
    if not files and not from_store:
        raise DossierValidationError(
            _("Attach at least one file."), field_errors={"files": _("Attach at least one file.")}
        )
    _store_documents(dossier, files, kind=Attachment.Kind.SUPPLEMENT, actor=actor)
    if from_store:
        from documents.services import store_take_into_supplement  # the store builds on dossiers

        store_take_into_supplement(dossier, actor=actor, taken=from_store)
    from_state = dossier.state
    dossier.supplement()
    _save(dossier, actor)
    _record(
        dossier,
        DossierEvent.Kind.SUPPLEMENTED,
        actor=actor,
        from_state=from_state,
        reason=note.strip(),
        data={"documents": sorted({*files, *from_store})},
    )
    from .clock import clock_resume  # the clock builds on these services

    clock_resume(dossier, at=timezone.now(), actor=actor)
    return dossier


@transaction.atomic
def dossier_accept(*, dossier_id: int, officer: User) -> Dossier:
    """The desk accepts a complete dossier: the processing clock starts, the due time is set."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_desk(dossier, officer)
    _require_transition(dossier.accept, _("This dossier is no longer awaiting reception."))
    _require_fees_paid_before_processing(dossier)
    now = timezone.now()
    due = procedure_services.due_at(
        dossier.procedure_version.data, received_at=now, online=dossier.is_online
    )
    forward_due = workdays.add_working_hours(now, workdays.working_hours_per_day() / 2)
    dossier.accept(at=now, due=due, forward_due=forward_due)
    _save(dossier, officer)
    from .register import register_entry_create  # the register reads these models

    register_entry_create(dossier=dossier, at=now)
    _record(
        dossier,
        DossierEvent.Kind.ACCEPTED,
        actor=officer,
        from_state=Dossier.State.RECEIVED,
        data={"due_at": due.isoformat()},
    )
    notifications.dossier_accepted(dossier)
    notices.schedule(dossier, Notice.Kind.RECEIPT)
    from documents.services import store_keep_accepted  # the store builds on dossiers

    store_keep_accepted(dossier, actor=officer)
    return dossier


@transaction.atomic
def dossier_refuse(*, dossier_id: int, officer: User, reason: str) -> Dossier:
    """The desk refuses to receive the dossier, with the reasons the citizen will read."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_desk(dossier, officer)
    _require_transition(dossier.refuse, _("This dossier can no longer be refused at the desk."))
    if not reason.strip():
        raise DossierValidationError(
            _("Give the reasons for the refusal."),
            field_errors={"reason": _("Give the reasons for the refusal.")},
        )
    from_state = dossier.state
    dossier.refuse(at=timezone.now())
    _save(dossier, officer)
    _record(dossier, DossierEvent.Kind.REFUSED, actor=officer, from_state=from_state, reason=reason)
    _refund_payments(dossier, actor=officer, reason=reason.strip())
    notifications.dossier_returned(dossier, reason=reason.strip())
    notices.schedule(dossier, Notice.Kind.REFUSAL)
    return dossier


@transaction.atomic
def dossier_forward(*, dossier_id: int, officer: User, department: Department) -> Dossier:
    """The desk hands an accepted dossier to the competent department (within ½ working day)."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_desk(dossier, officer)
    if dossier.state != Dossier.State.PROCESSING or dossier.forwarded_at is not None:
        raise DossierStateError(
            _("Only an accepted dossier that is still at the desk can be forwarded.")
        )
    if department.agency_id != dossier.agency_id or department.is_one_stop_desk:
        raise DossierValidationError(
            _("Choose a specialist department of the receiving agency."),
            field_errors={
                "department": _("Choose a specialist department of the receiving agency.")
            },
        )
    now = timezone.now()
    dossier.department, dossier.forwarded_at = department, now
    _save(dossier, officer)
    late = bool(dossier.forward_due_at and now > dossier.forward_due_at)
    _record(
        dossier,
        DossierEvent.Kind.FORWARDED,
        actor=officer,
        from_state=dossier.state,
        data={"department": department.pk, "late": late},
    )
    notifications.dossier_forwarded(dossier)
    return dossier


@transaction.atomic
def dossier_withdraw(*, dossier_id: int, actor: User, reason: str) -> Dossier:
    """The citizen withdraws a dossier that is not yet being processed."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_owner(dossier, actor)
    _require_transition(
        dossier.withdraw, _("A dossier can only be withdrawn before it is being processed.")
    )
    from_state = dossier.state
    dossier.withdraw(at=timezone.now())
    _save(dossier, actor)
    _record(dossier, DossierEvent.Kind.WITHDRAWN, actor=actor, from_state=from_state, reason=reason)
    notifications.dossier_withdrawn(dossier)
    return dossier


def forward_breached(dossier: Dossier, *, now: datetime | None = None) -> bool:
    """Accepted but not forwarded within half a working day (rule 6)."""
    if dossier.forward_due_at is None:
        return False
    moment = dossier.forwarded_at or now or timezone.now()
    return moment > dossier.forward_due_at


@transaction.atomic
def dossier_discard_draft(*, dossier_id: int, actor: User) -> None:
    """The citizen throws away a draft that was never sent; its files go with it."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_owner(dossier, actor)
    if dossier.state != Dossier.State.DRAFT:
        raise DossierStateError(_("A submitted dossier cannot be discarded; withdraw it instead."))
    files = [attachment.file for attachment in dossier.attachments.all()]
    dossier._history_user = actor  # type: ignore[attr-defined]
    dossier.delete()
    for file in files:
        delete_file_on_commit(file)


@transaction.atomic
def dossier_mark_originals_checked(*, dossier_id: int, officer: User) -> Dossier:
    """Level 3: the desk compared the originals and the applicant signed the forms in person.

    Recorded on the dossier (its history keeps who and when); doing it twice changes nothing.
    """
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    _require_desk(dossier, officer)
    if dossier.state not in Dossier.OPEN_STATES:
        raise DossierStateError(_("This dossier is no longer open at the desk."))
    if not dossier.originals_checked:
        dossier.originals_checked = True
        _save(dossier, officer)
    return dossier
