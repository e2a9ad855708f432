"""The notification outbox: write in the caller's transaction, send after commit, retry, sweep.

Why the sender holds the row lock while it talks to the provider
-----------------------------------------------------------------
``notification_send`` locks the row (``SELECT … FOR UPDATE SKIP LOCKED``), checks that it is
still pending and due, calls the provider and records the outcome, all in one transaction.
A second worker (a redelivered task, a sweep racing the after-commit task) skips the locked
row, or finds it already sent once the lock is released: one delivery. The alternative, mark
"sending" and commit before calling the provider, frees the connection sooner but leaves rows
stuck in "sending" when a worker dies mid-call, and recovering them needs a timeout that can
double-send a slow delivery. Here a worker that dies mid-call simply rolls back: the row is
pending again and the sweeper retries it. The cost is one open transaction per message in
flight, bounded by the provider timeout (``SMS_GATEWAY_TIMEOUT``, 10 s).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from portal.models import Notification, User

from . import backends, rendering

logger = logging.getLogger(__name__)

BROKER_ERRORS = (KombuOperationalError, RedisConnectionError, OSError)
BASE_BACKOFF_SECONDS = 60


def notify(
    *,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    user: User | None = None,
    email: str = "",
    phone: str = "",
    channels: tuple[str, ...] = ("email", "sms"),
) -> list[Notification]:
    """Put one message per channel with an address in the outbox, in the caller's transaction.

    The addresses default to the user's. A second call with the same ``dedupe_key`` writes
    nothing and returns the existing rows. Sending starts after the caller commits; if the
    broker is unreachable then, the sweeper sends later: the caller never fails for it.
    """
    rows = _rows(
        template=template,
        context=context,
        dedupe_key=dedupe_key,
        user=user,
        email=email,
        phone=phone,
        channels=channels,
    )
    if not rows:
        return []
    # ON CONFLICT DO NOTHING: a duplicate neither raises nor spoils the caller's transaction.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    notifications = list(
        Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows]).order_by("pk")
    )
    pending = [n.pk for n in notifications if n.status == Notification.Status.PENDING]
    transaction.on_commit(lambda: enqueue(pending), robust=True)
    return notifications


def _rows(
    *,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    user: User | None = None,
    email: str = "",
    phone: str = "",
    channels: tuple[str, ...] = ("email", "sms"),
) -> list[Notification]:
    """The outbox rows of one message (one per channel with an address), not yet saved."""
    if template in rendering.SMS_ONLY_TEMPLATES:
        if set(channels) != {Notification.Channel.SMS}:
            raise ValueError(f"Template {template!r} is for SMS only.")
    elif template not in rendering.TEMPLATES:
        raise ValueError(f"Unknown notification template {template!r}.")
    unknown = set(channels) - set(Notification.Channel.values)
    if unknown:
        raise ValueError(f"Unknown notification channels: {sorted(unknown)}.")
    json.dumps(context)  # fail in the caller, not in the worker, on a non-JSON value
    addresses = {
        Notification.Channel.EMAIL: (email or (user.email if user else "")).strip(),
        Notification.Channel.SMS: (phone or (user.phone if user else "")).strip(),
    }
    now = timezone.now()
    rows = [
        Notification(
            channel=channel,
            recipient=addresses[channel],
            user=user,
            template=template,
            context=context,
            language=settings.LANGUAGE_CODE,
            dedupe_key=f"{dedupe_key}:{channel}",
            next_attempt_at=now,
            created_at=now,
        )
        for channel in Notification.Channel
        if channel in channels and addresses[channel]
    ]
    return rows


def notify_many(messages: Iterable[dict[str, Any]]) -> int:
    """`notify` for many messages at once (the keyword arguments of each), in one INSERT.

    For periodic jobs that warn many people at a time (the deadline scan): the same rows,
    dedupe keys and after-commit sending as `notify`, without a round trip per message.
    Returns how many rows are pending for these messages.
    """
    rows = [row for message in messages for row in _rows(**message)]
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    keys = [row.dedupe_key for row in rows]
    pending: list[int] = []
    for start in range(0, len(keys), 1000):
        pending += Notification.objects.filter(
            dedupe_key__in=keys[start : start + 1000], status=Notification.Status.PENDING
        ).values_list("pk", flat=True)
    transaction.on_commit(lambda: enqueue(pending), robust=True)
    return len(pending)


def enqueue(notification_ids: Iterable[int]) -> int:
    """Hand notifications to the workers; return how many were queued.

    A broker outage is logged and swallowed: the rows stay pending for the sweeper.
    """
    from .tasks import send_notification

    queued = 0
    for notification_id in notification_ids:
        try:
            send_notification.delay(notification_id)
        except BROKER_ERRORS as error:
            logger.warning(
                "Broker unreachable, notification %s left for the sweeper: %r",
                notification_id,
                error,
            )
            break
        queued += 1
    return queued


def backoff(attempts: int) -> timedelta:
    """1 min after the first failure, then 2, 4, 8 … up to NOTIFICATION_MAX_BACKOFF_SECONDS."""
    seconds = BASE_BACKOFF_SECONDS * 2 ** min(max(attempts - 1, 0), 20)
    return timedelta(seconds=min(seconds, settings.NOTIFICATION_MAX_BACKOFF_SECONDS))


def notification_send(*, notification_id: int) -> str | None:
    """Deliver one notification if it is pending and due; return its status afterwards.

    Returns None when another worker holds the row (it is delivering it right now).
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return None
        now = timezone.now()
        if notification.status != Notification.Status.PENDING or (
            notification.next_attempt_at and notification.next_attempt_at > now
        ):
            return notification.status
        notification.attempts += 1
        notification.first_attempt_at = notification.first_attempt_at or now
        try:
            provider_id = _deliver(notification)
        except Exception as error:
            _record_failure(notification, error, now=now)
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.provider_message_id = provider_id[:255]
            notification.next_attempt_at = None
            notification.last_error = ""
        notification.save(
            update_fields=[
                "status",
                "attempts",
                "first_attempt_at",
                "next_attempt_at",
                "last_error",
                "sent_at",
                "provider_message_id",
            ]
        )
    return notification.status


def _deliver(notification: Notification) -> str:
    try:
        if notification.channel == Notification.Channel.EMAIL:
            subject, text, html = rendering.render_email(
                notification.template, notification.context, notification.language
            )
        else:
            sms = rendering.render_sms(
                notification.template, notification.context, notification.language
            )
    except (TemplateDoesNotExist, TemplateSyntaxError) as error:
        raise backends.PermanentDeliveryError(f"Template: {error!r}") from error
    if notification.channel == Notification.Channel.EMAIL:
        return backends.send_email(
            to=notification.recipient,
            subject=subject,
            text=text,
            html=html,
            reference=notification.dedupe_key,
        )
    return backends.send_sms(to=notification.recipient, text=sms, reference=notification.dedupe_key)


def _record_failure(notification: Notification, error: Exception, *, now: Any) -> None:
    if not isinstance(error, backends.DeliveryError):
        logger.exception("Unexpected error sending notification %s", notification.pk)
    window = timedelta(hours=settings.NOTIFICATION_RETRY_WINDOW_HOURS)
    assert notification.first_attempt_at is not None  # noqa: S101 (set by the caller)
    gave_up = now - notification.first_attempt_at >= window
    notification.last_error = f"{type(error).__name__}: {error}"[:5000]
    if getattr(error, "retryable", True) and not gave_up:
        notification.next_attempt_at = now + backoff(notification.attempts)
        logger.info(
            "Notification %s attempt %s failed, retry at %s: %s",
            notification.pk,
            notification.attempts,
            notification.next_attempt_at,
            error,
        )
    else:
        notification.status = Notification.Status.FAILED
        notification.next_attempt_at = None
        logger.warning("Notification %s failed: %s", notification.pk, error)


def due_notification_ids(*, limit: int | None = None) -> list[int]:
    """Pending notifications whose time has come, oldest first."""
    now = timezone.now()
    return list(
        Notification.objects.filter(status=Notification.Status.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[: limit or settings.NOTIFICATION_SWEEP_BATCH]
    )


def notification_sweep() -> int:
    """Queue the pending notifications that are due; safe to run twice (the row lock decides).

    Also picks up rows whose after-commit task was lost to a broker outage.
    """
    return enqueue(due_notification_ids())


def notification_resend(*, notification_ids: Iterable[int]) -> int:
    """Put failed notifications back in the outbox with a fresh retry window (IT staff)."""
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(pk__in=list(notification_ids), status=Notification.Status.FAILED)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.PENDING,
            next_attempt_at=timezone.now(),
            attempts=0,
            first_attempt_at=None,
        )
        transaction.on_commit(lambda: enqueue(ids), robust=True)
    return len(ids)
