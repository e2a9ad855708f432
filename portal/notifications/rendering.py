"""Rendering of notification templates, at send time, in the notification's language.

Each event has four templates under ``templates/notifications/``: ``<name>.subject.txt``,
``<name>.txt`` and ``<name>.html`` (e-mail, the HTML extends ``notifications/email_base.html``)
and ``<name>.sms.txt``. Text is written in English msgids and translated to Vietnamese in
``locale/``; SMS are then stripped of diacritics and must fit one 160-character GSM-7 segment.

Context values are plain JSON (strings, numbers, lists): dates come pre-formatted as
``HH:MM dd/mm/yyyy`` and amounts as text (``"1.500.000 đ"``). Every template may also use
``applicant_name`` (greeting; e-mail only), ``portal_name`` and ``hotline`` (added here).

=====================  ==========================================================================
template               context keys
=====================  ==========================================================================
dossier_received       code, procedure_name, agency_name, lookup_url
supplement_requested   code, procedure_name, reason, documents (list of str), lookup_url
dossier_accepted       code, procedure_name, agency_name, appointment, lookup_url
dossier_forwarded      code, procedure_name, agency_name, department_name, lookup_url
dossier_resumed        code, procedure_name, agency_name, appointment, lookup_url
dossier_apology        code, procedure_name, agency_name, appointment (old), new_appointment,
                       reason, lookup_url
result_ready           code, procedure_name, agency_name, lookup_url
result_delivered       code, procedure_name, agency_name, method (desk / online / post),
                       delivered_at, tracking_number and carrier (post), collector_name
                       (desk), lookup_url
dossier_returned       code, procedure_name, reason, lookup_url
dossier_withdrawn      code, procedure_name, lookup_url
payment_received       code, procedure_name, amount, lookup_url
payment_refunded       code, procedure_name, amount, reason, lookup_url
feedback_received      code (feedback reference), agency_name, lookup_url
feedback_answered      code (feedback reference), agency_name, lookup_url
booking_confirmed      code (booking code), procedure_name, agency_name, address, appointment,
                       booking_url
booking_reminder       code (booking code), procedure_name, agency_name, address, appointment,
                       booking_url
queue_new_dossier      code, procedure_name, step_name, due, url            (staff)
dossier_due_soon       code, procedure_name, due, url                       (staff)
dossier_overdue        code, procedure_name, due, url                       (staff)
forward_breach         code, procedure_name, received_at, agency_name, url  (staff)
feedback_due           code (feedback reference), agency_name, due, url     (staff)
payment_alert          code, procedure_name, amount, alert, url             (staff)
=====================  ==========================================================================
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext_lazy as _

CITIZEN_TEMPLATES = (
    "dossier_received",
    "supplement_requested",
    "dossier_accepted",
    "dossier_forwarded",
    "dossier_resumed",
    "dossier_apology",
    "result_ready",
    "result_delivered",
    "dossier_returned",
    "dossier_withdrawn",
    "payment_received",
    "payment_refunded",
    "feedback_received",
    "feedback_answered",
    "booking_confirmed",
    "booking_reminder",
    "data_request_answered",
)
STAFF_TEMPLATES = (
    "queue_new_dossier",
    "dossier_due_soon",
    "dossier_overdue",
    "forward_breach",
    "feedback_due",
    "payment_alert",
)
TEMPLATES = frozenset(CITIZEN_TEMPLATES + STAFF_TEMPLATES)
# Replies to inbound SMS: text messages only.
SMS_ONLY_TEMPLATES = frozenset(("lookup_reply", "lookup_not_found", "lookup_help"))
# Alerts to IT staff about the system itself (no dossier): e-mail only.
EMAIL_ONLY_TEMPLATES = frozenset(
    ("audit_chain_broken", "data_request_received", "data_request_overdue")
)

# What each message is, in the words the IT staff read in the admin's outbox.
TEMPLATE_LABELS = {
    "dossier_received": _("Dossier received"),
    "supplement_requested": _("Supplement requested"),
    "dossier_accepted": _("Dossier accepted"),
    "dossier_forwarded": _("Dossier forwarded"),
    "dossier_resumed": _("Processing resumed"),
    "dossier_apology": _("Apology and new appointment"),
    "result_ready": _("Result ready"),
    "result_delivered": _("Result delivered"),
    "dossier_returned": _("Dossier returned"),
    "dossier_withdrawn": _("Dossier withdrawn"),
    "payment_received": _("Payment received"),
    "payment_refunded": _("Payment refunded"),
    "feedback_received": _("Feedback received"),
    "feedback_answered": _("Feedback answered"),
    "booking_confirmed": _("Desk appointment booked"),
    "booking_reminder": _("Desk appointment reminder"),
    "queue_new_dossier": _("New dossier in the queue"),
    "dossier_due_soon": _("Dossier due soon"),
    "dossier_overdue": _("Dossier overdue"),
    "forward_breach": _("Forwarding time exceeded"),
    "feedback_due": _("Feedback answer due"),
    "payment_alert": _("Payment alert"),
    "lookup_reply": _("Reply to an SMS lookup"),
    "lookup_not_found": _("SMS lookup: code not found"),
    "lookup_help": _("SMS lookup: how to use"),
    "audit_chain_broken": _("Audit record broken"),
    "data_request_received": _("Personal-data request to answer"),
    "data_request_answered": _("Personal-data request answered"),
    "data_request_overdue": _("Personal-data request past its answer time"),
}


def template_label(template: str) -> str:
    """The label of a message template; a template without one shows its name."""
    return str(TEMPLATE_LABELS.get(template, template))


SMS_SEGMENT = 160
# GSM 03.38 basic character set restricted to ASCII; the extension characters cost two septets.
_GSM7_BASIC = set(
    "@$\n\r _!\"#%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)
_GSM7_EXTENSION = set("^{}\\[~]|")
_TYPOGRAPHY = str.maketrans(
    {
        "đ": "d",
        "Đ": "D",
        "–": "-",
        "—": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "«": '"',
        "»": '"',
        "`": "'",
        "\u00a0": " ",
    }
)


def _render(name: str, context: dict[str, Any], *, autoescape: bool) -> str:
    # Plain-text parts are not HTML: an agency called "A & B" must not become "A &amp; B".
    template = get_template(name).template  # type: ignore[attr-defined]
    return str(template.render(Context(context, autoescape=autoescape)))


def _full_context(context: dict[str, Any]) -> dict[str, Any]:
    return {
        "portal_name": settings.PORTAL_NAME,
        "hotline": settings.PORTAL_OPERATOR["hotline"],
        **context,
    }


def render_email(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Return (subject, plain text, HTML) of an e-mail."""
    full = _full_context(context)
    with translation.override(language):
        subject = _render(f"notifications/{template}.subject.txt", full, autoescape=False)
        text = _render(f"notifications/{template}.txt", full, autoescape=False)
        html = _render(f"notifications/{template}.html", full, autoescape=True)
    return " ".join(subject.split()), _tidy_text(text), html


def render_sms(template: str, context: dict[str, Any], language: str) -> str:
    """Return the text of an SMS: one line, GSM-7 safe ASCII, without Vietnamese diacritics."""
    with translation.override(language):
        text = _render(
            f"notifications/{template}.sms.txt", _full_context(context), autoescape=False
        )
    return sms_safe(" ".join(text.split()))


def sms_safe(text: str) -> str:
    """Vietnamese without diacritics ("Hồ sơ đã được tiếp nhận" → "Ho so da duoc tiep nhan")."""
    text = unicodedata.normalize("NFD", text.translate(_TYPOGRAPHY))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).translate(_TYPOGRAPHY)
    return "".join(ch if ch in _GSM7_BASIC or ch in _GSM7_EXTENSION else "?" for ch in text)


def sms_length(text: str) -> int:
    """Length in GSM-7 septets, the unit of the 160-character segment."""
    return sum(2 if ch in _GSM7_EXTENSION else 1 for ch in text)


def _tidy_text(text: str) -> str:
    # Template tags leave blank lines behind; keep at most one empty line between paragraphs.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
