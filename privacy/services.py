"""Personal-data rights: sharing records, the copy of one's data, requests about it.

Every request a citizen makes (a copy; a correction, deletion, restriction or objection) is a
``DataRequest`` row and an act in the audit chain (``privacy.export``,
``privacy.<kind>_requested``); IT staff's answers are acts too (``privacy.<kind>_updated``).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit import services as audit
from dossiers import presenters
from dossiers.models import Attachment, Dossier, DossierEvent
from portal import workdays
from portal.models import User

from .models import DataRequest, SharingRecord

# What each recipient receives about the applicant, and why (docs/legal-basis.md).
SHARING = {
    SharingRecord.Recipient.NATIONAL_PORTAL: (
        SharingRecord.Basis.LEGAL_DUTY,
        "Mã hồ sơ, thủ tục, trạng thái, các mốc thời gian, họ tên đã che một phần",
        "Nghị định 118/2025/NĐ-CP (đồng bộ hồ sơ với Cổng Dịch vụ công quốc gia); "
        "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15",
    ),
    SharingRecord.Recipient.PARTNER_API: (
        SharingRecord.Basis.LEGAL_DUTY,
        "Trạng thái hồ sơ và họ tên đã che một phần, khi được hỏi bằng đúng mã hồ sơ",
        "Công khai tình trạng giải quyết hồ sơ (Nghị định 118/2025/NĐ-CP); "
        "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15",
    ),
}

# Kinds of dossier file the applicant sees (inter-agency answers are internal).
_CITIZEN_FILE_KINDS = (Attachment.Kind.DOCUMENT, Attachment.Kind.SUPPLEMENT, Attachment.Kind.RESULT)
_CHUNK = 64 * 1024


class DataRequestError(ValueError):
    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field_errors = field_errors or {}


def sharing_record_for_submission(dossier: Dossier) -> None:
    """Say, once per dossier, to whom its data goes and on what basis (at submission)."""
    for recipient, (basis, shared, reference) in SHARING.items():
        SharingRecord.objects.get_or_create(
            dossier=dossier,
            recipient=recipient,
            defaults={"basis": basis, "data_shared": shared, "legal_reference": reference},
        )


def sharing_records_of(subject: User) -> list[SharingRecord]:
    return list(
        SharingRecord.objects.filter(dossier__applicant=subject)
        .select_related("dossier")
        .order_by("-dossier__submitted_at", "dossier_id", "recipient")
    )


# --- Requests about one's data: correction, deletion, restriction, objection --------------

# Decree 356/2025/NĐ-CP: the controller answers a request within 2 working days of receiving
# it; a restriction of or objection to the processing is carried out within 15 days
# (docs/legal-basis.md).
ANSWER_WORKING_DAYS = 2
CARRY_OUT_DAYS = {DataRequest.Kind.RESTRICTION: 15, DataRequest.Kind.OBJECTION: 15}
HANDLED_KINDS = (
    DataRequest.Kind.CORRECTION,
    DataRequest.Kind.DELETION,
    DataRequest.Kind.RESTRICTION,
    DataRequest.Kind.OBJECTION,
)
# What each request's two fields ask for, in the citizen's words.
_MISSING_FIELD = {
    DataRequest.Kind.CORRECTION: _lazy("Say which information is wrong."),
    DataRequest.Kind.DELETION: _lazy("Say which data you want deleted."),
    DataRequest.Kind.RESTRICTION: _lazy("Say which data or which use of it you want restricted."),
    DataRequest.Kind.OBJECTION: _lazy("Say which use of your data you object to."),
}
_MISSING_DETAILS = {
    DataRequest.Kind.CORRECTION: _lazy(
        "Give the correct information and, if you can, how to check it."
    ),
    DataRequest.Kind.DELETION: _lazy("Give the reason for the deletion."),
    DataRequest.Kind.RESTRICTION: _lazy("Give the reason for the restriction."),
    DataRequest.Kind.OBJECTION: _lazy("Give the reason for the objection."),
}


def _audit_kind(kind: str, step: str) -> str:
    return f"privacy.{kind}_{step}"


@transaction.atomic
def data_request(
    *, subject: User, kind: str, field: str, details: str, ip: str | None
) -> DataRequest:
    """Receive a citizen's request about their data; IT staff are told by e-mail."""
    from portal.notifications.services import notify

    if kind not in HANDLED_KINDS:
        raise DataRequestError(
            _("Choose what you are asking for."),
            field_errors={"kind": _("Choose what you are asking for.")},
        )
    kind = DataRequest.Kind(kind)
    field, details = field.strip(), details.strip()
    errors = {}
    if not field:
        errors["field"] = str(_MISSING_FIELD[kind])
    if not details:
        errors["details"] = str(_MISSING_DETAILS[kind])
    if errors:
        raise DataRequestError(_("The request cannot be sent yet."), field_errors=errors)
    received = timezone.now()
    carry_out = CARRY_OUT_DAYS.get(kind)
    request = DataRequest.objects.create(
        subject=subject,
        kind=kind,
        field=field[:200],
        details=details[:5000],
        answer_due_at=workdays.add_working_days(received, ANSWER_WORKING_DAYS),
        complete_due_at=received + timedelta(days=carry_out) if carry_out else None,
    )
    audit.record(
        kind=_audit_kind(kind, "requested"),
        actor=subject,
        target=f"data-request:{request.pk}",
        ip=ip,
        data={"field": request.field},
    )
    for user in audit.it_staff_to_alert():
        notify(
            template="data_request_received",
            context=_staff_context(request),
            dedupe_key=f"data-request-received:{request.pk}:{user.pk}",
            user=user,
            channels=("email",),
        )
    return request


def _staff_context(request: DataRequest) -> dict[str, str]:
    """What IT staff are told about a request, with the admin page to answer it on."""
    due = request.answer_due_at
    return {
        "code": request.reference,
        "kind": request.get_kind_display(),
        "field": request.field,
        "answer_due": timezone.localtime(due).strftime("%H:%M %d/%m/%Y") if due else "",
        "admin_url": f"{settings.PORTAL_BASE_URL}"
        f"{reverse('admin:privacy_datarequest_change', args=[request.pk])}",
    }


def update_errors(*, status: str, answer: str) -> dict[str, str]:
    """What stops IT staff's answer from being saved: a refusal must give its reason."""
    if status == DataRequest.Status.REFUSED and not answer.strip():
        return {"answer": _("A declined request needs the reason, in the answer to the citizen.")}
    return {}


@transaction.atomic
def data_request_update(
    *, request: DataRequest, status: str, answer: str, actor: User, ip: str | None
) -> DataRequest:
    """IT staff move a request on and answer the citizen, who is told by e-mail and SMS."""
    from portal.notifications.services import notify

    errors = update_errors(status=status, answer=answer)
    if errors:
        raise DataRequestError(next(iter(errors.values())), field_errors=errors)
    answered_now = request.answered_at is None and (
        status != DataRequest.Status.RECEIVED or bool(answer.strip())
    )
    request.status, request.answer, request.handled_by = status, answer, actor
    if answered_now:
        request.answered_at = timezone.now()
    request.save()
    audit.record(
        kind=_audit_kind(request.kind, "updated"),
        actor=actor,
        target=f"data-request:{request.pk}",
        ip=ip,
        data={"status": status},
    )
    notify(
        template="data_request_answered",
        context={
            "applicant_name": request.subject.full_name,
            "code": request.reference,
            "kind": request.get_kind_display(),
            "status": request.get_status_display(),
            "page_url": f"{settings.PORTAL_BASE_URL}{reverse('privacy:index')}",
        },
        dedupe_key=f"data-request-answered:{request.pk}:{status}",
        user=request.subject,
    )
    return request


def requests_overdue(now: datetime | None = None) -> QuerySet[DataRequest]:
    """Requests past their answer time and not answered yet."""
    return DataRequest.objects.filter(
        answered_at__isnull=True, answer_due_at__lt=now or timezone.now()
    )


def data_requests_remind_overdue(*, now: datetime | None = None) -> int:
    """E-mail IT staff once about each request past its answer time and still unanswered.

    Safe to run every hour: one message per request and person, whatever the number of runs.
    Returns the number of overdue requests.
    """
    from portal.notifications.services import notify

    overdue = list(requests_overdue(now).order_by("answer_due_at", "pk"))
    if not overdue:
        return 0
    staff = audit.it_staff_to_alert()
    for request in overdue:
        with transaction.atomic():
            for user in staff:
                notify(
                    template="data_request_overdue",
                    context=_staff_context(request),
                    dedupe_key=f"data-request-overdue:{request.pk}:{user.pk}",
                    user=user,
                    channels=("email",),
                )
    return len(overdue)


def requests_of(subject: User) -> list[DataRequest]:
    return list(DataRequest.objects.filter(subject=subject))


# --- The copy of everything held about a citizen -------------------------------------------


@transaction.atomic
def export_request(*, subject: User, ip: str | None) -> DataRequest:
    """Log the request; the ZIP itself is streamed by ``export_stream``."""
    request = DataRequest.objects.create(
        subject=subject, kind=DataRequest.Kind.EXPORT, status=DataRequest.Status.DONE
    )
    audit.record(
        kind="privacy.export",
        actor=subject,
        target=f"data-request:{request.pk}",
        ip=ip,
    )
    return request


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(obj: Model, names: Iterable[str]) -> dict[str, Any]:
    result = {}
    for name in names:
        display = getattr(obj, f"get_{name}_display", None)
        result[name] = _plain(getattr(obj, name))
        if display is not None:
            result[f"{name}_label"] = str(display())
    return result


def _file_entry(folder: str, pk: int, name: str) -> str:
    safe = name.replace("/", "_").replace("\\", "_") or "file"
    return f"files/{folder}/{pk}-{safe}"


def export_data(subject: User) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """The JSON document and the files (entry name, FieldFile) held about ``subject``."""
    from documents.models import StoredDocument
    from feedback.models import Feedback, Rating
    from payments.models import Payment

    files: list[tuple[str, Any]] = []
    profile = _fields(
        subject,
        ["username", "full_name", "national_id", "email", "phone", "date_joined", "last_login"],
    )
    profile["address"] = subject.address
    dossiers = []
    for dossier in (
        Dossier.objects.filter(applicant=subject)
        .exclude(state=Dossier.State.DRAFT, code__isnull=True, submitted_at__isnull=True)
        .select_related("procedure", "agency")
        .order_by("created_at", "pk")
    ):
        item = _fields(
            dossier,
            [
                "code",
                "state",
                "channel",
                "applicant_name",
                "applicant_national_id",
                "applicant_phone",
                "applicant_email",
                "applicant_address",
                "on_behalf_of",
                "return_method",
                "postal_address",
                "submitted_at",
                "accepted_at",
                "due_at",
                "appointment_at",
                "finished_at",
                "delivered_at",
                "result_text",
                "created_at",
            ],
        )
        item["procedure"] = dossier.procedure.name
        item["agency"] = dossier.agency.name
        # Exactly the timeline the citizen reads on the dossier's page.
        events = list(DossierEvent.objects.filter(dossier=dossier))
        item["events"] = [
            {"at": entry.at, "title": str(entry.title), "text": entry.text, "note": entry.note}
            for entry in presenters.dossier_timeline(dossier, events)
        ]
        item["files"] = []
        attachments = Attachment.objects.filter(dossier=dossier, kind__in=_CITIZEN_FILE_KINDS)
        if dossier.state not in (Dossier.State.DONE,) and dossier.delivered_at is None:
            attachments = attachments.exclude(kind=Attachment.Kind.RESULT)
        for attachment in attachments:
            entry = _file_entry("dossiers", attachment.pk, attachment.original_name)
            files.append((entry, attachment.file))
            item["files"].append(
                {**_fields(attachment, ["kind", "document_name", "sha256"]), "file": entry}
            )
        item["payments"] = [
            _fields(
                payment,
                ["amount", "state", "method", "payer_name", "receipt_number", "paid_at"],
            )
            for payment in Payment.objects.filter(dossier=dossier)
        ]
        rating = Rating.objects.filter(dossier=dossier, rater=subject).first()
        item["rating"] = (
            _fields(rating, ["stars", "good_attitude", "on_time", "clear_guidance", "comment"])
            if rating
            else None
        )
        dossiers.append(item)
    feedback = []
    for entry in Feedback.objects.filter(sender=subject).order_by("received_at", "pk"):
        item = _fields(
            entry, ["code", "subject", "text", "state", "received_at", "answer", "answered_at"]
        )
        if entry.attachment:
            name = _file_entry("feedback", entry.pk, entry.attachment_name or "attachment")
            files.append((name, entry.attachment))
            item["file"] = name
        feedback.append(item)
    store = []
    for stored in StoredDocument.objects.filter(owner=subject).order_by("created_at", "pk"):
        item = _fields(stored, ["source", "kind", "issuer", "original_name", "created_at"])
        if stored.file:
            name = _file_entry("store", stored.pk, stored.original_name)
            files.append((name, stored.file))
            item["file"] = name
        store.append(item)
    document = {
        "generated_at": _plain(timezone.now()),
        "profile": profile,
        "dossiers": dossiers,
        "feedback": feedback,
        "document_store": store,
        "data_sharing": [
            _fields(record, ["recipient", "basis", "data_shared", "legal_reference"])
            | {"dossier": record.dossier.code}
            for record in sharing_records_of(subject)
        ],
        "requests": [
            _fields(request, ["kind", "status", "field", "details", "answer", "created_at"])
            for request in requests_of(subject)
        ],
    }
    return document, files


class _Sink:
    """A write-only stream the ZIP writer fills and the response drains."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def export_stream(subject: User) -> Iterator[bytes]:
    """The ZIP (``du-lieu-ca-nhan.json`` + the files), produced piece by piece."""
    document, files = export_data(subject)
    sink = _Sink()
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        archive.writestr("du-lieu-ca-nhan.json", json.dumps(document, ensure_ascii=False, indent=2))
        yield sink.drain()
        for name, field_file in files:
            try:
                source = field_file.open("rb")
            except (FileNotFoundError, OSError):
                archive.writestr(f"{name}.missing.txt", "File not found in storage.")
                continue
            with source, archive.open(name, mode="w", force_zip64=True) as target:
                while chunk := source.read(_CHUNK):
                    target.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()
