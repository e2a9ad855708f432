"""Every write of the catalogue, and the rules a procedure sets for the dossiers filed under it."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal import workdays
from portal.models import User

from .models import (
    DEFAULT_SAME_DAY_CUTOFF,
    Procedure,
    ProcedureVersion,
    ProcessingUnit,
)

# --- Versions ------------------------------------------------------------------------------


def procedure_snapshot(procedure: Procedure) -> dict[str, Any]:
    """Everything the public page and a dossier need to know, as plain JSON data."""
    agency = procedure.agency
    department = procedure.department
    return {
        "code": procedure.code,
        "name": procedure.name,
        "sector": {"code": procedure.sector.code, "name": procedure.sector.name},
        "agency": {
            "code": agency.code,
            "name": agency.name,
            "level": agency.level,
            "address": agency.address,
            "phone": agency.phone,
            "hotline": agency.hotline,
            "email": agency.email,
        },
        "department": ({"code": department.code, "name": department.name} if department else None),
        "level": procedure.level,
        "processing_time": str(procedure.processing_time.normalize()),
        "processing_unit": procedure.processing_unit,
        "processing_time_online": (
            str(procedure.processing_time_online.normalize())
            if procedure.processing_time_online is not None
            else None
        ),
        "same_day_cutoff": (
            procedure.same_day_cutoff.strftime("%H:%M") if procedure.same_day_cutoff else None
        ),
        "processing_note": procedure.processing_note,
        "submission_channels": list(procedure.submission_channels),
        "return_methods": list(procedure.return_methods),
        "result": procedure.result,
        "legal_bases": list(procedure.legal_bases),
        "fee_due": procedure.fee_due,
        "fee_note": procedure.fee_note,
        "online_payment_allowed": procedure.online_payment_allowed,
        "requires_leader_approval": procedure.requires_leader_approval,
        "decision": procedure.decision,
        "documents": [
            {
                "id": document.pk,
                "name": document.name,
                "copies": document.copies,
                "form": document.form,
                "is_required": document.is_required,
                "template_file": document.template_file.name or "",
            }
            for document in procedure.documents.all()
        ],
        "fees": [
            {
                "name": fee.name,
                "kind": fee.kind,
                "amount": fee.amount,
                "exemptions": fee.exemptions,
            }
            for fee in procedure.fees.all()
        ],
        "steps": [
            {
                "agency": {"code": step.agency.code, "name": step.agency.name},
                "description": step.description,
                "working_days": str(step.working_days.normalize()),
            }
            for step in procedure.steps.select_related("agency")
        ],
    }


def _freeze(procedure: Procedure, actor: User | None) -> ProcedureVersion | None:
    """A new version when the content differs from the current one; None when it does not."""
    data = procedure_snapshot(procedure)
    current = procedure.current_version
    if current is not None and current.data == data:
        return None
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first()
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=(last or 0) + 1, data=data, published_by=actor
    )
    procedure.current_version = version
    procedure.save(update_fields=["current_version", "updated_at"])
    return version


@transaction.atomic
def procedure_publish(*, procedure: Procedure, actor: User | None) -> ProcedureVersion | None:
    """Publish a procedure; its content is frozen as a new version if it changed."""
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if not procedure.is_published:
        procedure.is_published = True
        procedure.save(update_fields=["is_published", "updated_at"])
    return _freeze(procedure, actor)


@transaction.atomic
def procedure_unpublish(*, procedure: Procedure, actor: User | None) -> None:
    """Take a procedure off the public catalogue; its versions stay for the dossiers."""
    Procedure.objects.filter(pk=procedure.pk).update(is_published=False, updated_at=timezone.now())


@transaction.atomic
def procedure_record_edit(*, procedure: Procedure, actor: User | None) -> ProcedureVersion | None:
    """After an edit: a published procedure gets a new version, older ones stay readable."""
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if not procedure.is_published:
        return None
    return _freeze(procedure, actor)


# --- Processing time -----------------------------------------------------------------------


def processing_time_for(data: dict[str, Any], *, online: bool) -> tuple[Decimal, str]:
    """The time limit a dossier gets under this version: (amount, unit).

    Online dossiers get the time the national database publishes for them (capped at the
    published time), or else half the time for procedures of two working days or more when
    the province's halving policy is on.
    """
    amount = Decimal(data["processing_time"])
    unit = data["processing_unit"]
    if not online:
        return amount, unit
    if data.get("processing_time_online"):
        # Never longer than the published time (DESIGN rule 7), whatever a record says.
        return min(Decimal(data["processing_time_online"]), amount), unit
    if settings.ONLINE_HALVING_ENABLED and unit == ProcessingUnit.WORKING_DAYS and amount >= 2:
        return amount / 2, unit
    return amount, unit


def due_at(data: dict[str, Any], *, received_at: datetime, online: bool) -> datetime:
    """When a dossier received at `received_at` must be settled.

    Same-day procedures (time in working hours) are settled within the working day they are
    received on; those received after the cut-off (15:00 unless the procedure says otherwise)
    within the next working day.
    """
    amount, unit = processing_time_for(data, online=online)
    if unit != ProcessingUnit.WORKING_HOURS:
        return workdays.add_working_days(received_at, amount)
    cutoff = (
        time.fromisoformat(data["same_day_cutoff"])
        if data.get("same_day_cutoff")
        else DEFAULT_SAME_DAY_CUTOFF
    )
    start = timezone.localtime(workdays.next_working_moment(received_at))
    if start.time() >= cutoff:
        start = timezone.localtime(
            workdays.next_working_moment(start.replace(hour=23, minute=59, second=59))
        )
    close = start.replace(
        hour=settings.OFFICE_HOURS[-1][1].hour,
        minute=settings.OFFICE_HOURS[-1][1].minute,
        second=0,
        microsecond=0,
    )
    return min(workdays.add_working_hours(start, amount), close)
