"""Celery tasks of the dossiers app: thin wrappers that take IDs and call one service."""

from __future__ import annotations

from celery import shared_task

from . import notices
from .models import Notice


@shared_task(bind=True, max_retries=6, acks_late=True)
def render_notice(self, notice_id: int) -> str:  # type: ignore[no-untyped-def]
    """Render a notice's PDF; a ready notice is left alone, so redelivery is harmless."""
    notice = notices.render(notice_id)
    if notice is None:
        return "missing"
    if notice.status == Notice.Status.FAILED and not self.request.is_eager:
        # 1, 2, 4 … 32 minutes: a missing font or a full disk gets fixed by someone.
        raise self.retry(countdown=60 * 2**self.request.retries)
    return str(notice.status)


@shared_task
def render_pending_notices() -> int:
    """Sweep notices whose task was lost (broker down at commit time)."""
    return notices.render_pending()


@shared_task(ignore_result=True)
def deadline_scan() -> dict[str, object]:
    """Beat, every few minutes: warn staff of dossiers due soon, overdue or not forwarded."""
    from . import deadlines

    return deadlines.deadline_scan().as_dict()
