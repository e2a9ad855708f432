"""Partner API keys: issued and revoked by IT staff, checked on every API request."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.models import Agency, User

from .models import PartnerKey

KEY_PREFIX = "dvc_"
# last_used_at is written at most this often per key, not on every request.
LAST_USED_PRECISION = timedelta(minutes=5)


def key_digest(raw_key: str) -> str:
    """SHA-256 of the key: keys are 192 random bits, so a fast digest cannot be brute-forced."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: PartnerKey
    raw_key: str  # shown once to the IT officer, never stored


@transaction.atomic
def partner_key_issue(
    *,
    name: str,
    actor: User | None,
    rate_limit: int = 600,
    agency: Agency | None = None,
    contact_email: str = "",
) -> IssuedKey:
    prefix = secrets.token_hex(4)
    raw_key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(24)}"
    key = PartnerKey.objects.create(
        name=name,
        agency=agency,
        contact_email=contact_email,
        prefix=prefix,
        digest=key_digest(raw_key),
        rate_limit=rate_limit,
        created_by=actor,
    )
    return IssuedKey(key=key, raw_key=raw_key)


@transaction.atomic
def partner_key_revoke(*, key_id: int, actor: User | None) -> PartnerKey:
    key = PartnerKey.objects.select_for_update().get(pk=key_id)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def partner_key_for(raw_key: str) -> PartnerKey | None:
    """The active key with this value, or None (unknown or revoked)."""
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 100:
        return None
    key = PartnerKey.objects.filter(digest=key_digest(raw_key), revoked_at=None).first()
    if key is not None:
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
            PartnerKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
