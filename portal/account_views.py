"""django-two-factor-auth views adapted to the portal: identifier log-in, staff cannot opt out."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from two_factor import views as tf
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm

from .forms import IdentifierAuthenticationForm


class LoginView(tf.LoginView):
    form_list = (
        (tf.LoginView.AUTH_STEP, IdentifierAuthenticationForm),
        (tf.LoginView.TOKEN_STEP, AuthenticationTokenForm),
        (tf.LoginView.BACKUP_STEP, BackupTokenForm),
    )


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
