"""Delivery backends. Each returns the provider's message ID or raises a `DeliveryError`.

E-mail goes through Django's configured ``EMAIL_BACKEND`` (from ``EMAIL_URL``; console by
default). SMS through ``SMS_BACKEND``: ``console`` (default), ``file`` (JSON lines in
``SMS_FILE_PATH``) or ``http`` (JSON POST to ``SMS_GATEWAY_URL``).
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import smtplib
import sys
import threading
import urllib.error
import urllib.request
import uuid
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from portal.validators import normalise_vn_mobile

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The provider did not take the message."""

    retryable = True


class RetryableDeliveryError(DeliveryError):
    """Worth trying again later: timeouts, connection errors, 4xx SMTP, HTTP 429/5xx."""


class PermanentDeliveryError(DeliveryError):
    """Trying again cannot help: invalid address, SMTP 5xx refusal, HTTP 4xx."""

    retryable = False


class UnconfirmedDeliveryError(DeliveryError):
    """The provider received the whole request but its answer never came (a timeout, a
    connection closed): the message may well have gone out. Sending it again is safe only
    where the provider drops a repeat of a reference it has already taken."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def send_email(*, to: str, subject: str, text: str, html: str, reference: str) -> str:
    """Send through Django's configured e-mail backend; return the Message-ID."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    # Our own Message-ID: Django's default looks up the host's FQDN, which can be slow.
    message_id = make_msgid(idstring=re.sub(r"[^A-Za-z0-9-]+", ".", reference), domain=domain)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reply in error.recipients.values()]
        raise _smtp_error(min(codes, default=550), error) from error
    except smtplib.SMTPResponseException as error:
        raise _smtp_error(error.smtp_code, error) from error
    except (smtplib.SMTPException, OSError) as error:
        raise RetryableDeliveryError(f"SMTP: {error!r}") from error
    return message_id


def _smtp_error(code: int, error: Exception) -> DeliveryError:
    kind = PermanentDeliveryError if 500 <= code < 600 else RetryableDeliveryError
    return kind(f"SMTP {code}: {error}")


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> str: ...


class ConsoleSmsBackend:
    """Prints each SMS, like Django's console e-mail backend (``make run``)."""

    _lock = threading.Lock()

    def send(self, *, to: str, text: str, reference: str) -> str:
        with self._lock:
            sys.stdout.write(f"SMS to {to} from {settings.SMS_SENDER_NAME}: {text}\n")
            sys.stdout.flush()
        return f"console-{uuid.uuid4().hex}"


class FileSmsBackend:
    """Appends one JSON line per SMS to ``SMS_FILE_PATH`` (demo and manual testing)."""

    _lock = threading.Lock()

    def send(self, *, to: str, text: str, reference: str) -> str:
        message_id = f"file-{uuid.uuid4().hex}"
        line = json.dumps(
            {
                "id": message_id,
                "to": to,
                "text": text,
                "sender": settings.SMS_SENDER_NAME,
                "reference": reference,
                "at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        path = Path(settings.SMS_FILE_PATH)
        try:
            with self._lock:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as file:
                    file.write(line + "\n")
        except OSError as error:
            raise RetryableDeliveryError(f"SMS file: {error!r}") from error
        return message_id


class HttpSmsBackend:
    """POSTs ``{"to", "text", "sender", "reference"}`` as JSON with a bearer token to the gateway.

    ``reference`` (also sent as the ``Idempotency-Key`` header) is the outbox row's dedupe key:
    the same for every attempt at one message, so a gateway can recognise a repeat.

    2xx → sent (the gateway's ``id`` is kept); 429, 5xx and failures before the request was
    sent (connection refused, DNS, connect timeout) → retry later; any other 4xx → permanent
    failure. No answer after the request was sent (read timeout, connection closed) means the
    gateway may have delivered it: `UnconfirmedDeliveryError`, retried only when the gateway
    drops repeats of a reference (``SMS_GATEWAY_DEDUPLICATES``), otherwise not sent again.
    """

    def __init__(self) -> None:
        self.url = settings.SMS_GATEWAY_URL
        if not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured("SMS_BACKEND=http needs an http(s) SMS_GATEWAY_URL.")

    def send(self, *, to: str, text: str, reference: str) -> str:
        body = json.dumps(
            {"to": to, "text": text, "sender": settings.SMS_SENDER_NAME, "reference": reference}
        )
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                "Idempotency-Key": reference,
            },
        )
        timeout = settings.SMS_GATEWAY_TIMEOUT
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:500].decode(errors="replace")
            message = f"SMS gateway HTTP {error.code}: {detail}"
            if error.code == 429 or error.code >= 500:
                raise RetryableDeliveryError(message) from error
            raise PermanentDeliveryError(message) from error
        except urllib.error.URLError as error:
            # urllib wraps what fails while connecting and sending: the gateway has not got
            # the whole request.
            raise RetryableDeliveryError(f"SMS gateway: {error!r}") from error
        except (OSError, http.client.HTTPException) as error:
            # Raised while waiting for or reading the answer: the request was sent.
            raise UnconfirmedDeliveryError(
                f"SMS gateway: no answer after the request was sent ({error!r}, timeout "
                f"{timeout:g} s); the message may have been delivered",
                retryable=settings.SMS_GATEWAY_DEDUPLICATES,
            ) from error
        try:
            message_id = json.loads(payload or b"{}").get("id", "")
        except (ValueError, AttributeError):
            message_id = ""
        return str(message_id or "")


SMS_BACKENDS: dict[str, type[SmsBackend]] = {
    "console": ConsoleSmsBackend,
    "file": FileSmsBackend,
    "http": HttpSmsBackend,
}


def send_sms(*, to: str, text: str, reference: str) -> str:
    """Send one SMS through the configured backend; return the provider's message ID."""
    if normalise_vn_mobile(to) is None:
        raise PermanentDeliveryError(f"Not a Vietnamese mobile number: {to!r}")
    try:
        backend_class = SMS_BACKENDS[settings.SMS_BACKEND]
    except KeyError:
        raise ImproperlyConfigured(
            f"SMS_BACKEND must be one of {', '.join(SMS_BACKENDS)}, not {settings.SMS_BACKEND!r}."
        ) from None
    return backend_class().send(to=to, text=text, reference=reference)
