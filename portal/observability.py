"""What the operators see: one JSON line per log record, with the request id that produced it.

Every request gets an id (the proxy's ``X-Request-ID`` when it sends a sane one, else a new
one), answered in the ``X-Request-ID`` response header and added to every log record written
while the request runs — and to the Celery tasks it queues, whose records carry it too. So one
id finds a citizen's request, the task it started and the error it hit, on any host.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

HEADER = "HTTP_X_REQUEST_ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def _sane_or_new(offered: str) -> str:
    return offered if _SANE.match(offered) else new_request_id()


def _on_request_started(sender: Any, environ: dict[str, Any] | None = None, **kwargs: Any) -> None:
    # Before the middleware, and reset only once the response is finished: Django logs
    # "Not Found" and server errors after the middleware has returned.
    request_id.set(_sane_or_new((environ or {}).get(HEADER, "")))


def _on_request_finished(sender: Any, **kwargs: Any) -> None:
    request_id.set("")


request_started.connect(_on_request_started, dispatch_uid="portal.observability.started")
request_finished.connect(_on_request_finished, dispatch_uid="portal.observability.finished")


class RequestIdMiddleware:
    """Answers the request id in the ``X-Request-ID`` header (set when the request started)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value = request_id.get()
        if not value:  # a handler that sent no request_started signal
            value = _sane_or_new(request.META.get(HEADER, ""))
            request_id.set(value)
        response = self.get_response(request)
        response["X-Request-ID"] = value
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class OneLineSecurityFilter(logging.Filter):
    """A request with a Host header not in ALLOWED_HOSTS is a line in the log, not a traceback.

    Scanners send thousands of them; the message already names the host.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


# Attributes every LogRecord has; the others were passed with `extra=` and are logged too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", "") or request_id.get()
        if rid:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "request_id" and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


# --- Celery: the request id travels with the task ---------------------------------------------


def connect_celery_signals() -> None:
    from celery import signals

    @signals.before_task_publish.connect(weak=False)
    def _send_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
        value = request_id.get()
        if value and headers is not None:
            headers.setdefault("request_id", value)

    @signals.task_prerun.connect(weak=False)
    def _adopt_request_id(task: Any = None, **kwargs: Any) -> None:
        value = getattr(task.request, "request_id", None) if task is not None else None
        if value is None and task is not None:
            value = (getattr(task.request, "headers", None) or {}).get("request_id")
        task.request._request_id_token = request_id.set(value or new_request_id())

    @signals.task_postrun.connect(weak=False)
    def _forget_request_id(task: Any = None, **kwargs: Any) -> None:
        token = getattr(getattr(task, "request", None), "_request_id_token", None)
        if token is not None:
            request_id.reset(token)
            task.request._request_id_token = None
