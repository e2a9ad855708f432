"""Handing tasks to the Celery broker without ever failing the request that asked for them.

A service records its change and what is still to do (an outbox row, a pending notice, report
or refund) in one transaction, and sends the task after the commit with `send_on_commit`. If
the broker is unreachable then, the change is already committed: the failure is logged and
the row waits for its beat sweeper, which sends the task again (notifications, notices,
reports, refunds each have one). The request answers as if the task had been sent.

After a broker failure this process does not try again for a few seconds (portal/cache.py's
outages): a broker that is down costs one request a connect timeout, not every request.
Nothing waits for a task's result: sends never subscribe to the result backend.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

from .cache import REDIS_ERRORS, Outage, outage_of, redact

logger = logging.getLogger(__name__)

# What sending raises when the broker cannot be reached (kombu wraps most of it; a socket
# error can come through bare).
BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuOperationalError, *REDIS_ERRORS)
FALLBACK = "tasks are left for their sweepers meanwhile"


def _broker_outage(task: Task) -> Outage:
    return outage_of(redact(str(task.app.conf.broker_url)))


def send(task: Task, *args: Any, always_try: bool = False) -> bool:
    """Send `task(*args)` to the broker now; False (logged) when the broker is unreachable.

    A sweeper passes `always_try`: it runs because the broker delivered it, so it does not
    wait out this process's memory of an outage. Eager setups (the embedded demo, tests) run
    the task here; its own errors propagate.
    """
    outage = _broker_outage(task)
    if outage.skipping and not always_try:
        logger.info("Broker unreachable, %s%r left for its sweeper", task.name, args)
        return False
    try:
        task.apply_async(args, ignore_result=True)
    except BROKER_ERRORS as error:
        outage.failed(error, fallback=FALLBACK)
        logger.warning("Broker unreachable, %s%r left for its sweeper: %r", task.name, args, error)
        return False
    outage.answered()
    return True


def send_on_commit(task: Task, *args: Any, using: str | None = None) -> None:
    """Send `task(*args)` once the current transaction commits (at once outside one).

    Robust: neither a broker outage nor any other error of the send reaches the request (the
    first is logged as a warning, the rest by Django with their traceback).
    """

    def send_after_commit() -> None:  # a function: Django logs a robust hook's __qualname__
        send(task, *args)

    send_after_commit.__qualname__ = f"send_on_commit({task.name})"
    transaction.on_commit(send_after_commit, using=using, robust=True)
