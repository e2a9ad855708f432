"""Which account a verified identity opens; linking an existing account after proof."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import ExternalIdentity, User
from portal.validators import normalise_vn_mobile, validate_national_id

logger = logging.getLogger(__name__)

LINK_CODE_SECONDS = 10 * 60
# Below the log-in throttle's limit, so a guessing stranger loses the attempt before the
# account's owner is locked out of password log-in.
LINK_MAX_FAILURES = 3


class SignInRefused(Exception):
    """The identity is verified but opens no account here; `message` says why, in words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SignInOutcome:
    """Either the account to log in, or an existing account the person must prove first."""

    user: User | None = None
    account_to_prove: User | None = None


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    national_id: str
    full_name: str
    email: str
    phone: str


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def identity_from_claims(*, issuer: str, claims: dict[str, Any]) -> Identity:
    """The person as the provider describes them, or SignInRefused when the CCCD is missing."""
    national_id = _claim(claims, settings.OIDC_NATIONAL_ID_CLAIM)
    try:
        validate_national_id(national_id)
    except ValidationError:
        national_id = ""
    if not national_id:
        raise SignInRefused(
            _(
                "The electronic identification service did not send a valid national ID number "
                "(CCCD), so the portal cannot tell whose account this is. Allow the portal to "
                "read your identification number and try again, or log in with your password."
            )
        )
    full_name = _claim(claims, settings.OIDC_NAME_CLAIM) or " ".join(
        part
        for part in (
            _claim(claims, "family_name"),
            _claim(claims, "middle_name"),
            _claim(claims, "given_name"),
        )
        if part
    )
    return Identity(
        issuer=issuer,
        subject=str(claims["sub"]),
        national_id=national_id,
        full_name=full_name[:150],
        email=_claim(claims, settings.OIDC_EMAIL_CLAIM),
        phone=_claim(claims, settings.OIDC_PHONE_CLAIM),
    )


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _refuse_staff() -> SignInRefused:
    return SignInRefused(
        _(
            "Staff accounts cannot sign in with VNeID. Log in with your password and the "
            "one-time code of your authenticator app."
        )
    )


def _refuse_other_identity() -> SignInRefused:
    return SignInRefused(
        _(
            "The account with this national ID number (CCCD) is already linked to another "
            "electronic identity. Log in with your password, or call the hotline if this is "
            "not your doing."
        )
    )


def _check_account(user: User) -> None:
    if user.is_officer:
        raise _refuse_staff()
    if not user.is_active:
        raise SignInRefused(_("This account has been disabled. Please call the hotline."))


@transaction.atomic
def identity_sign_in(*, identity: Identity) -> SignInOutcome:
    """The account this verified identity opens: its linked account, a new citizen account
    created from the claims, or (never silently) an existing account with the same CCCD that
    the person must prove first."""
    link = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=identity.issuer, subject=identity.subject)
        .first()
    )
    if link is not None:
        user = link.user
        _check_account(user)
        if user.national_id != identity.national_id:
            # The provider now vouches for another CCCD than the linked account's.
            raise _refuse_other_identity()
        link.last_sign_in_at = timezone.now()
        link.save(update_fields=["last_sign_in_at"])
        return SignInOutcome(user=user)
    existing = User.objects.filter(national_id=identity.national_id).first()
    if existing is None:
        existing = User.objects.filter(username=identity.national_id).first()
    if existing is not None:
        _check_account(existing)
        if existing.national_id != identity.national_id or (
            ExternalIdentity.objects.filter(issuer=identity.issuer, user=existing).exists()
        ):
            raise _refuse_other_identity()
        return SignInOutcome(account_to_prove=existing)
    return SignInOutcome(user=_citizen_create(identity=identity))


def _citizen_create(*, identity: Identity) -> User:
    if not identity.full_name:
        raise SignInRefused(
            _(
                "The electronic identification service did not send your name, so no account "
                "can be created from it. Please create an account with the sign-up form."
            )
        )
    user = User(username=identity.national_id, full_name=identity.full_name)
    user.national_id = identity.national_id
    # Contact details are kept only when valid and not another account's: the person can add
    # them on the profile page.
    phone = (normalise_vn_mobile(identity.phone) or "") if identity.phone else ""
    if phone and not User.objects.filter(phone=phone).exists():
        user.phone = phone
    email = identity.email if _is_email(identity.email) else ""
    if email and not User.objects.filter(email__iexact=email).exists():
        user.email = email
    user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        logger.warning("OIDC account not created from claims: %s", list(error.message_dict))
        raise SignInRefused(
            _("The portal could not create an account from your electronic identity.")
        ) from error
    try:
        with transaction.atomic():
            user.save()
            ExternalIdentity.objects.create(
                user=user,
                issuer=identity.issuer,
                subject=identity.subject,
                last_sign_in_at=timezone.now(),
            )
    except IntegrityError as error:
        # Another sign-in or sign-up took these details a moment ago.
        raise SignInRefused(
            _("An account with these details was created meanwhile. Please sign in again.")
        ) from error
    return user


@transaction.atomic
def identity_link(*, identity: Identity, user_id: int) -> User:
    """Link the identity to the account the person has just proven is theirs."""
    user = User.objects.select_for_update().get(pk=user_id)
    _check_account(user)
    if user.national_id != identity.national_id:
        raise _refuse_other_identity()
    taken = ExternalIdentity.objects.filter(
        Q(user=user) | Q(subject=identity.subject), issuer=identity.issuer
    )
    if taken.exists():
        raise _refuse_other_identity()
    ExternalIdentity.objects.create(
        user=user,
        issuer=identity.issuer,
        subject=identity.subject,
        last_sign_in_at=timezone.now(),
    )
    return user


# --- The one-time code e-mailed to the account being linked ------------------------------


def _digest(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def link_code_send(*, user: User) -> dict[str, Any]:
    """E-mail a six-digit code to the account's address; returns what to keep (no code)."""
    code = f"{secrets.randbelow(10**6):06d}"
    context = {
        "user": user,
        "code": code,
        "minutes": LINK_CODE_SECONDS // 60,
        "PORTAL_NAME": settings.PORTAL_NAME,
    }
    send_mail(
        subject=render_to_string("portal/email/identity_link_code.subject.txt", context).strip(),
        message=render_to_string("portal/email/identity_link_code.txt", context),
        html_message=render_to_string("portal/email/identity_link_code.html", context),
        from_email=None,
        recipient_list=[user.email],
    )
    return {"digest": _digest(code), "expires": time.time() + LINK_CODE_SECONDS}


def link_code_matches(*, sent: dict[str, Any] | None, code: str) -> bool:
    if not sent or time.time() > float(sent.get("expires", 0)):
        return False
    return hmac.compare_digest(str(sent.get("digest", "")), _digest(code.strip()))


def masked_email(email: str) -> str:
    """b***@example.com: enough for the owner to recognise, little for anyone else."""
    name, _at, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else ""
