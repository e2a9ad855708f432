"""Agency signing keys: PKCS#12 files in ``SIGNING_KEYS_DIR``, passwords outside the database.

``<agency code>.p12`` holds an agency's key and certificate chain; its password comes from the
environment variable ``SIGNING_PASSWORD_<AGENCY CODE>`` (non-alphanumerics as ``_``) or, failing
that, the file ``<agency code>.pass`` beside it (readable by the portal's user only). An agency
without a file signs with ``SIGNING_DEFAULT_KEY`` (the portal operator's certificate), if set.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Agency

from .errors import SigningError


@dataclass(frozen=True)
class SigningKey:
    name: str
    signer: object  # pyhanko.sign.signers.SimpleSigner
    subject: str
    common_name: str
    serial: str
    not_before: datetime
    not_after: datetime


_cache: dict[tuple[str, float], SigningKey] = {}  # by file path and modification time
_lock = threading.Lock()


def keys_dir() -> Path:
    return Path(settings.SIGNING_KEYS_DIR)


def password_variable(name: str) -> str:
    return "SIGNING_PASSWORD_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _password(name: str) -> bytes:
    from_env = os.environ.get(password_variable(name))
    if from_env:
        return from_env.encode()
    secret = keys_dir() / f"{name}.pass"
    if secret.exists():
        return secret.read_bytes().strip()
    raise SigningError(
        _("No password for the signing key %(name)s (set %(variable)s).")
        % {"name": name, "variable": password_variable(name)}
    )


def _load(name: str) -> SigningKey:
    from pyhanko.sign import signers

    path = keys_dir() / f"{name}.p12"
    mtime = path.stat().st_mtime
    with _lock:
        cached = _cache.get((str(path), mtime))
        if cached is not None:
            return cached
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=_password(name))
        if signer is None:
            raise SigningError(_("The signing key %(name)s cannot be opened.") % {"name": name})
        cert = signer.signing_cert
        key = SigningKey(
            name=name,
            signer=signer,
            subject=cert.subject.human_friendly,
            common_name=str(cert.subject.native.get("common_name", "")),
            serial=format(cert.serial_number, "X"),
            not_before=cert.not_valid_before,
            not_after=cert.not_valid_after,
        )
        _cache[(str(path), mtime)] = key
        return key


def key_names(agency: Agency | None) -> list[str]:
    names = [agency.code] if agency is not None and agency.code else []
    if settings.SIGNING_DEFAULT_KEY:
        names.append(settings.SIGNING_DEFAULT_KEY)
    return names


def key_for(agency: Agency | None) -> SigningKey:
    """The key an agency signs with (None: the portal operator's, SIGNING_DEFAULT_KEY);
    raises SigningError when there is none usable today."""
    for name in key_names(agency):
        if (keys_dir() / f"{name}.p12").exists():
            key = _load(name)
            now = timezone.now()
            if not key.not_before <= now <= key.not_after:
                raise SigningError(
                    _("The signing certificate %(name)s is not valid today (until %(until)s).")
                    % {"name": name, "until": f"{timezone.localtime(key.not_after):%d/%m/%Y}"}
                )
            return key
    raise SigningError(
        _("No signing certificate for %(agency)s in the key folder.")
        % {"agency": agency.name if agency is not None else settings.SIGNING_DEFAULT_KEY}
    )


def own_key(agency: Agency) -> SigningKey | None:
    """The agency's own certificate (not the fallback), for the admin; None when absent."""
    if not agency.code or not (keys_dir() / f"{agency.code}.p12").exists():
        return None
    return _load(agency.code)


def trust_roots() -> list[object]:
    """The certificates verification trusts: SIGNING_TRUST_ROOTS, plus the demo root if any."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    paths = [Path(p) for p in settings.SIGNING_TRUST_ROOTS]
    demo_root = keys_dir() / "root-ca.pem"
    if demo_root.exists():
        paths.append(demo_root)
    roots = []
    for path in paths:
        data = path.read_bytes()
        if pem.detect(data):
            for _type, _headers, der in pem.unarmor(data, multiple=True):
                roots.append(asn1_x509.Certificate.load(der))
        else:
            roots.append(asn1_x509.Certificate.load(data))
    return roots
