"""Every write of the catalogue, and the rules a procedure sets for the dossiers filed under it."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation

from portal import workdays
from portal.models import Agency, User
from portal.tasks_sending import send, send_on_commit

from .models import (
    DEFAULT_SAME_DAY_CUTOFF,
    CatalogueImport,
    Procedure,
    ProcedureVersion,
    ProcessingUnit,
)

logger = logging.getLogger(__name__)

# How long the progress of a running import is kept in the cache (a dead worker's fades).
PROGRESS_SECONDS = 3600

# --- Versions ------------------------------------------------------------------------------


def procedure_snapshot(procedure: Procedure) -> dict[str, Any]:
    """Everything the public page and a dossier need to know, as plain JSON data."""
    agency = procedure.agency
    department = procedure.department
    documents = list(procedure.documents.all())
    from eforms.selectors import definitions_for_documents  # e-forms build on the catalogue

    eforms = definitions_for_documents(document.pk for document in documents)
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
        # Only when on the list: versions frozen before it stay equal to their procedure.
        **(
            {"filed_regardless_of_boundary": True} if procedure.filed_regardless_of_boundary else {}
        ),
        "decision": procedure.decision,
        "documents": [
            {
                "id": document.pk,
                "name": document.name,
                "copies": document.copies,
                "form": document.form,
                "is_required": document.is_required,
                "template_file": document.template_file.name or "",
                # Only when asked for: versions frozen before it stay equal to their procedure.
                **({"must_be_signed": True} if document.must_be_signed else {}),
                # Only documents filled online carry the key, so older snapshots stay equal.
                **({"eform": eforms[document.pk]} if document.pk in eforms else {}),
            }
            for document in documents
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


def filed_with_any_commune(data: dict[str, Any]) -> bool:
    """Decree 118/2025/NĐ-CP: a commune-level procedure on the province's list of procedures
    received regardless of administrative boundary is filed with any commune or ward of the
    province. ``data``: a version's content (``procedure_snapshot``)."""
    return bool(data.get("filed_regardless_of_boundary")) and (
        data.get("agency", {}).get("level") == Agency.Level.COMMUNE
    )


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
    received on when received *before* the cut-off (15:00 unless the procedure says
    otherwise); from the cut-off on, exactly 15:00 included, within the next working day
    (docs/legal-basis.md, "Same-day procedures").
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


# --- Catalogue import in a worker ----------------------------------------------------------


def _progress_key(import_id: int) -> str:
    return f"catalogue-import:{import_id}:progress"


@transaction.atomic
def catalogue_import_request(
    *, upload: UploadedFile, dry_run: bool, actor: User, language: str
) -> CatalogueImport:
    """Keep the uploaded file (private storage) and queue its import after the commit."""
    job = CatalogueImport(
        original_name=(upload.name or "catalogue.json")[:255],
        dry_run=dry_run,
        language=language[:10],
        requested_by=actor,
    )
    job.file.save("catalogue.json", upload, save=False)
    job.save()
    from .tasks import import_catalogue

    # With the broker down the import waits for `resend_pending_catalogue_imports`.
    send_on_commit(import_catalogue, job.pk)
    return job


def catalogue_import_run(*, import_id: int) -> CatalogueImport | None:
    """Import the stored file: all or nothing. Safe to run twice (only a waiting one runs)."""
    from .catalogue_io import CatalogueImportError, catalogue_import, catalogue_read_json

    with transaction.atomic():
        job = CatalogueImport.objects.select_for_update(skip_locked=True).filter(pk=import_id)
        found = job.select_related("requested_by").first()
        if found is None or found.status != CatalogueImport.Status.PENDING:
            return found
        found.status, found.started_at = CatalogueImport.Status.RUNNING, timezone.now()
        found.save(update_fields=["status", "started_at"])
    job_row = found
    key = _progress_key(job_row.pk)

    def progress(phase: str, done: int, total: int) -> None:
        # The import is one transaction: its progress is seen through the cache, not the row.
        cache.set(key, {"phase": phase, "done": done, "total": total}, PROGRESS_SECONDS)

    status, result, errors = CatalogueImport.Status.DONE, {}, []
    total = None
    try:
        with translation.override(job_row.language), job_row.file.open("rb") as stream:
            data = catalogue_read_json(stream)
            items = data.get("procedures")
            total = len(items) if isinstance(items, list) else None
            CatalogueImport.objects.filter(pk=job_row.pk).update(total=total)
            report = catalogue_import(
                data=data, actor=job_row.requested_by, dry_run=job_row.dry_run, progress=progress
            )
            result = {**report.as_dict(), "summary": report.summary()}
    except CatalogueImportError as error:
        status, errors = CatalogueImport.Status.REFUSED, error.problems
    except Exception as error:
        logger.exception("Catalogue import %s failed", job_row.pk)
        status, result = CatalogueImport.Status.FAILED, {"error": str(error)[:2000]}
    CatalogueImport.objects.filter(pk=job_row.pk).update(
        status=status, result=result, errors=errors, total=total, finished_at=timezone.now()
    )
    cache.delete(key)
    job_row.refresh_from_db()
    return job_row


def catalogue_import_progress(job: CatalogueImport) -> dict[str, Any]:
    """What the progress page shows: the phase and records done of the total so far."""
    total = job.total
    if job.is_finished:
        return {"phase": "finished", "done": total or 0, "total": total or 0}
    if job.status == CatalogueImport.Status.PENDING:
        return {"phase": "waiting", "done": 0, "total": total}
    seen = cache.get(_progress_key(job.pk)) or {}
    return {
        "phase": seen.get("phase", "checking"),
        "done": seen.get("done", 0),
        "total": seen.get("total", total),
    }


def catalogue_import_resend_pending(*, older_than_seconds: float, limit: int = 100) -> int:
    """Send again the imports still waiting after `older_than_seconds`; return how many.

    Their task was lost (broker down when the file was uploaded). Sending twice is harmless:
    only a waiting import runs. Stops at the first broker failure (still down).
    """
    from .tasks import import_catalogue

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    waiting = (
        CatalogueImport.objects.filter(
            status=CatalogueImport.Status.PENDING, created_at__lte=cutoff
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for import_id in list(waiting):
        if not send(import_catalogue, import_id, always_try=True):
            break
        sent += 1
    return sent
