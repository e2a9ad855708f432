"""Single sign-on for citizens through an OpenID Connect provider (VNeID).

mozilla-django-oidc speaks the protocol (state, nonce, PKCE, token exchange, signature check
against the provider's keys); this package reads the provider from its discovery document,
decides which account a verified identity opens (services.py) and never lets staff in.
"""

from django.conf import settings


def is_enabled() -> bool:
    """Switched on and configured: only then is the sign-in button shown and the views open."""
    return bool(settings.OIDC_ENABLED and settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)
