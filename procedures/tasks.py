"""Celery tasks of the catalogue: thin, idempotent wrappers around one service each."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(acks_late=True, ignore_result=True)
def import_catalogue(import_id: int) -> None:
    services.catalogue_import_run(import_id=import_id)


@shared_task
def resend_pending_catalogue_imports() -> int:
    """Beat, every few minutes: send again the imports whose task was lost (broker outage)."""
    return services.catalogue_import_resend_pending(
        older_than_seconds=settings.CATALOGUE_IMPORT_RESEND_AFTER_SECONDS
    )
