"""Celery tasks of reporting: thin, idempotent wrappers around one service each."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import periods, rollup, services, sync
from .figures import Scope


@shared_task(acks_late=True)
def generate_report(report_id: int) -> None:
    report = services.report_generate(report_id=report_id)
    if report is not None and report.automatic:
        # What cannot go now (PDF not signed yet, mail server down) `resend_pending_reports`
        # sends later.
        services.report_email_pending()


@shared_task
def resend_pending_reports() -> int:
    """Beat, every few minutes: send again the reports whose task was lost (broker outage),
    and e-mail the automatic reports that could not be e-mailed when they were frozen."""
    services.report_email_pending()
    return services.report_resend_pending(older_than_seconds=settings.REPORT_RESEND_AFTER_SECONDS)


@shared_task(ignore_result=True)
def refresh_report_rollup() -> dict[str, object]:
    """Beat, daily after midnight: count yesterday's settled dossiers into the rollup."""
    return rollup.rollup_refresh().as_dict()


@shared_task
def reports_at_period_end() -> int:
    """Prepare the province report of every period that ended yesterday (once each)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    ending = periods.periods_ending_on(yesterday)
    for period in ending:
        services.report_request(period=period, scope=Scope(), actor=None, automatic=True)
    return len(ending)


@shared_task(bind=True, max_retries=6, ignore_result=True)
def national_sync(self) -> dict[str, int] | None:  # type: ignore[no-untyped-def]
    """Beat, daily: send what changed to the national portal; retried with backoff on failure."""
    try:
        run = sync.national_sync_run()
    except sync.SyncError as error:
        if self.request.is_eager:
            raise
        # 5, 10, 20 … 160 minutes; the next daily run would pick the changes up anyway.
        raise self.retry(countdown=300 * 2**self.request.retries, exc=error) from error
    if run is None:
        return None
    return {"sent": run.sent, "acknowledged": run.acknowledged, "unchanged": run.unchanged}


@shared_task(ignore_result=True)
def national_sync_reconcile() -> dict[str, int | None] | None:
    """Beat, daily: our acknowledged count against the national portal's."""
    check = sync.national_sync_reconcile()
    if check is None:
        return None
    return {"local": check.local_count, "remote": check.remote_count}
