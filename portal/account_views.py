"""django-two-factor-auth views adapted to the portal: identifier log-in, staff cannot opt out."""

import unicodedata
from collections.abc import Iterator
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from two_factor import views as tf
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm

from dossiers import ratelimit

from . import sso
from .client_address import client_address
from .forms import IdentifierAuthenticationForm, label_one_time_code
from .models import User
from .roles import staff_start_page


class LoginView(tf.LoginView):
    form_list = (
        (tf.LoginView.AUTH_STEP, IdentifierAuthenticationForm),
        (tf.LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (tf.LoginView.BACKUP_STEP, BackupTokenForm),
    )

    def get_success_url(self) -> str:
        """Without a `next` address, staff start in the staff area: /can-bo/ sends the desk to
        its queue, specialists to theirs, leaders to the dashboard and IT staff to the admin
        (portal.roles.staff_start_page)."""
        user = getattr(self.request, "user", None)
        if staff_start_page(user) and not self.get_redirect_url():
            return reverse("desk:queue")
        return str(super().get_success_url())

    def get_context_data(self, form: Form, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(form=form, **kwargs)
        context["oidc_sign_in"] = sso.is_enabled()
        return context

    def get_form(self, step: str | None = None, **kwargs: object) -> Form:
        form = super().get_form(step=step, **kwargs)
        # The token form class comes from the device's method; only its wording is ours.
        if "otp_token" in form.fields:
            label_one_time_code(form)
        return form


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form, which also lets citizens who came through VNeID choose a password.

    Django skips accounts without a usable password, reading them as "signs in elsewhere, must
    not get a password behind the provider's back". A citizen whose account was made by the
    first VNeID sign-in (portal.sso) has no password, yet the national portal lets such a person
    add one: VNeID is down now and then, and a citizen may lose the phone that holds it. The
    e-mail link proves the mailbox exactly as it does for every other account, and that address
    came from the provider's claims or the citizen's own profile. So such a citizen gets the
    link (its e-mail says a password will be *added*, VNeID keeps working), and nobody else
    without a password does: staff never sign in through VNeID, and an account whose password
    was made unusable for any other reason stays as it is.
    """

    def get_users(self, email: str) -> Iterator[Any]:
        yield from super().get_users(email)
        citizens = (
            User.objects.filter(
                email__iexact=email,
                is_active=True,
                is_staff=False,
                is_superuser=False,
                agency__isnull=True,
                external_identities__isnull=False,
            )
            .exclude(groups__isnull=False)
            .distinct()
        )
        wanted = unicodedata.normalize("NFKC", email).casefold()
        for user in citizens:
            # The same exact comparison Django makes (iexact alone matches "ß" and "ss").
            same = unicodedata.normalize("NFKC", user.email).casefold() == wanted
            if same and not user.has_usable_password() and not user.is_officer:
                yield user


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per client address: each request may send an e-mail."""

    form_class = PortalPasswordResetForm

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        counted = ratelimit.count(
            "password-reset",
            client_address(self.request),
            limit=settings.PASSWORD_RESET_RATE_LIMIT,
            window=3600,
        )
        if counted.allowed:
            return super().form_valid(form)
        form.add_error(
            None,
            _(
                "Too many password reset requests were sent from your network. Please try "
                "again in %(minutes)s minutes, or call the hotline."
            )
            % {"minutes": max(1, -(-counted.retry_after // 60))},
        )
        response = self.form_invalid(form)
        response.status_code = 429
        response["Retry-After"] = str(counted.retry_after)
        return response


class DisableView(tf.DisableView):
    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.user.is_authenticated and request.user.requires_two_factor:
            messages.error(request, _("Staff accounts cannot turn off two-factor authentication."))
            return redirect("two_factor:profile")
        return super().dispatch(request, *args, **kwargs)


ProfileView = tf.ProfileView
SetupView = tf.SetupView
SetupCompleteView = tf.SetupCompleteView
QRGeneratorView = tf.QRGeneratorView
BackupTokensView = tf.BackupTokensView


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change the password, or set a first one.

    Citizens who came through single sign-on (VNeID) have no password, so there is no old one
    to ask for: signed in through the identity provider, they set one here (as the reset e-mail
    also allows) to sign in with it when VNeID is unavailable.
    """

    template_name = "portal/account/password_change.html"

    def _setting(self) -> bool:
        # The view requires a signed-in user (login_required).
        return not cast(User, self.request.user).has_usable_password()

    def get_form_class(self) -> Any:
        # SetPasswordForm (no old password) or the usual PasswordChangeForm.
        return SetPasswordForm if self._setting() else super().get_form_class()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs) | {"setting_password": self._setting()}
