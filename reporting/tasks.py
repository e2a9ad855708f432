from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import periods, services
from .figures import Scope


@shared_task(acks_late=True)
def generate_report(report_id: int) -> None:
    report = services.report_generate(report_id=report_id)
    if report is not None and report.automatic:
        services.report_email(report_id=report.pk)


@shared_task
def reports_at_period_end() -> int:
    """Prepare the province report of every period that ended yesterday (once each)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    ending = periods.periods_ending_on(yesterday)
    for period in ending:
        services.report_request(period=period, scope=Scope(), actor=None, automatic=True)
    return len(ending)
