"""Inbound SMS lookup: "TRACUU <code>" (any case, with or without diacritics or spaces).

The reply says the state and the appointment date, nothing personal, and goes through the
outbox like every other message (so a gateway outage delays it, never loses it).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from django.db import transaction
from django.utils import timezone

from portal.notifications import notify
from portal.validators import normalise_vn_mobile

from .models import Dossier
from .selectors import dossier_by_code

_COMMAND = re.compile(r"^TRA\s*CUU\s*[:\-]?\s*(?P<code>.*)$")


def _plain(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return " ".join(text.upper().split())


def parse_lookup(text: str) -> str | None:
    """The dossier code asked for, "" for the bare command, None when it is not a lookup."""
    match = _COMMAND.match(_plain(text))
    if match is None:
        return None
    return re.sub(r"\s+", "", match.group("code"))


@transaction.atomic
def sms_lookup_reply(*, sender: str, text: str, message_id: str = "") -> str:
    """Answer one inbound message; returns the template used for the reply."""
    phone = normalise_vn_mobile(sender) or sender.strip()
    key = (
        message_id
        or hashlib.sha256(f"{phone}|{text}|{timezone.now():%Y%m%d%H%M}".encode()).hexdigest()
    )
    code = parse_lookup(text)
    dossier = dossier_by_code(code) if code else None
    if code is None or code == "":
        template, context = "lookup_help", {}
    elif dossier is None:
        template, context = "lookup_not_found", {"code": code}
    else:
        template, context = "lookup_reply", _reply_context(dossier)
    notify(
        template=template,
        context={"code": "", **context},
        dedupe_key=f"sms-in:{key}",
        phone=phone,
        channels=("sms",),
    )
    return template


def _reply_context(dossier: Dossier) -> dict[str, str]:
    appointment = ""
    if dossier.appointment_at and dossier.state in Dossier.OPEN_STATES:
        appointment = timezone.localtime(dossier.appointment_at).strftime("%d/%m/%Y")
    return {
        "code": dossier.code or "",
        "state": str(Dossier.State(dossier.state).label),
        "appointment": appointment,
    }
