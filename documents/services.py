"""Every write of the document store: typed, atomic, recorded in the audit chain.

Dossier files are never copied into the store, nor store files into a dossier: each side gets
its own row naming the same immutable bytes, and the bytes go only when no row names them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from dossiers import selectors as dossier_selectors
from dossiers.errors import DossierStateError, DossierValidationError
from dossiers.files import check_file
from dossiers.models import Attachment, Dossier, Proposal
from dossiers.services import delete_file_on_commit
from portal.models import User
from procedures.models import FeeDue, RequiredDocument, ReturnMethod

from .errors import StoreError
from .models import StoredDocument, StoreUse

# Uploads a citizen may keep ahead of time (documents kept from dossiers do not count).
MAX_UPLOADS = 100
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


@dataclass(frozen=True)
class DocumentDetails:
    kind: str
    issuer: str = ""
    issued_on: date | None = None
    valid_until: date | None = None


def _audit(kind: str, *, actor: User, item: StoredDocument, **data: Any) -> None:
    audit.record(
        kind=f"store.{kind}",
        actor=actor,
        dossier_id=data.pop("dossier_id", None),
        target=f"stored-document:{item.pk}",
        data={"kind": item.kind[:200], "file": item.original_name, **data},
    )


# --- The citizen's own uploads -------------------------------------------------------------


@transaction.atomic
def stored_document_upload(
    *, owner: User, upload: UploadedFile, details: DocumentDetails
) -> StoredDocument:
    """Keep a document in the store ahead of time, for the dossiers to come."""
    errors: dict[str, str] = {}
    if not details.kind.strip():
        errors["kind"] = _("Say what document this is.")
    if details.issued_on and details.issued_on > timezone.localdate():
        errors["issued_on"] = _("The date of issue cannot be in the future.")
    if details.issued_on and details.valid_until and details.valid_until < details.issued_on:
        errors["valid_until"] = _("The document cannot expire before it was issued.")
    try:
        content_type = check_file(upload)
    except DossierValidationError as err:
        errors["file"] = err.message
    if errors:
        raise DossierValidationError(_("The document cannot be kept yet."), field_errors=errors)
    # One upload at a time per person: the count below stays true under concurrent requests.
    User.objects.select_for_update().filter(pk=owner.pk).first()
    uploads = StoredDocument.objects.filter(owner=owner, source=StoredDocument.Source.UPLOAD)
    if uploads.count() >= MAX_UPLOADS:
        raise DossierValidationError(
            _("Your store already holds %(count)s uploaded documents: delete one first.")
            % {"count": MAX_UPLOADS},
            field_errors={"file": _("Delete a document you no longer need first.")},
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    item = StoredDocument(
        owner=owner,
        source=StoredDocument.Source.UPLOAD,
        kind=details.kind.strip()[:500],
        issuer=details.issuer.strip()[:255],
        issued_on=details.issued_on,
        valid_until=details.valid_until,
        original_name=(upload.name or "file")[-255:],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
    )
    item.file.save(f"{digest.hexdigest()[:16]}.{EXTENSIONS[content_type]}", upload, save=False)
    item.save()
    _audit("uploaded", actor=owner, item=item)
    return item


@transaction.atomic
def stored_document_delete(*, owner: User, document_id: int) -> StoredDocument:
    """The citizen deletes an upload; dossiers it went into keep their own reference."""
    item = StoredDocument.objects.select_for_update().filter(owner=owner, pk=document_id).first()
    if item is None:
        raise StoreError(_("This document is no longer in your store."))
    if not item.deletable:
        raise StoreError(
            _(
                "Documents accepted with a dossier and results issued by an agency stay in "
                "your store; only the documents you uploaded yourself can be deleted."
            )
        )
    item.delete()
    delete_file_on_commit(item.file)
    _audit("deleted", actor=owner, item=item)
    return item


# --- Into a new dossier --------------------------------------------------------------------


def _uploadable_document(dossier: Dossier, document_id: int) -> dict[str, Any]:
    for document in dossier.procedure_version.data.get("documents", []):
        if document.get("id") == document_id and document.get("form") != (
            RequiredDocument.Form.PRESENT
        ):
            return dict(document)
    raise DossierValidationError(_("This document is not part of the procedure."))


def _usable_item(actor: User, stored_document_id: int) -> StoredDocument:
    item = (
        StoredDocument.objects.select_for_update(of=("self",))
        .filter(owner=actor, pk=stored_document_id)
        .select_related("dossier")
        .first()
    )
    if item is None:
        raise DossierValidationError(_("This document is no longer in your store."))
    if item.is_expired():
        raise DossierValidationError(
            _("“%(kind)s” expired on %(day)s: upload a valid one.")
            % {"kind": item.kind, "day": item.valid_until.strftime("%d/%m/%Y")}  # type: ignore[union-attr]
        )
    return item


def _attach_from_store(
    dossier: Dossier,
    *,
    document: dict[str, Any],
    item: StoredDocument,
    actor: User,
    kind: Attachment.Kind,
    replacing: list[int],
) -> Attachment:
    """An attachment of the dossier naming the stored bytes (nothing copied), with its origin."""
    used = dossier.attachments.exclude(pk__in=replacing).aggregate(total=Sum("size"))["total"] or 0
    if used + item.size > settings.DOSSIER_MAX_TOTAL_MB * 1024 * 1024:
        raise DossierValidationError(
            _("All the files of a dossier together may not exceed %(limit)s MB.")
            % {"limit": settings.DOSSIER_MAX_TOTAL_MB}
        )
    attachment = Attachment(
        dossier=dossier,
        kind=kind,
        document_id=document["id"],
        document_name=document["name"],
        original_name=item.original_name,
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        uploaded_by=actor,
    )
    attachment.file.name = item.file.name
    attachment.save()
    StoreUse.objects.create(
        attachment=attachment,
        stored_document=item,
        file_name=item.file.name or "",
        source=item.source,
        kind=item.kind,
        issuer=item.issuer,
        issued_on=item.issued_on,
        valid_until=item.valid_until,
        source_dossier=item.dossier,
        source_dossier_code=(item.dossier.code or "") if item.dossier else "",
    )
    return attachment


def store_take_into_supplement(
    dossier: Dossier, *, actor: User, taken: dict[int, int]
) -> list[Attachment]:
    """Documents of the store sent as a supplement (document id → stored document id).

    Called by `dossier_supplement` with the dossier locked and its state checked; each becomes
    a supplement attachment naming the same bytes, and the desk sees where it came from.
    """
    attachments = []
    for document_id, stored_document_id in taken.items():
        document = _uploadable_document(dossier, document_id)
        item = _usable_item(actor, stored_document_id)
        attachment = _attach_from_store(
            dossier,
            document=document,
            item=item,
            actor=actor,
            kind=Attachment.Kind.SUPPLEMENT,
            replacing=[],
        )
        _audit(
            "taken",
            actor=actor,
            item=item,
            dossier_id=dossier.pk,
            document=document_id,
            attachment=attachment.pk,
        )
        attachments.append(attachment)
    return attachments


@transaction.atomic
def store_take_into_draft(
    *, dossier_id: int, actor: User, document_id: int, stored_document_id: int
) -> Attachment:
    """One click: a stored document answers a required document of the citizen's draft.

    The dossier gets its own attachment row naming the same bytes (nothing is copied); a
    file already attached for that document is replaced, as with a new upload.
    """
    dossier = dossier_selectors.dossier_for_update(dossier_id=dossier_id)
    if dossier.applicant_id != actor.pk:
        raise DossierValidationError(_("This dossier is not yours."))
    if dossier.state != Dossier.State.DRAFT:
        raise DossierStateError(_("This dossier has been submitted and can no longer be edited."))
    document = _uploadable_document(dossier, document_id)
    item = _usable_item(actor, stored_document_id)
    previous = list(
        dossier.attachments.filter(kind=Attachment.Kind.DOCUMENT, document_id=document_id)
    )
    attachment = _attach_from_store(
        dossier,
        document=document,
        item=item,
        actor=actor,
        kind=Attachment.Kind.DOCUMENT,
        replacing=[old.pk for old in previous],
    )
    for old in previous:
        old.delete()
        delete_file_on_commit(old.file)
    _audit(
        "taken",
        actor=actor,
        item=item,
        dossier_id=dossier.pk,
        document=document_id,
        attachment=attachment.pk,
    )
    return attachment


# --- Kept from dossiers: accepted attachments and issued results ---------------------------


def _keep(
    dossier: Dossier,
    attachment: Attachment,
    *,
    source: str,
    details: DocumentDetails,
    actor: User | None,
) -> StoredDocument | None:
    owner = dossier.applicant
    if owner is None:
        return None  # a walk-in without an account has no store
    if StoredDocument.objects.filter(owner=owner, attachment=attachment).exists():
        return None
    item = StoredDocument.objects.create(
        owner=owner,
        source=source,
        kind=details.kind[:500],
        issuer=details.issuer[:255],
        issuer_agency=dossier.agency,
        issued_on=details.issued_on,
        valid_until=details.valid_until,
        file=attachment.file.name,
        original_name=attachment.original_name,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
        dossier=dossier,
        attachment=attachment,
    )
    audit.record(
        kind=f"store.kept_{source}",
        actor=actor,
        dossier_id=dossier.pk,
        target=f"stored-document:{item.pk}",
        data={"owner": owner.pk, "attachment": attachment.pk},
    )
    return item


def store_keep_accepted(dossier: Dossier, *, actor: User | None) -> list[StoredDocument]:
    """The desk accepted the dossier: each document file sent with it is kept for good.

    A file the citizen took from their own uploads turns that upload into the accepted
    document (one entry, no longer deletable, with what they said about it); a file taken from
    an entry already kept for good is not kept twice.
    """
    kept = []
    files = dossier.attachments.filter(
        kind__in=[Attachment.Kind.DOCUMENT, Attachment.Kind.SUPPLEMENT]
    ).select_related("store_use__stored_document")
    accepted_on = timezone.localdate(dossier.accepted_at or timezone.now())
    for attachment in files:
        use = getattr(attachment, "store_use", None)
        entry = use.stored_document if use is not None else None
        if entry is not None and entry.source != StoredDocument.Source.UPLOAD:
            continue
        if entry is not None and dossier.applicant_id == entry.owner_id:
            _promote(entry, dossier, attachment, actor=actor)
            kept.append(entry)
            continue
        details = DocumentDetails(
            kind=attachment.document_name,
            issuer=use.issuer if use else "",
            issued_on=use.issued_on if use else accepted_on,
            valid_until=use.valid_until if use else None,
        )
        item = _keep(
            dossier, attachment, source=StoredDocument.Source.ACCEPTED, details=details, actor=actor
        )
        if item is not None:
            kept.append(item)
    return kept


def _promote(
    entry: StoredDocument, dossier: Dossier, attachment: Attachment, *, actor: User | None
) -> None:
    locked = StoredDocument.objects.select_for_update().get(pk=entry.pk)
    if locked.source != StoredDocument.Source.UPLOAD:
        return
    entry.source = StoredDocument.Source.ACCEPTED
    entry.dossier, entry.attachment, entry.issuer_agency = dossier, attachment, dossier.agency
    entry.save(update_fields=["source", "dossier", "attachment", "issuer_agency"])
    audit.record(
        kind="store.kept_accepted",
        actor=actor,
        dossier_id=dossier.pk,
        target=f"stored-document:{entry.pk}",
        data={"owner": entry.owner_id, "attachment": attachment.pk, "was": "upload"},
    )


def store_keep_results(dossier: Dossier, *, actor: User | None) -> list[StoredDocument]:
    """The result files issued to the citizen go to the store once they may have them.

    Online delivery: as soon as the result is ready, unless a fee is still due at the result.
    Other ways: when the result is handed over (posted or collected at the desk).
    """
    from payments.selectors import dossier_fees_settled  # payments builds on dossiers

    if dossier.state != Dossier.State.DONE or dossier.applicant_id is None:
        return []
    if dossier.delivered_at is None and (
        dossier.return_method != ReturnMethod.ONLINE
        or not dossier_fees_settled(dossier, due=FeeDue.AT_RESULT)
    ):
        return []
    data = dossier.procedure_version.data
    details = DocumentDetails(
        kind=(data.get("result") or "").strip()
        or _("Result: %(procedure)s") % {"procedure": data.get("name") or dossier.procedure.name},
        issuer=dossier.agency.name,
        issued_on=timezone.localdate(dossier.finished_at or timezone.now()),
    )
    kept = []
    results = dossier.attachments.filter(
        kind=Attachment.Kind.RESULT, proposal__status=Proposal.Status.APPROVED
    )
    for attachment in results:
        item = _keep(
            dossier, attachment, source=StoredDocument.Source.RESULT, details=details, actor=actor
        )
        if item is not None:
            kept.append(item)
    return kept
