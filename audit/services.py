"""Appending to the audit record and checking it (call sites: ``audit.record(...)``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.models import User
from portal.roles import Role

from . import chain
from .models import AuditRecord, ChainVerification

logger = logging.getLogger(__name__)


def actor_unit(user: User | None) -> str:
    """The agency and department a staff member acts for; empty for citizens and the system."""
    if user is None or not user.is_authenticated:
        return ""
    names = []
    if user.agency_id:
        names.append(user.agency.name)  # type: ignore[union-attr]
    if user.department_id:
        names.append(user.department.name)  # type: ignore[union-attr]
    return " – ".join(names)


def record(
    *,
    kind: str,
    actor: User | None = None,
    dossier_id: int | None = None,
    target: str = "",
    ip: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append one act to the chain in the caller's transaction (kept or undone with it)."""
    person = actor if actor is not None and actor.is_authenticated else None
    return chain.append(
        kind=kind,
        actor_id=person.pk if person else None,
        actor_name=(person.get_full_name() or person.username) if person else "",
        unit=actor_unit(actor),
        dossier_id=dossier_id,
        target=target,
        ip=ip,
        data=data,
    )


def it_staff_to_alert() -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.IT_ADMIN.value) | Q(is_superuser=True))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def audit_chain_verify(*, batch: int = chain.VERIFY_BATCH) -> ChainVerification:
    """Check the whole chain, store the outcome, and e-mail IT staff when it is broken."""
    from portal.notifications.services import notify

    started = timezone.now()
    last_ok = ChainVerification.objects.filter(ok=True, head_id__isnull=False).first()
    checkpoint = (last_ok.head_id, last_ok.head_hash) if last_ok and last_ok.head_id else None
    result = chain.verify(checkpoint=checkpoint, batch=batch)
    with transaction.atomic():
        verification = ChainVerification.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            ok=result.ok,
            rows_checked=result.rows_checked,
            head_id=result.head_id,
            head_hash=result.head_hash,
            broken_id=result.broken_id,
            problem=result.problem,
        )
        if not result.ok:
            logger.error("Audit chain broken at row %s: %s", result.broken_id, result.problem)
            for user in it_staff_to_alert():
                notify(
                    template="audit_chain_broken",
                    context={
                        "broken_id": result.broken_id,
                        "problem": result.problem,
                        "rows_checked": result.rows_checked,
                        "checked_at": timezone.localtime(started).strftime("%d/%m/%Y %H:%M"),
                    },
                    dedupe_key=f"audit-chain-broken:{verification.pk}:{user.pk}",
                    user=user,
                    channels=("email",),
                )
    return verification


def staff_access_record(
    *, user: User, dossier_id: int, target: str = "", ip: str | None = None
) -> AuditRecord | None:
    """A staff member opened a citizen's dossier page or one of its files (who, when, what, IP).

    Citizens opening their own dossier are not recorded: the record is about staff access.
    """
    if not user.is_authenticated or not user.is_officer:
        return None
    return record(
        kind="access.file" if target.startswith("attachment:") else "access.dossier",
        actor=user,
        dossier_id=dossier_id,
        target=target or f"dossier:{dossier_id}",
        ip=ip,
    )
