from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from two_factor.utils import default_device

Handler = Callable[[HttpRequest], HttpResponse]


class PortalLanguageMiddleware:
    """Vietnamese unless the person chose another language with the language switcher.

    Unlike Django's LocaleMiddleware the browser's Accept-Language is not consulted: the
    portal is a Vietnamese public service and must read as one whatever the browser says.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class StaffTwoFactorMiddleware:
    """Staff accounts work only after a TOTP verification in this session.

    A staff member without an authenticator yet is sent to set one up; nothing else of the
    portal opens for them until they have.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.requires_two_factor
            and not user.is_verified()  # type: ignore[attr-defined]  # set by OTPMiddleware
            and not self._is_exempt(request.path_info)
        ):
            if default_device(user):
                logout(request)
                messages.warning(request, _("Staff accounts must sign in with a one-time code."))
                return redirect(reverse("two_factor:login"))
            messages.info(
                request,
                _(
                    "Staff accounts must use two-factor authentication. "
                    "Set up your authenticator app to continue."
                ),
            )
            return redirect(reverse("two_factor:setup"))
        return self.get_response(request)

    @staticmethod
    def _is_exempt(path: str) -> bool:
        exempt = (
            reverse("two_factor:setup"),
            reverse("two_factor:qr"),
            reverse("two_factor:setup_complete"),
            reverse("two_factor:login"),
            reverse("portal:logout"),
            settings.STATIC_URL,
            "/i18n/",
        )
        return path.startswith(exempt)
