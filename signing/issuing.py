"""Signed PDFs the portal stores itself: fee receipts, result files, six-monthly reports.

Like the notices: the step that issues a document records it (pending) in its transaction and a
worker task renders and signs it after commit; `issue()` is safe to run twice. A document that
cannot be signed stays unissued (failed, with the reason for staff); the sweep retries it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.tasks_sending import send_on_commit

from .errors import SigningError
from .models import SignedDocument
from .services import sign_file

logger = logging.getLogger(__name__)

PDF_TYPES = {"application/pdf", "application/x-pdf"}


class NotIssued(Exception):
    """The document is not issued (yet): being signed, or signing failed (``reason``)."""

    def __init__(self, document: SignedDocument) -> None:
        super().__init__(document.error or document.status)
        self.document = document


def schedule(document: SignedDocument) -> SignedDocument:
    """Render and sign ``document`` in a worker once the caller's transaction commits."""
    from .tasks import issue_document

    send_on_commit(issue_document, document.pk)
    return document


def is_pdf_name(name: str, content_type: str) -> bool:
    """A result file the portal signs (uploads are checked for what they claim to be)."""
    return content_type in PDF_TYPES or name.lower().endswith(".pdf")


def _render(document: SignedDocument) -> bytes:
    if document.kind == SignedDocument.Kind.FEE_RECEIPT:
        from payments import receipts

        return receipts.sign_receipt(document)
    if document.kind == SignedDocument.Kind.RESULT:
        attachment = document.attachment
        if attachment is None:
            raise SigningError(_("The result file no longer exists."))
        with attachment.file.open("rb") as handle:
            data = handle.read()
        return sign_file(document, data, reason=str(SignedDocument.Kind.RESULT.label))
    if document.kind == SignedDocument.Kind.REPORT:
        from reporting import exports

        return exports.sign_report(document)
    raise SigningError(f"{document.kind} is not stored by the signing app")


def issue(document_id: int) -> SignedDocument | None:
    """Render, sign and store one document; an issued one is left alone."""
    with transaction.atomic():
        document = (
            SignedDocument.objects.select_for_update(of=("self",))
            .select_related("agency", "attachment", "payment", "report")
            .filter(pk=document_id)
            .first()
        )
        if document is None:
            logger.warning("signed document %s does not exist", document_id)
            return None
        if document.status == SignedDocument.Status.ISSUED and document.file:
            return document
        try:
            signed = _render(document)
        except SigningError as error:
            logger.error("document %s could not be signed: %s", document_id, error)
            message = _("The document could not be signed: %(reason)s") % {"reason": error}
            _failed(document, message)
            return document
        except Exception as error:
            logger.exception("document %s could not be rendered", document_id)
            _failed(document, repr(error))
            return document
        document.file.save(f"{document.kind}-{document.token}.pdf", ContentFile(signed), save=False)
        document.save(update_fields=["file"])
    return document


def _failed(document: SignedDocument, message: str) -> None:
    document.status, document.error = SignedDocument.Status.FAILED, message[:2000]
    document.save(update_fields=["status", "error"])


def issued_bytes(document: SignedDocument) -> bytes:
    """The signed file, signed now if the worker has not done it yet; raises NotIssued."""
    if document.status != SignedDocument.Status.ISSUED or not document.file:
        refreshed = issue(document.pk)
        if refreshed is None:
            raise NotIssued(document)
        document = refreshed
        if document.status != SignedDocument.Status.ISSUED:
            raise NotIssued(document)
    with document.file.open("rb") as handle:
        return handle.read()


def issue_pending(*, older_than_seconds: int = 60, limit: int = 100) -> int:
    """Issue documents still pending or failed (task lost, key installed since)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        SignedDocument.objects.filter(
            status__in=[SignedDocument.Status.PENDING, SignedDocument.Status.FAILED],
            kind__in=[
                SignedDocument.Kind.FEE_RECEIPT,
                SignedDocument.Kind.RESULT,
                SignedDocument.Kind.REPORT,
            ],
            created_at__lt=cutoff,
        ).values_list("pk", flat=True)[:limit]
    )
    for document_id in ids:
        issue(document_id)
    return len(ids)
