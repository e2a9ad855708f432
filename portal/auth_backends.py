from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import User


class IdentifierBackend(ModelBackend):
    """Log in with a username, e-mail address, mobile number or national ID number."""

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> User | None:
        if not username or password is None:
            return None
        user = User.objects.get_by_identifier(username)
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class ProviderSignInBackend(ModelBackend):
    """The backend of sessions opened through single sign-on (portal.sso).

    It never authenticates credentials itself: the sign-in view proves the person with the
    identity provider, then logs them in naming this backend, which only loads the account of
    the session on later requests.
    """

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, **kwargs: object
    ) -> User | None:
        return None
