"""Sign-in through the identity provider: start, callback, and proving an existing account."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from portal.models import User

from . import is_enabled, services
from .forms import LinkCodeForm, LinkPasswordForm
from .provider import IdentityNotVerified, ProviderClient, ProviderUnavailable, provider_config

logger = logging.getLogger(__name__)

BACKEND = "portal.auth_backends.ProviderSignInBackend"
PENDING = "oidc_pending_link"
PENDING_SECONDS = 15 * 60


def _unavailable_message() -> str:
    return _(
        "The VNeID electronic identification service is not answering right now. Please try "
        "again in a few minutes, or log in with your password."
    )


def _back_to_login(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("two_factor:login")


class SignInStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with a fresh state, nonce and PKCE challenge."""

    def __init__(self, **kwargs: Any) -> None:
        # The library reads fixed endpoints from settings here; ours come from discovery.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not is_enabled():
            raise Http404
        try:
            config = provider_config()
        except ProviderUnavailable:
            return _back_to_login(request, _unavailable_message())
        self.OIDC_OP_AUTH_ENDPOINT = config.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


def _success(request: HttpRequest, user: User) -> HttpResponse:
    login(request, user, backend=BACKEND)
    messages.success(request, _("Welcome, %(name)s.") % {"name": user.full_name})
    next_url = request.session.pop("oidc_login_next", None)
    return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back, with a code or an error, and the state."""
    if not is_enabled() or request.method != "GET":
        raise Http404
    states = request.session.get("oidc_states")
    state = request.GET.get("state", "")
    entry = states.pop(state, None) if isinstance(states, dict) and state else None
    if entry is None:
        return _back_to_login(
            request,
            _(
                "This VNeID sign-in could not be matched to your visit (it expired or was "
                "opened in another browser). Please start again."
            ),
        )
    request.session.modified = True  # the state is used up, whatever comes next
    error = request.GET.get("error", "")
    if error == "access_denied":
        return _back_to_login(
            request,
            _("You cancelled signing in with VNeID. You can try again or log in with a password."),
        )
    code = request.GET.get("code", "")
    if error or not code:
        logger.warning("OIDC provider answered error=%r", error[:100])
        return _back_to_login(
            request, _("VNeID did not sign you in. Please try again in a few minutes.")
        )
    try:
        config = provider_config()
        claims = ProviderClient(config).verified_claims(
            request, code=code, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
        )
        identity = services.identity_from_claims(issuer=config.issuer, claims=claims)
        outcome = services.identity_sign_in(identity=identity)
    except ProviderUnavailable:
        return _back_to_login(request, _unavailable_message())
    except IdentityNotVerified as failure:
        logger.warning("OIDC sign-in not verified: %s", failure)
        return _back_to_login(
            request,
            _("Your VNeID sign-in could not be verified. Please start again."),
        )
    except services.SignInRefused as refusal:
        return _back_to_login(request, refusal.message)
    if outcome.user is not None or outcome.account_to_prove is None:
        return _success(request, outcome.user) if outcome.user else redirect("two_factor:login")
    request.session[PENDING] = {
        "identity": asdict(identity),
        "user_id": outcome.account_to_prove.pk,
        "started": time.time(),
        "failures": 0,
    }
    return redirect("portal:oidc_link")


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("started", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    return pending


def link(request: HttpRequest) -> HttpResponse:
    """An account with the same CCCD exists: the person proves it is theirs before linking."""
    if not is_enabled():
        raise Http404
    pending = _pending(request)
    if pending is None:
        return _back_to_login(
            request, _("Linking your VNeID took too long or was not started. Please start again.")
        )
    account = User.objects.filter(pk=pending["user_id"], is_active=True).first()
    if account is None:
        request.session.pop(PENDING, None)
        return _back_to_login(
            request, _("This account has been disabled. Please call the hotline.")
        )
    password_form = LinkPasswordForm()
    code_form = LinkCodeForm()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    proven = False
    if action == "password":
        password_form = LinkPasswordForm(request.POST)
        if password_form.is_valid():
            user = authenticate(
                request, username=account.username, password=password_form.cleaned_data["password"]
            )
            proven = user is not None and user.pk == account.pk
            if not proven:
                password_form.add_error("password", _("This is not the password of the account."))
    elif action == "send_code" and account.email:
        pending["code"] = services.link_code_send(user=account)
        messages.info(
            request,
            _("A code has been sent to %(email)s. It is valid for %(minutes)s minutes.")
            % {"email": services.masked_email(account.email), "minutes": 10},
        )
    elif action == "code":
        code_form = LinkCodeForm(request.POST)
        if code_form.is_valid():
            proven = services.link_code_matches(
                sent=pending.get("code"), code=code_form.cleaned_data["code"]
            )
            if not proven:
                code_form.add_error("code", _("This code is not correct or has expired."))
    if action in ("password", "code") and not proven:
        pending["failures"] = pending.get("failures", 0) + 1
        if pending["failures"] >= services.LINK_MAX_FAILURES:
            request.session.pop(PENDING, None)
            return _back_to_login(
                request,
                _("Too many wrong attempts. Please start signing in with VNeID again."),
            )
    request.session.modified = True
    if proven:
        request.session.pop(PENDING, None)
        identity = services.Identity(**pending["identity"])
        try:
            user = services.identity_link(identity=identity, user_id=account.pk)
        except services.SignInRefused as refusal:
            return _back_to_login(request, refusal.message)
        messages.success(request, _("Your VNeID is now linked to your account."))
        return _success(request, user)
    status = 400 if action in ("password", "code") else 200
    return render(
        request,
        "portal/account/identity_link.html",
        {
            "account": account,
            "masked_email": services.masked_email(account.email),
            "code_sent": bool(pending.get("code")),
            "password_form": password_form,
            "code_form": code_form,
            "has_password": account.has_usable_password(),
        },
        status=status,
    )
