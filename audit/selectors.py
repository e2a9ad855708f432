"""Reads of the audit record for the people it is about."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.db.models import Count, Max

from .models import AuditRecord

ACCESS_KINDS = ("access.dossier", "access.file")


class UnitAccess(TypedDict):
    unit: str
    last_at: datetime
    times: int


def units_that_opened(*, dossier_id: int) -> list[UnitAccess]:
    """Which agencies' units opened a dossier or its files: units only, never persons."""
    rows = (
        AuditRecord.objects.filter(
            dossier_id=dossier_id, kind__in=["access.dossier", "access.file"]
        )
        .exclude(unit="")
        .values("unit")
        .annotate(last_at=Max("recorded_at"), times=Count("id"))
        .order_by("-last_at")
    )
    return [UnitAccess(unit=r["unit"], last_at=r["last_at"], times=r["times"]) for r in rows]
