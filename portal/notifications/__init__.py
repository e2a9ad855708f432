"""E-mail and SMS outbox (DESIGN §7).

``notify(...)`` writes the messages of an event in the caller's transaction; they are sent by
Celery after commit and retried by the sweeper. Templates and their context keys are listed
in ``rendering.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portal.models import Notification, User

__all__ = ["notify"]


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
    """See `services.notify`; imported lazily so that importing the package loads no models."""
    from .services import notify as _notify

    return _notify(
        template=template,
        context=context,
        dedupe_key=dedupe_key,
        user=user,
        email=email,
        phone=phone,
        channels=channels,
    )
