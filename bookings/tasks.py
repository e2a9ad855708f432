from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="bookings.tasks.send_booking_reminders")
def send_booking_reminders() -> int:
    """Reminders of tomorrow's appointments; safe to run every hour (one message per booking)."""
    return services.booking_send_reminders()
