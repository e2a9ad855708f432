"""django-two-factor-auth views adapted to the portal: identifier log-in, staff cannot opt out."""

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from two_factor import views as tf
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm

from .forms import IdentifierAuthenticationForm, label_one_time_code


class LoginView(tf.LoginView):
    form_list = (
        (tf.LoginView.AUTH_STEP, IdentifierAuthenticationForm),
        (tf.LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (tf.LoginView.BACKUP_STEP, BackupTokenForm),
    )

    def get_success_url(self) -> str:
        """Without a `next` address, staff of an agency start in the staff area (/can-bo/ sends
        the desk to its queue, specialists to theirs and leaders to the dashboard)."""
        user = getattr(self.request, "user", None)
        is_agency_staff = bool(
            user is not None and user.is_authenticated and user.agency_id and user.is_officer
        )
        if is_agency_staff and not self.get_redirect_url():
            return "/can-bo/"
        return str(super().get_success_url())

    def get_form(self, step: str | None = None, **kwargs: object) -> Form:
        form = super().get_form(step=step, **kwargs)
        # The token form class comes from the device's method; only its wording is ours.
        if "otp_token" in form.fields:
            label_one_time_code(form)
        return form


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
