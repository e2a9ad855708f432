"""Celery tasks of the signing app: thin wrappers that take IDs and call one service."""

from __future__ import annotations

from celery import shared_task

from . import issuing
from .models import SignedDocument


@shared_task(bind=True, max_retries=6, acks_late=True)
def issue_document(self, document_id: int) -> str:  # type: ignore[no-untyped-def]
    """Render and sign a stored document; an issued one is left alone, so redelivery is harmless."""
    document = issuing.issue(document_id)
    if document is None:
        return "missing"
    if document.status == SignedDocument.Status.FAILED and not self.request.is_eager:
        # 1, 2, 4 … 32 minutes: a key being installed or renewed gets fixed by someone.
        raise self.retry(countdown=60 * 2**self.request.retries)
    return str(document.status)


@shared_task
def issue_pending_documents() -> int:
    """Sweep documents whose task was lost (broker down at commit time) or that failed."""
    return issuing.issue_pending()
