"""Failed log-ins, throttled so that nobody can lock out anyone else (django-axes).

Two counts, over the last ``AXES_COOLOFF_TIME`` (``AXES_LOCKOUT_PARAMETERS``):

* an account from one client address: ``AXES_FAILURE_LIMIT`` failures lock that account for
  that address only. Someone guessing a citizen's password from elsewhere never locks the
  citizen out.
* a client address, whatever the accounts: ``AXES_ADDRESS_FAILURE_LIMIT`` failures (higher:
  an office may share one address) lock the address. Guessing across many accounts, or with
  made-up names, stops there, and other addresses are not affected.

The client address is `portal.client_address.client_address` (``TRUSTED_PROXIES``), never
the reverse proxy's; the account is the one the identifier names (national ID number,
e-mail, mobile or username all count for the same account).
"""

from __future__ import annotations

from typing import Any

from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_client_username
from axes.models import AccessAttempt
from django.db.models import Sum
from django.http import HttpRequest

from .models import User

# The form field two_factor's log-in step posts the identifier in.
_LOGIN_FIELDS = ("auth-username", "username")


def account_name(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The username of the account an identifier names (AXES_USERNAME_CALLABLE).

    An identifier that names no account is counted as typed (trimmed, lower case), so made-up
    names still add up to the address's count.
    """
    identifier = str((credentials or {}).get("username") or "")
    if not identifier and request is not None:
        identifier = next((request.POST[f] for f in _LOGIN_FIELDS if request.POST.get(f)), "")
    identifier = identifier.strip()[:254]
    if not identifier:
        return ""
    # axes asks several times per log-in: one query per request and identifier.
    cache: dict[str, str] = getattr(request, "_login_account_names", {})
    if identifier not in cache:
        user = User.objects.get_by_identifier(identifier)
        cache[identifier] = user.get_username() if user is not None else identifier.lower()
        if request is not None:
            request._login_account_names = cache  # type: ignore[attr-defined]
    return cache[identifier]


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per account and address and one per address."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        # axes compares one number with AXES_FAILURE_LIMIT: the address's failures are scaled
        # so that reaching AXES_ADDRESS_FAILURE_LIMIT reaches it.
        parameters = get_client_parameters(
            get_client_username(request, credentials),
            request.axes_ip_address,  # type: ignore[attr-defined]
            request.axes_user_agent,  # type: ignore[attr-defined]
            request,
            credentials,
        )
        attempts_list = self.get_user_attempts(request, credentials)
        counts = [0]
        for filter_kwargs, attempts in zip(parameters, attempts_list, strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if set(filter_kwargs) == {"ip_address"}:
                failures = failures * settings.AXES_FAILURE_LIMIT // address_failure_limit()
            counts.append(failures)
        return max(counts)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """After a successful log-in, forget that account's failures from that address only.

        The address's failures on other accounts still count: logging in to one's own account
        must not wipe out the guessing of other people's passwords.
        """
        deleted, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        ).delete()
        return deleted


def address_failure_limit() -> int:
    return max(int(settings.AXES_ADDRESS_FAILURE_LIMIT), int(settings.AXES_FAILURE_LIMIT))
