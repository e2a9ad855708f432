"""Error reports to Sentry (or a compatible service) when SENTRY_DSN is set — without personal data.

Nothing that identifies a citizen leaves the portal: national ID numbers (CCCD, 12 digits),
phone numbers and e-mail addresses are replaced wherever they appear in an event (messages,
exception values, local variables, request data, breadcrumbs), cookies, headers that carry
credentials and the user's details are dropped, and the SDK is told to send no personal data.
"""

from __future__ import annotations

import re
from typing import Any

FILTERED = "[filtered]"
_PERSONAL = re.compile(
    r"""
    [\w.+-]+@[\w-]+(?:\.[\w-]+)+            # e-mail address
    | (?<!\d)\d{12}(?!\d)                   # CCCD: 12 digits
    | (?<!\d)\d{9}(?!\d)                    # old 9-digit ID card
    | (?<![\w+])(?:\+?84|0)[\s.-]?(?:\d[\s.-]?){8,9}\d?(?!\d)   # Vietnamese phone number
    """,
    re.VERBOSE,
)
# Values under these keys (request fields, local variables, extras) are dropped whatever they look
# like: an address or a password matches no pattern.
_SECRET_KEYS = re.compile(
    r"pass|secret|token|cookie|session|csrf|authorization|phone|mobile|email|national|cccd"
    r"|address|full_name|applicant",
    re.IGNORECASE,
)


def scrub_text(text: str) -> str:
    return _PERSONAL.sub(FILTERED, text)


def scrub(value: Any, key: str = "") -> Any:
    if key and _SECRET_KEYS.search(key) and isinstance(value, str | int | float):
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def before_send(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)  # form bodies: whatever the citizen typed
        headers = request.get("headers") or {}
        for name in list(headers):
            if name.lower() in {"cookie", "authorization", "x-forwarded-for", "x-real-ip"}:
                headers.pop(name)
    return scrub(event)


def init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=True,
        before_send=before_send,  # type: ignore[arg-type]
        before_send_transaction=before_send,  # type: ignore[arg-type]
        before_breadcrumb=lambda crumb, hint: scrub(crumb),
        traces_sample_rate=traces_sample_rate,
    )
