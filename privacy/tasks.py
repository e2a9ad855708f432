from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="privacy.tasks.remind_overdue_data_requests")
def remind_overdue_data_requests() -> int:
    """IT staff reminded of personal-data requests past their answer time (once each)."""
    return services.data_requests_remind_overdue()
