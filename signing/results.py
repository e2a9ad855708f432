"""Result files uploaded by specialists: the signed copy the citizen gets, or why there is none."""

from __future__ import annotations

from typing import Any

from dossiers.models import Attachment

from . import issuing
from .models import SignedDocument

NOT_READY = object()  # a PDF result whose signature is not made yet (or failed)


def _document(attachment: Attachment) -> SignedDocument | None:
    return SignedDocument.objects.filter(attachment=attachment).first()


def signed_result(attachment: Attachment) -> Any:
    """The signed file of a PDF result; None for a file left as uploaded (not a PDF);
    NOT_READY while it cannot be handed over (being signed, or signing failed)."""
    document = _document(attachment)
    if document is None:
        if issuing.is_pdf_name(attachment.original_name, attachment.content_type):
            return NOT_READY  # approved before the worker recorded it: never hand it unsigned
        return None
    if document.status != SignedDocument.Status.ISSUED or not document.file:
        issued = issuing.issue(document.pk)  # the worker is late: a fraction of a second here
        if issued is None or issued.status != SignedDocument.Status.ISSUED:
            return NOT_READY
        document = issued
    return document.file


def signature_state(attachment: Attachment) -> str:
    """signed, pending, failed or unsigned (not a PDF: handed over as it was uploaded)."""
    document = _document(attachment)
    if document is None:
        return "unsigned"
    return {
        SignedDocument.Status.ISSUED: "signed",
        SignedDocument.Status.FAILED: "failed",
    }.get(SignedDocument.Status(document.status), "pending")
