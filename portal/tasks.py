from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task
def clear_expired_sessions() -> int:
    """Delete expired sessions; safe to run twice."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


# The worker discovers tasks in `portal.tasks` only: register the outbox's tasks here.
from .notifications.tasks import send_notification, sweep_notifications  # noqa: E402, F401
