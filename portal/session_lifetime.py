"""How long a signed-in session lasts when nobody uses it.

Desk PCs are shared: a staff session ends after STAFF_SESSION_IDLE_MINUTES without a request
(30 by default) and, with STAFF_SESSION_EXPIRE_AT_BROWSER_CLOSE, when the browser closes. A
citizen's session ends after CITIZEN_SESSION_IDLE_MINUTES without a request (a week by default).
The last activity is kept in the session and written at most once a minute, so a busy page
does not save the session on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LAST_SEEN = "portal_last_seen"
WRITE_EVERY_SECONDS = 60


def idle_limit_seconds(user) -> int:
    minutes = (
        settings.STAFF_SESSION_IDLE_MINUTES
        if getattr(user, "is_officer", False)
        else settings.CITIZEN_SESSION_IDLE_MINUTES
    )
    return int(minutes * 60)


class SessionLifetimeMiddleware:
    """After AuthenticationMiddleware: ends idle sessions, sets each session's cookie lifetime."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = int(time.time())
        limit = idle_limit_seconds(user)
        last_seen = request.session.get(LAST_SEEN)
        if isinstance(last_seen, int) and now - last_seen > limit:
            officer = user.is_officer
            logout(request)
            messages.info(
                request,
                _("You were signed out after %(minutes)d minutes without activity.")
                % {"minutes": limit // 60}
                if officer
                else _("You were signed out because the session was not used for a long time."),
            )
            return self.get_response(request)
        if not isinstance(last_seen, int) or now - last_seen >= WRITE_EVERY_SECONDS:
            request.session[LAST_SEEN] = now
            at_close = user.is_officer and settings.STAFF_SESSION_EXPIRE_AT_BROWSER_CLOSE
            # 0: a cookie without an expiry date, gone when the browser closes.
            request.session.set_expiry(0 if at_close else limit)
        return self.get_response(request)
