"""Celery tasks of the outbox: they take IDs, call one service and are safe to run twice."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def send_notification(notification_id: int) -> str | None:
    return services.notification_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def sweep_notifications() -> int:
    """Beat, every minute: queue what is still pending and due (retries, broker outages)."""
    return services.notification_sweep()
