"""Checking a PDF someone brings: is its signature ours, intact, trusted, and the copy we issued?"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from .keys import trust_roots
from .models import SignedDocument
from .threads import outside_event_loop

logger = logging.getLogger(__name__)

# The PDF's keywords carry its verification token (written by the notice template).
TOKEN_IN_PDF = re.compile(r"xac-thuc:([A-Za-z0-9_-]{16,32})")


class Outcome:
    VALID = "valid"
    MODIFIED = "modified"  # changed after signing (or extra content appended)
    UNTRUSTED = "untrusted"  # intact, but the certificate does not chain to our trust roots
    INVALID = "invalid"  # not signed, or the signature itself is broken


@dataclass
class Verdict:
    outcome: str
    message: str
    signer: str = ""
    signed_at: datetime | None = None
    sha256: str = ""
    document: SignedDocument | None = None
    matches_issued_copy: bool = False
    unsigned: bool = False  # no signature at all (as opposed to a broken one)

    def as_json(self) -> dict[str, Any]:
        doc = self.document
        return {
            "outcome": self.outcome,
            "message": self.message,
            "signer": self.signer,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "sha256": self.sha256,
            "matches_issued_copy": self.matches_issued_copy,
            "document": None
            if doc is None
            else {
                "kind": doc.kind,
                "kind_name": doc.get_kind_display(),
                "dossier_code": doc.dossier_code,
                "agency": doc.issuer,
                "signed_at": doc.signed_at.isoformat() if doc.signed_at else None,
                "signer": doc.signer,
            },
        }


class UnreadablePdf(Exception):
    """The upload is not a PDF we can read; the message says why, for the person."""


def _token_in(reader: Any) -> str | None:
    try:
        keywords = str(reader.trailer["/Info"].get("/Keywords", ""))
    except Exception:  # no or broken info dictionary: nothing to read
        return None
    found = TOKEN_IN_PDF.search(keywords)
    return found.group(1) if found else None


def _issued_record(reader: Any, digest: str, token: str | None) -> SignedDocument | None:
    issued = SignedDocument.objects.select_related("agency")
    by_hash = issued.filter(sha256=digest, status=SignedDocument.Status.ISSUED).first()
    if by_hash is not None:
        return by_hash
    token = token or _token_in(reader)
    if token is None:
        return None
    return issued.filter(token=token, status=SignedDocument.Status.ISSUED).first()


def verify_pdf(data: bytes, *, token: str | None = None) -> Verdict:
    """The verdict on an uploaded PDF; raises UnreadablePdf for what is not a readable PDF."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if not data.lstrip()[:5] == b"%PDF-":
        raise UnreadablePdf(_("This file is not a PDF document."))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise UnreadablePdf(
                _("This PDF is password-protected; upload the file as it was issued.")
            )
        signatures = list(reader.embedded_signatures)
    except UnreadablePdf:
        raise
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        logger.info("unreadable PDF uploaded for verification: %r", error)
        raise UnreadablePdf(_("This PDF is damaged and cannot be read.")) from error
    digest = hashlib.sha256(data).hexdigest()
    record = _issued_record(reader, digest, token)
    matches = record is not None and record.sha256 == digest
    if not signatures:
        return Verdict(
            outcome=Outcome.INVALID,
            message=_("This PDF carries no digital signature."),
            sha256=digest,
            document=record,
            matches_issued_copy=matches,
            unsigned=True,
        )
    try:
        # The last signature covers the most: it speaks for the file as uploaded.
        context = ValidationContext(trust_roots=trust_roots())
        status = outside_event_loop(lambda: validate_pdf_signature(signatures[-1], context))
    except Exception as error:  # a malformed signature dictionary is "invalid", not a 500
        logger.info("signature could not be validated: %r", error)
        return Verdict(
            outcome=Outcome.INVALID,
            message=_("The signature of this PDF is damaged and cannot be checked."),
            sha256=digest,
            document=record,
            matches_issued_copy=matches,
        )
    if not status.intact or not status.valid:
        outcome, message = Outcome.MODIFIED, _("This document was modified after it was signed.")
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        outcome = Outcome.MODIFIED
        message = _("Content was added to this document after it was signed.")
    elif not status.trusted:
        outcome = Outcome.UNTRUSTED
        message = _(
            "The signature is intact, but its certificate was not issued by an authority "
            "this portal trusts."
        )
    else:
        outcome = Outcome.VALID
        message = _("The signature is valid: this document is unchanged since it was signed.")
    return Verdict(
        outcome=outcome,
        message=message,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signed_at=status.signer_reported_dt,
        sha256=digest,
        document=record,
        matches_issued_copy=matches,
    )
