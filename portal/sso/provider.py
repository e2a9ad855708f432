"""The identity provider: discovery, the authorization code exchange, verified claims."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify

logger = logging.getLogger(__name__)

DISCOVERY_CACHE_SECONDS = 3600


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered with something that is not its protocol."""


class IdentityNotVerified(Exception):
    """The provider's answer failed a check: signature, issuer, audience, nonce, code."""


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""


def discovery_cache_key(issuer: str) -> str:
    return "oidc-discovery:" + hashlib.sha256(issuer.encode()).hexdigest()[:16]


def provider_config() -> ProviderConfig:
    """The provider's endpoints from its discovery document, kept for an hour."""
    issuer = settings.OIDC_ISSUER
    key = discovery_cache_key(issuer)
    cached = cache.get(key)
    if cached:
        return ProviderConfig(**cached)
    url = issuer + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        config = ProviderConfig(
            issuer=document["issuer"],
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            userinfo_endpoint=document.get("userinfo_endpoint", ""),
        )
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        logger.warning("OIDC discovery at %s failed: %s", url, error)
        raise ProviderUnavailable(str(error)) from error
    if config.issuer.rstrip("/") != issuer:
        # OpenID Connect Discovery §4.3: a document naming another issuer must not be used.
        logger.error("OIDC discovery at %s names issuer %s", url, config.issuer)
        raise ProviderUnavailable("issuer mismatch")
    cache.set(key, asdict(config), DISCOVERY_CACHE_SECONDS)
    return config


class ProviderClient(OIDCAuthenticationBackend):
    """mozilla-django-oidc's protocol steps, pointed at the discovered endpoints.

    Not an authentication backend of the portal (it is not in AUTHENTICATION_BACKENDS): the
    callback view calls `verified_claims` and the services decide which account opens.
    """

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.OIDC_OP_TOKEN_ENDPOINT = config.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = config.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = config.jwks_uri
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        """The library checks the signature and expiry; the issuer and audience are ours too."""
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"Unreadable token: {error}") from error
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"Token signed with {header.get('alg')!r}")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.config.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=60,
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"Token rejected: {error}") from error

    def verified_claims(
        self, request: HttpRequest, *, code: str, nonce: str | None, code_verifier: str | None
    ) -> dict[str, Any]:
        """Exchange the code (with the PKCE verifier), verify the ID token and read userinfo."""
        self.request = request
        payload = {
            "client_id": self.OIDC_RP_CLIENT_ID,
            "client_secret": self.OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": absolutify(request, reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL)),
        }
        if code_verifier is not None:
            payload["code_verifier"] = code_verifier
        try:
            tokens = self.get_token(payload)
            id_token = tokens.get("id_token")
            if not id_token:
                raise IdentityNotVerified("no ID token")
            claims = dict(self.verify_token(id_token, nonce=nonce))
            if self.OIDC_OP_USER_ENDPOINT and tokens.get("access_token"):
                userinfo = self.get_userinfo(tokens["access_token"], id_token, claims)
                # OpenID Connect Core §5.3.2: userinfo about another subject is not used.
                if userinfo.get("sub") != claims["sub"]:
                    raise IdentityNotVerified("userinfo subject differs")
                claims.update(userinfo)
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else 0
            if status >= 500:
                raise ProviderUnavailable(str(error)) from error
            raise IdentityNotVerified(str(error)) from error
        except requests.RequestException as error:
            raise ProviderUnavailable(str(error)) from error
        except (SuspiciousOperation, ValueError, KeyError) as error:
            raise IdentityNotVerified(str(error)) from error
        return claims
