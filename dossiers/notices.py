"""The PDFs handed to the applicant at the desk steps (DESIGN.md §5), made once and stored.

Two sets of forms, chosen by `NOTICE_FORM_SET` and kept on each notice (docs/legal-basis.md):
Circular 03/2025/TT-VPCP (Decree 118/2025/NĐ-CP, the default): Mẫu 01 receipt and appointment,
02 supplement request, 03 refusal, 04 apology and extension request, 05 notice of stopping
processing, 06 control slip, 07 dossier register; Circular 01/2018/TT-VPCP: Mẫu 01 receipt,
02 supplement request, 03 refusal, 04 apology and new appointment, 05 control slip.

A transition calls `schedule()` inside its transaction; the PDF is rendered by a Celery task
after commit (in-process when Celery is eager), so no page waits on WeasyPrint. `render()` is
safe to run twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import numbers
from portal.tasks_sending import send_on_commit
from procedures.models import ProcessingUnit, RequiredDocument, ReturnMethod
from procedures.services import processing_time_for
from signing import services as signing
from signing.errors import SigningError

from .models import Attachment, Dossier, DossierEvent, Notice, RegisterEntry

logger = logging.getLogger(__name__)

TEMPLATES = {
    Notice.Kind.RECEIPT: "dossiers/pdf/receipt.html",
    Notice.Kind.SUPPLEMENT_REQUEST: "dossiers/pdf/supplement_request.html",
    Notice.Kind.REFUSAL: "dossiers/pdf/refusal.html",
    Notice.Kind.APOLOGY: "dossiers/pdf/apology.html",
    Notice.Kind.CONTROL_SLIP: "dossiers/pdf/control_slip.html",
    Notice.Kind.STOP_NOTICE: "dossiers/pdf/stop_notice.html",
}
# The form number of each notice in each set ("Mẫu số 0N"); the 2018 set has no stop notice.
FORM_NUMBERS = {
    Notice.FormSet.CIRCULAR_2025: {
        Notice.Kind.RECEIPT: "01",
        Notice.Kind.SUPPLEMENT_REQUEST: "02",
        Notice.Kind.REFUSAL: "03",
        Notice.Kind.APOLOGY: "04",
        Notice.Kind.STOP_NOTICE: "05",
        Notice.Kind.CONTROL_SLIP: "06",
    },
    Notice.FormSet.CIRCULAR_2018: {
        Notice.Kind.RECEIPT: "01",
        Notice.Kind.SUPPLEMENT_REQUEST: "02",
        Notice.Kind.REFUSAL: "03",
        Notice.Kind.APOLOGY: "04",
        Notice.Kind.CONTROL_SLIP: "05",
    },
}
CIRCULARS = {
    Notice.FormSet.CIRCULAR_2025: "Thông tư số 03/2025/TT-VPCP",
    Notice.FormSet.CIRCULAR_2018: "Thông tư số 01/2018/TT-VPCP",
}
# The event each notice records, when `schedule()` is not told which one.
EVENT_KINDS = {
    Notice.Kind.RECEIPT: DossierEvent.Kind.ACCEPTED,
    Notice.Kind.SUPPLEMENT_REQUEST: DossierEvent.Kind.SUPPLEMENT_REQUESTED,
    Notice.Kind.REFUSAL: DossierEvent.Kind.REFUSED,
    Notice.Kind.APOLOGY: DossierEvent.Kind.APOLOGY_APPROVED,
    Notice.Kind.STOP_NOTICE: DossierEvent.Kind.STOPPED,
}
# Legal form texts: Vietnamese whatever the interface language (STYLE.md).
DOCUMENT_FORMS = {
    RequiredDocument.Form.ORIGINAL: "Bản chính",
    RequiredDocument.Form.CERTIFIED_COPY: "Bản sao chứng thực",
    RequiredDocument.Form.COPY: "Bản sao",
    RequiredDocument.Form.PRESENT: "Bản chính (xuất trình)",
    RequiredDocument.Form.ELECTRONIC: "Bản điện tử",
}
RETURN_METHODS = {
    ReturnMethod.DESK: "Nhận trực tiếp tại Bộ phận tiếp nhận và trả kết quả",
    ReturnMethod.ONLINE: "Nhận trực tuyến trên Cổng dịch vụ công",
    ReturnMethod.POST: "Nhận qua dịch vụ bưu chính công ích",
}
UNITS = {ProcessingUnit.WORKING_DAYS: "ngày làm việc", ProcessingUnit.WORKING_HOURS: "giờ làm việc"}


# --- Scheduling and rendering --------------------------------------------------------------


def schedule(dossier: Dossier, kind: Notice.Kind, *, event: DossierEvent | None = None) -> Notice:
    """Record the notice of a step in the caller's transaction; render it after commit.

    Without `event`, the dossier's latest event of the matching kind is used, so a
    transition needs one line. The same event never gets two notices of a kind.
    """
    if event is None:
        event = dossier.events.filter(kind=EVENT_KINDS[kind]).order_by("-pk").first()
    notice, _created = Notice.objects.get_or_create(
        dossier=dossier, kind=kind, event=event, defaults={"form_set": settings.NOTICE_FORM_SET}
    )
    from .tasks import render_notice  # tasks import this module

    # A broker outage must not turn a committed transition into an error page;
    # `render_pending()` picks up what was not rendered.
    send_on_commit(render_notice, notice.pk)
    return notice


def render(notice_id: int) -> Notice | None:
    """Make the PDF of a notice and store it; a ready notice is left alone.

    Failures are recorded on the notice (status failed, error text) rather than raised, so the
    task can retry and the transition that asked for it is never undone.
    """
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(of=("self",))
            .select_related(
                "dossier__agency",
                "dossier__procedure",
                "dossier__procedure_version",
                "event__actor",
            )
            .filter(pk=notice_id)
            .first()
        )
        if notice is None:
            logger.warning("notice %s does not exist", notice_id)
            return None
        if notice.status == Notice.Status.READY and notice.file:
            return notice
        started = time.perf_counter()
        try:
            pdf = render_pdf(notice)
        except SigningError as error:
            logger.error("notice %s could not be signed: %s", notice_id, error)
            message = _("The document could not be signed: %(reason)s") % {"reason": error}
            notice.status, notice.error = Notice.Status.FAILED, message[:2000]
            notice.save(update_fields=["status", "error"])
            return notice
        except Exception as error:
            logger.exception("notice %s could not be rendered", notice_id)
            notice.status, notice.error = Notice.Status.FAILED, repr(error)[:2000]
            notice.save(update_fields=["status", "error"])
            return notice
        filename = f"{notice.dossier.code or notice.dossier_id}-{notice.kind}.pdf"
        notice.file.save(filename, ContentFile(pdf), save=False)
        notice.status, notice.error, notice.rendered_at = Notice.Status.READY, "", timezone.now()
        notice.save(update_fields=["file", "status", "error", "rendered_at"])
        logger.info(
            "notice %s rendered in %.0f ms", notice_id, (time.perf_counter() - started) * 1000
        )
    return notice


def render_pending(*, older_than_seconds: int = 60, limit: int = 100) -> int:
    """Render notices still pending or failed (lost task, worker down); returns how many."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Notice.objects.filter(
            status__in=[Notice.Status.PENDING, Notice.Status.FAILED], created_at__lt=cutoff
        ).values_list("pk", flat=True)[:limit]
    )
    for notice_id in ids:
        render(notice_id)
    return len(ids)


# --- Reads for the download views ----------------------------------------------------------


def notices_for(dossier: Dossier) -> QuerySet[Notice]:
    """The notices of a dossier, oldest first (the caller has checked who may see it).

    The control slip is the agencies' working paper (it names officers): staff pages only.
    """
    return (
        Notice.objects.filter(dossier=dossier)
        .exclude(kind=Notice.Kind.CONTROL_SLIP)
        .order_by("created_at", "pk")
    )


def notice_file_response(notice: Notice) -> FileResponse:
    """The PDF shown inline in the browser; call it after the permission checks.

    A notice that is not ready yet (worker slow or down) is rendered now: it takes a fraction
    of a second. Raises Http404 when it still cannot be made.
    """
    if notice.status != Notice.Status.READY or not notice.file:
        rendered = render(notice.pk)
        if rendered is None or rendered.status != Notice.Status.READY:
            raise Http404("notice not available")
        notice = rendered
    code = notice.dossier.code or str(notice.dossier_id)
    response = FileResponse(
        notice.file.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"{code}-{notice.kind}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- The PDF -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    number: int
    name: str
    form: str
    copies: int
    received: str


def lookup_url(code: str) -> str:
    return f"{settings.PORTAL_BASE_URL}/tra-cuu/?{urlencode({'ma': code})}"


@cache
def _stylesheet() -> Any:
    from weasyprint import CSS  # heavy import: workers and downloads only

    return CSS(string=render_to_string("dossiers/pdf/notice.css"), font_config=_fonts())


@cache
def _fonts() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def layout(notice: Notice, extra: dict[str, Any] | None = None) -> Any:
    """The laid-out WeasyPrint document of a notice (pages and boxes, before the PDF)."""
    from weasyprint import HTML

    extra = extra or {}
    context = {**notice_context(notice, lookup_qr="verify_qr" not in extra), **extra}
    html = render_to_string(TEMPLATES[Notice.Kind(notice.kind)], context)
    document = HTML(string=html, base_url=str(settings.BASE_DIR))
    return document.render(stylesheets=[_stylesheet()], font_config=_fonts())


def render_pdf(notice: Notice) -> bytes:
    """The notice's PDF, signed with the agency's key (raises SigningError when it cannot be).

    A notice that cannot be signed is not issued: `render()` leaves it failed, with the reason.
    """
    return signing.issue_notice(notice, layout=lambda extra: layout(notice, extra))


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


def _time_and_date(moment: datetime | None) -> str:
    # "08 giờ 30 phút, ngày 24/11/2026", as the forms write it.
    local = _local(moment)
    return local.strftime("%H giờ %M phút, ngày %d/%m/%Y") if local else ""


def _amount(value: int) -> str:
    return numbers.format_vnd(value, unit="đồng")


def _duration(data: dict[str, Any], *, online: bool) -> str:
    if not data.get("processing_time"):
        return ""
    amount, unit = processing_time_for(data, online=online)
    text = format(Decimal(amount).normalize(), "f").replace(".", ",")
    return f"{text} {UNITS.get(ProcessingUnit(unit), '')}".strip()


def _qr_data_uri(url: str) -> str:
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=0, nl=False))


def _documents(dossier: Dossier, data: dict[str, Any]) -> list[DocumentRow]:
    received = set(
        dossier.attachments.filter(
            kind__in=[Attachment.Kind.DOCUMENT, Attachment.Kind.SUPPLEMENT]
        ).values_list("document_id", flat=True)
    )
    rows = []
    for number, document in enumerate(data.get("documents", []), start=1):
        form = document.get("form", "")
        if document.get("id") in received:
            mark = "✓"
        elif form == RequiredDocument.Form.PRESENT and dossier.originals_checked:
            mark = "Đã xuất trình"
        else:
            mark = ""
        rows.append(
            DocumentRow(
                number=number,
                name=document.get("name", ""),
                form=DOCUMENT_FORMS.get(form, ""),
                copies=int(document.get("copies") or 1),
                received=mark,
            )
        )
    return rows


def _fees_paid(dossier: Dossier) -> str:
    """What the applicant paid (refunded when the dossier is refused or stopped), as text."""
    from payments.models import Payment

    paid = sum(
        dossier.payments.filter(state__in=Payment.COLLECTED_STATES).values_list("amount", flat=True)
    )
    return _amount(paid) if paid else ""


def notice_context(notice: Notice, *, lookup_qr: bool = True) -> dict[str, Any]:
    dossier, event = notice.dossier, notice.event
    data: dict[str, Any] = dossier.procedure_version.data
    code = dossier.code or ""
    issued = _local(event.created_at if event else notice.created_at) or timezone.localtime()
    url = lookup_url(code)
    officer = event.actor if event else None
    return_method = RETURN_METHODS.get(ReturnMethod(dossier.return_method), "")
    if dossier.return_method == ReturnMethod.POST and dossier.postal_address:
        return_method = f"{return_method}: {dossier.postal_address}"
    reasons = event.reason if event else ""
    form_set = Notice.FormSet(notice.form_set)
    register = RegisterEntry.objects.filter(dossier=dossier).first()
    prescribed = _duration(data, online=False)
    online = _duration(data, online=True) if dossier.is_online else ""
    return {
        "notice": notice,
        "form_set": form_set.value,
        "form_number": FORM_NUMBERS[form_set].get(Notice.Kind(notice.kind), ""),
        "circular": CIRCULARS[form_set],
        "register": register,
        "prescribed_duration": prescribed,
        "online_duration": online if online and online != prescribed else "",
        "fees_paid": _fees_paid(dossier)
        if notice.kind in (Notice.Kind.REFUSAL, Notice.Kind.STOP_NOTICE)
        else "",
        "dossier": dossier,
        "code": code,
        "agency_name": dossier.agency.name,
        "agency_phone": dossier.agency.hotline or dossier.agency.phone,
        "place": settings.PORTAL_PLACE_NAME,
        "day": f"{issued.day:02d}",
        "month": f"{issued.month:02d}",
        "year": issued.year,
        "procedure_name": data.get("name") or dossier.procedure.name,
        "procedure_code": data.get("code") or dossier.procedure.code,
        "documents": _documents(dossier, data) if notice.kind == Notice.Kind.RECEIPT else [],
        "fees": [
            {"name": fee.get("name", ""), "amount": _amount(fee.get("amount") or 0)}
            for fee in data.get("fees", [])
        ],
        "duration": _duration(data, online=dossier.is_online),
        "submitted_at": _time_and_date(dossier.submitted_at),
        "received_at": _time_and_date(dossier.accepted_at or dossier.submitted_at),
        "appointment_at": _time_and_date(dossier.appointment_at),
        "return_method": return_method,
        "officer_name": officer.full_name if officer else "",
        "requested_documents": list((event.data or {}).get("document_names", [])) if event else [],
        "note": reasons,
        "reasons": [line.strip(" -•\t") for line in reasons.splitlines() if line.strip()],
        "lookup_url": url,
        # A signed notice's QR code is its verification link: the lookup one is not drawn.
        "qr": _qr_data_uri(url) if lookup_qr else "",
        "issued_at": _time_and_date(issued),
        **_deadline_context(notice),
    }


# --- Apology and control slip ----------------------------------------------------------------

RESULTS = {"open": "Đang xử lý", "early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
# Events that change what the control slip shows: a new slip is made after each of them.
SLIP_EVENTS = (
    DossierEvent.Kind.ACCEPTED,
    DossierEvent.Kind.FORWARDED,
    DossierEvent.Kind.HANDOFF_SENT,
    DossierEvent.Kind.HANDOFF_RECEIVED,
    DossierEvent.Kind.HANDOFF_RETURNED,
    DossierEvent.Kind.RESUMED,
    DossierEvent.Kind.APOLOGY_APPROVED,
    DossierEvent.Kind.COMPLETED,
    DossierEvent.Kind.REJECTED,
    DossierEvent.Kind.STOPPED,
)


def _working_hours_text(hours: Decimal) -> str:
    days, rest = divmod(hours, 8)
    parts = []
    if days:
        parts.append(f"{int(days)} ngày")
    if rest:
        parts.append(
            f"{format(rest.quantize(Decimal('0.1')).normalize(), 'f').replace('.', ',')} giờ"
        )
    return "quá " + " ".join(parts) + " làm việc" if parts else ""


def _deadline_context(notice: Notice) -> dict[str, Any]:
    dossier, event = notice.dossier, notice.event
    if notice.kind == Notice.Kind.APOLOGY and event is not None:
        data = event.data or {}
        previous = data.get("previous_appointment_at")
        new = data.get("appointment_at")
        return {
            "apology_reason": event.reason,
            "apology_previous": _time_and_date(datetime.fromisoformat(previous))
            if previous
            else "",
            "apology_new": _time_and_date(datetime.fromisoformat(new)) if new else "",
            "approver_name": event.actor.full_name if event.actor else "",
            "due_at": _time_and_date(dossier.due_at),
        }
    if notice.kind == Notice.Kind.CONTROL_SLIP:
        from .handoffs import process_steps  # hand-offs build on notices

        # Judged as of the event the slip was made for, so a stored slip never changes.
        as_of = event.created_at if event else notice.created_at
        steps = [
            {
                "number": step.number,
                "kind": step.kind,
                "giver": step.giver,
                "receiver": step.receiver,
                "task": step.task,
                "sent_at": _short(step.sent_at),
                "received_at": _short(step.received_at),
                "done_at": _short(step.done_at),
                "due_at": _short(step.due_at),
                "result": RESULTS.get(step.result, ""),
                "late": _working_hours_text(step.late_hours),
            }
            for step in process_steps(dossier, now=as_of)
        ]
        return {
            "steps": steps,
            "due_at": _time_and_date(dossier.due_at),
            "appointment_moved": dossier.appointment_at != dossier.due_at,
            "slip_made_at": _time_and_date(as_of),
        }
    return {}


def _short(moment: datetime | None) -> str:
    local = _local(moment)
    return local.strftime("%H:%M %d/%m/%Y") if local else ""


def control_slip(dossier: Dossier) -> Notice:
    """The control slip as of the dossier's latest step, made on first demand and kept.

    Every step that changes the slip is an event, so a stored slip is reused until the next one.
    """
    event = dossier.events.filter(kind__in=SLIP_EVENTS).order_by("-pk").first()
    notice, _created = Notice.objects.get_or_create(
        dossier=dossier,
        kind=Notice.Kind.CONTROL_SLIP,
        event=event,
        defaults={"form_set": settings.NOTICE_FORM_SET},
    )
    if notice.status != Notice.Status.READY:
        notice = render(notice.pk) or notice
    return notice
