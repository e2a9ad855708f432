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
from django.db import connection, transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from portal.models import Notification, User
from portal.tasks_sending import send

from . import backends, rendering

logger = logging.getLogger(__name__)

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


def _check(template: str, channels: tuple[str, ...]) -> None:
    """Refuse an unknown template or channel in the caller, not later in the worker."""
    if template in rendering.SMS_ONLY_TEMPLATES:
        if set(channels) != {Notification.Channel.SMS}:
            raise ValueError(f"Template {template!r} is for SMS only.")
    elif template in rendering.EMAIL_ONLY_TEMPLATES:
        if set(channels) != {Notification.Channel.EMAIL}:
            raise ValueError(f"Template {template!r} is for e-mail only.")
    elif template not in rendering.TEMPLATES:
        raise ValueError(f"Unknown notification template {template!r}.")
    unknown = set(channels) - set(Notification.Channel.values)
    if unknown:
        raise ValueError(f"Unknown notification channels: {sorted(unknown)}.")


def _addresses(
    *, user: User | None, email: str, phone: str, channels: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(channel, address) of each channel asked for that has an address, e-mail first."""
    addresses = {
        Notification.Channel.EMAIL: (email or (user.email if user else "")).strip(),
        Notification.Channel.SMS: (phone or (user.phone if user else "")).strip(),
    }
    return [
        (channel.value, addresses[channel])
        for channel in Notification.Channel
        if channel in channels and addresses[channel]
    ]


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
    _check(template, channels)
    json.dumps(context)  # fail in the caller, not in the worker, on a non-JSON value
    now = timezone.now()
    return [
        Notification(
            channel=channel,
            recipient=recipient,
            user=user,
            template=template,
            context=context,
            language=settings.LANGUAGE_CODE,
            dedupe_key=f"{dedupe_key}:{channel}",
            next_attempt_at=now,
            created_at=now,
        )
        for channel, recipient in _addresses(user=user, email=email, phone=phone, channels=channels)
    ]


# The columns `notify_many` fills row by row; every other column gets the same value in all
# rows (the model's default, or the time of writing).
_MANY_COLUMNS = ("channel", "recipient", "user_id", "template", "context", "dedupe_key")
_MANY_BATCH = 2000


def notify_many(messages: Iterable[dict[str, Any]]) -> int:
    """`notify` for many messages at once (the keyword arguments of each), in a few INSERTs.

    For periodic jobs that warn many people at a time (the deadline scan): the same rows and
    dedupe keys as `notify`, in the caller's transaction, written without a model instance
    or a query parameter per row (see `_insert_new`). A key already in the outbox writes
    nothing; on PostgreSQL only the rows written here are handed to the workers after commit
    (a row that was already there was queued by whoever wrote it, and the sweeper sends
    whatever is still pending). Returns how many rows are queued after commit.
    """
    checked: set[tuple[str, tuple[str, ...]]] = set()
    rows: list[dict[str, Any]] = []
    for message in messages:
        rows += _plain_rows(checked=checked, **message)
    if not rows:
        return 0
    written = _insert_new(rows)
    transaction.on_commit(lambda: enqueue(written), robust=True)
    return len(written)


def _plain_rows(
    *,
    checked: set[tuple[str, tuple[str, ...]]],
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
    user: User | None = None,
    email: str = "",
    phone: str = "",
    channels: tuple[str, ...] = ("email", "sms"),
) -> list[dict[str, Any]]:
    """`_rows` as plain dicts of the `_MANY_COLUMNS` (templates and channels checked once)."""
    if (template, channels) not in checked:
        _check(template, channels)
        checked.add((template, channels))
    user_id = user.pk if user else None
    return [
        {
            "channel": channel,
            "recipient": recipient,
            "user_id": user_id,
            "template": template,
            "context": context,
            "dedupe_key": f"{dedupe_key}:{channel}",
        }
        for channel, recipient in _addresses(user=user, email=email, phone=phone, channels=channels)
    ]


def _insert_new(rows: list[dict[str, Any]]) -> list[int]:
    """Write outbox rows (dicts of the `_MANY_COLUMNS`); return the ids of those written.

    On PostgreSQL, each batch is one ``INSERT … SELECT … FROM jsonb_to_recordset(%s)
    ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`` with the whole batch as one JSON
    parameter: encoding it is one C call, where a placeholder or an array per column costs
    Python work in the driver for every value. A dedupe key already taken, by an earlier
    write or by a concurrent transaction that commits first, is skipped without an error, and
    RETURNING gives exactly the rows written. Elsewhere (SQLite in `make run`), the ORM's
    ``bulk_create(ignore_conflicts=True)`` and the pending rows of these keys.
    """
    now = timezone.now()
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [
                Notification(**row, language=settings.LANGUAGE_CODE, next_attempt_at=now)
                for row in rows
            ],
            ignore_conflicts=True,
            batch_size=500,
        )
        keys = [row["dedupe_key"] for row in rows]
        return [
            pk
            for start in range(0, len(keys), 500)
            for pk in Notification.objects.filter(
                dedupe_key__in=keys[start : start + 500], status=Notification.Status.PENDING
            ).values_list("pk", flat=True)
        ]
    meta = Notification._meta
    quote = connection.ops.quote_name
    given = {"language": settings.LANGUAGE_CODE, "next_attempt_at": now, "created_at": now}
    # The model names no db_column: attribute names are the column names.
    columns = {f.attname: f for f in meta.concrete_fields if not f.primary_key}
    fields = [columns.pop(name) for name in _MANY_COLUMNS]
    others = list(columns.values())
    constants = [
        f.get_db_prep_save(given[f.attname] if f.attname in given else f.get_default(), connection)
        for f in others
    ]
    names = ", ".join(quote(f.attname) for f in [*fields, *others])
    record = ", ".join(f"{quote(f.attname)} {f.db_type(connection)}" for f in fields)
    values = ", ".join([*(f"r.{quote(f.attname)}" for f in fields), *(["%s"] * len(others))])
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT {values} "  # noqa: S608 (names from the model)
        f"FROM jsonb_to_recordset(%s::jsonb) AS r({record}) "
        f"ON CONFLICT ({quote('dedupe_key')}) DO NOTHING RETURNING {quote(meta.pk.attname)}"
    )
    # Encoded before anything is written: a non-JSON value fails (TypeError) with no row sent.
    batches = [json.dumps(rows[i : i + _MANY_BATCH]) for i in range(0, len(rows), _MANY_BATCH)]
    written: list[int] = []
    with connection.cursor() as cursor:
        for batch in batches:
            cursor.execute(sql, [*constants, batch])
            written += [pk for (pk,) in cursor.fetchall()]
    return written


def enqueue(notification_ids: Iterable[int], *, sweeping: bool = False) -> int:
    """Hand notifications to the workers; return how many were queued.

    A broker outage is logged and swallowed: the rows stay pending for the sweeper.
    """
    from .tasks import send_notification

    queued = 0
    for notification_id in notification_ids:
        if not send(send_notification, notification_id, always_try=sweeping):
            logger.warning(
                "Notification %s and the rest of its batch left for the sweeper", notification_id
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
        except backends.UnconfirmedDeliveryError as error:
            if error.retryable:
                _record_failure(notification, error, now=now)
            else:
                _record_unconfirmed(notification, error)
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


def _record_unconfirmed(
    notification: Notification, error: backends.UnconfirmedDeliveryError
) -> None:
    """The provider got the message but did not say so in time: taken as sent, not repeated
    (a second attempt would reach the person twice); the row says what happened."""
    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.provider_message_id = ""
    notification.next_attempt_at = None
    notification.last_error = f"{type(error).__name__}: {error}"[:5000]
    logger.warning("Notification %s sent without confirmation: %s", notification.pk, error)


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
    return enqueue(due_notification_ids(), sweeping=True)


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
