"""Issuing signed PDFs: a verification record first, its QR code in the PDF, then the signature."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Notice

from . import keys, pdf
from .models import SignedDocument

SIGNATURE_BOX_ID = "signature-box"


def verification_url(token: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{reverse('signing:verify_token', kwargs={'token': token})}"


def _qr(url: str) -> str:
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=0, nl=False))


def signature_context(document: SignedDocument, key: keys.SigningKey) -> dict[str, Any]:
    """What a template needs to show a document's signature and its own verification link."""
    url = verification_url(document.token)
    now = timezone.localtime()
    return {
        "verify_url": url,
        "verify_qr": _qr(url),
        "verify_keywords": f"xac-thuc:{document.token}",
        "signature": {
            "signer": key.common_name,
            "agency": document.issuer,
            "time": f"{now:%H:%M} ngày {now:%d/%m/%Y}",
            "box_id": SIGNATURE_BOX_ID,
        },
    }


def notice_signature_context(
    notice: Notice,
) -> tuple[SignedDocument, keys.SigningKey, dict[str, Any]]:
    """The verification record of a notice and what its template needs to show the signature.

    Raises SigningError when the agency has no usable key: the notice is then not issued.
    """
    dossier = notice.dossier
    document, _created = SignedDocument.objects.get_or_create(
        notice=notice,
        defaults={
            "kind": notice.kind,
            "dossier": dossier,
            "dossier_code": dossier.code or "",
            "agency": dossier.agency,
        },
    )
    key = keys.key_for(dossier.agency)
    return document, key, signature_context(document, key)


def sign_layout(
    document: SignedDocument,
    *,
    layout: Callable[[dict[str, Any]], Any],
    reason: str,
    visible: bool = True,
) -> bytes:
    """Lay out (``layout(extra_context)`` returns the WeasyPrint document), sign and record.

    Raises SigningError when the agency has no usable key: the document is then not issued.
    """
    key = keys.key_for(document.agency)
    extra = signature_context(document, key)
    if not visible:
        extra.pop("signature")
    rendered = layout(extra)
    box = pdf.find_box(rendered, SIGNATURE_BOX_ID) if visible else None
    signed = pdf.sign_pdf(rendered.write_pdf(), key=key, reason=reason, box=box)
    _record_issued(document, signed, key)
    return signed


def sign_file(document: SignedDocument, data: bytes, *, reason: str) -> bytes:
    """Sign a PDF made elsewhere (a result file uploaded by a specialist): invisible signature."""
    key = keys.key_for(document.agency)
    signed = pdf.sign_pdf(data, key=key, reason=reason)
    _record_issued(document, signed, key)
    return signed


def _record_issued(document: SignedDocument, signed: bytes, key: keys.SigningKey) -> None:
    document.status = SignedDocument.Status.ISSUED
    document.sha256 = hashlib.sha256(signed).hexdigest()
    document.signer = key.subject
    document.certificate_serial = key.serial
    document.signed_at = timezone.now()
    document.error = ""
    document.save(
        update_fields=["status", "sha256", "signer", "certificate_serial", "signed_at", "error"]
    )


def issue_notice(notice: Notice, *, layout: Callable[[dict[str, Any]], Any]) -> bytes:
    """The signed PDF of a notice; ``layout(extra_context)`` returns the WeasyPrint document."""
    document, _key, _extra = notice_signature_context(notice)
    return sign_layout(document, layout=layout, reason=notice.get_kind_display())
