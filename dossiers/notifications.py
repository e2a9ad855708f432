"""Which people hear about which dossier events (DESIGN §7); the outbox does the sending."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from .models import Dossier


def _when(moment) -> str:  # type: ignore[no-untyped-def]
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else ""


def _context(dossier: Dossier, **extra: object) -> dict[str, object]:
    return {
        "code": dossier.code or "",
        "procedure_name": dossier.procedure_version.data.get("name", ""),
        "agency_name": dossier.agency.name,
        "applicant_name": dossier.applicant_name,
        "appointment": _when(dossier.appointment_at),
        "lookup_url": f"{settings.PORTAL_BASE_URL}/tra-cuu/?ma={dossier.code}"
        if dossier.code
        else "",
        **extra,
    }


def _to_applicant(dossier: Dossier, template: str, key: str, **extra: object) -> None:
    from portal.notifications import notify  # the outbox lives in the core app

    notify(
        template=template,
        context=_context(dossier, **extra),
        dedupe_key=f"dossier:{dossier.pk}:{key}",
        user=dossier.applicant,
        email=dossier.applicant_email,
        phone=dossier.applicant_phone,
    )


def _event_key(dossier: Dossier, name: str) -> str:
    # One message per event: the latest event of this kind makes the key unique.
    last = dossier.events.order_by("-pk").values_list("pk", flat=True).first()
    return f"{name}:{last}"


def dossier_received(dossier: Dossier) -> None:
    _to_applicant(dossier, "dossier_received", "received")


def supplement_requested(dossier: Dossier, *, note: str, documents: list[str]) -> None:
    _to_applicant(
        dossier,
        "supplement_requested",
        _event_key(dossier, "supplement"),
        reason=note,
        documents=documents,
    )


def dossier_accepted(dossier: Dossier) -> None:
    _to_applicant(dossier, "dossier_accepted", "accepted")


def dossier_forwarded(dossier: Dossier) -> None:
    _to_applicant(
        dossier,
        "dossier_forwarded",
        "forwarded",
        department_name=dossier.department.name if dossier.department else "",
    )


def dossier_returned(dossier: Dossier, *, reason: str) -> None:
    _to_applicant(dossier, "dossier_returned", "returned", reason=reason)


def dossier_withdrawn(dossier: Dossier) -> None:
    _to_applicant(dossier, "dossier_withdrawn", "withdrawn")


# --- Processing clock, hand-offs and apologies ------------------------------------------


def processing_resumed(dossier: Dossier) -> None:
    _to_applicant(dossier, "dossier_resumed", _event_key(dossier, "resumed"))


def dossier_apology(dossier: Dossier, *, previous: object, reason: str) -> None:
    _to_applicant(
        dossier,
        "dossier_apology",
        _event_key(dossier, "apology"),
        appointment=_when(previous),
        new_appointment=_when(dossier.appointment_at),
        reason=reason,
    )


def to_staff(
    dossier: Dossier, users: object, *, key: str, step_name: str, due: object, url: str
) -> None:
    """Tell staff that a dossier waits for them (a hand-off, an answer, an apology to approve)."""
    from portal.notifications import notify

    for user in users:  # type: ignore[attr-defined]
        notify(
            template="queue_new_dossier",
            context={
                "code": dossier.code or "",
                "procedure_name": dossier.procedure_version.data.get("name", ""),
                "step_name": step_name,
                "due": _when(due),
                "url": f"{settings.PORTAL_BASE_URL}{url}",
                "applicant_name": user.full_name,
            },
            dedupe_key=f"dossier:{dossier.pk}:{_event_key(dossier, key)}:{user.pk}",
            user=user,
            channels=("email",),
        )
