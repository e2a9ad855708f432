"""Applicants' own signatures (level 4): does the signed PDF validate against our trust roots?

The configured roots (SIGNING_TRUST_ROOTS: the national root CA and the licensed CAs whose
citizen certificates the province accepts) decide "valid"; a signature by an unknown authority
is "untrusted", recorded and shown to the desk, which decides; nothing is refused silently.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .verification import Outcome, UnreadablePdf, verify_pdf

NOT_SIGNED = "unsigned"


def check_applicant_signature(data: bytes) -> tuple[str, str]:
    """``(outcome, note)``: valid / untrusted / modified / invalid / unsigned, and who signed."""
    try:
        verdict = verify_pdf(data)
    except UnreadablePdf as error:
        return Outcome.INVALID, str(error)
    if verdict.unsigned:
        return NOT_SIGNED, verdict.message
    note = verdict.message
    if verdict.signer:
        note = _("%(message)s Signed by: %(signer)s.") % {
            "message": verdict.message,
            "signer": verdict.signer,
        }
    return verdict.outcome, note
