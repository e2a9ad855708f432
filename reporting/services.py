"""Preparing reports: requested by IT staff or leaders, computed in a worker, then frozen."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import Agency, User
from portal.roles import Role
from portal.tasks_sending import send, send_on_commit

from . import exports
from .figures import AGENCY, PROVINCE, SECTOR, Scope, dossier_figures
from .models import Report
from .periods import Period

logger = logging.getLogger(__name__)


def can_see_all_reports(user: User) -> bool:
    return bool(
        user.is_active
        and (
            user.is_superuser
            or user.has_role(Role.IT_ADMIN)
            or user.has_perm("reporting.view_all_reports")
        )
    )


def can_request(user: User, scope: Scope) -> bool:
    if can_see_all_reports(user):
        return True
    return bool(
        user.is_active
        and user.has_role(Role.LEADER)
        and scope.kind == AGENCY
        and scope.agency_id == user.agency_id
    )


def report_scope(report: Report) -> Scope:
    return Scope(
        report.scope_kind,
        agency_id=report.agency_id,
        sector_id=report.sector_id,
        agencies_now=report.agencies_now,
    )


def report_period(report: Report) -> Period:
    return Period(report.period_start, report.period_end, report.period_label)


def _scope_key(scope: Scope) -> str:
    # Counting by the agency as it is now is another report of the same period and scope.
    suffix = ":now" if scope.agencies_now else ""
    if scope.kind == AGENCY:
        return f"agency:{scope.agency_id}{suffix}"
    if scope.kind == SECTOR:
        return f"sector:{scope.sector_id}{suffix}"
    return f"{PROVINCE}{suffix}"


def report_request(
    *, period: Period, scope: Scope, actor: User | None, automatic: bool = False
) -> Report:
    """A new report for the period and scope, prepared in a worker after the commit.

    Automatic (end-of-period) reports exist once per period and scope: asking again returns
    the existing one.
    """
    if actor is not None and not can_request(actor, scope):
        raise PermissionDenied(_("You may only prepare reports of your own agency."))
    title = _("Report on administrative procedures – %(period)s – %(scope)s") % {
        "period": period.label,
        "scope": scope.label(),
    }
    fields = {
        "title": title[:255],
        "period_start": period.start,
        "period_end": period.end,
        "period_label": period.label,
        "scope_kind": scope.kind,
        "scope_key": _scope_key(scope),
        "agency_id": scope.agency_id,
        "sector_id": scope.sector_id,
        "agencies_now": scope.agencies_now,
        "automatic": automatic,
        "requested_by": actor,
    }
    if automatic:
        existing = Report.objects.filter(
            automatic=True,
            period_start=period.start,
            period_end=period.end,
            scope_key=fields["scope_key"],
        ).first()
        if existing:
            return existing
        try:
            with transaction.atomic():
                report = Report.objects.create(**fields)
        except IntegrityError:  # a second beat got there first
            return Report.objects.get(
                automatic=True,
                period_start=period.start,
                period_end=period.end,
                scope_key=fields["scope_key"],
            )
    else:
        report = Report.objects.create(**fields)
    from .tasks import generate_report

    # With the broker down the report stays pending until `resend_pending_reports` sends it.
    send_on_commit(generate_report, report.pk)
    return report


def report_resend_pending(*, older_than_seconds: float, limit: int = 100) -> int:
    """Send again the reports still waiting after `older_than_seconds`; return how many.

    Their task was lost (the broker was down when they were requested, or the message was
    dropped). Sending twice is harmless: a report picked up already is no longer pending,
    and a ready report is left alone. Stops at the first broker failure (still down).
    """
    from .tasks import generate_report

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    waiting = (
        Report.objects.filter(status=Report.Status.PENDING, created_at__lte=cutoff)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for report_id in list(waiting):
        if not send(generate_report, report_id, always_try=True):
            break
        sent += 1
    return sent


def _progress(report_id: int, progress: int, **fields: Any) -> None:
    Report.objects.filter(pk=report_id).update(progress=progress, **fields)


def report_generate(*, report_id: int) -> Report | None:
    """Compute and freeze the figures; safe to run twice (a ready report is left alone)."""
    with transaction.atomic():
        report = Report.objects.select_for_update(skip_locked=True).filter(pk=report_id).first()
        if report is None or report.status == Report.Status.READY:
            return report
        report.status, report.progress, report.error = Report.Status.RUNNING, 5, ""
        report.save(update_fields=["status", "progress", "error"])
    try:
        period, scope = report_period(report), report_scope(report)
        now = timezone.now()
        figures = dossier_figures(period, scope, as_of=now)
        _progress(report_id, 70)
        data = {
            "title": report.title,
            "period": period.as_dict(),
            "scope": {**scope.as_dict(), "label": scope.label()},
            "generated_at": now.isoformat(),
            # A period not yet ended is counted as of now (figures.py); the exports say so.
            "period_running": period.is_running(now),
            "counted_until": period.counted_until(now).isoformat(),
            **figures,
        }
        data.update(_other_sections(period, scope))
    except Exception as error:
        logger.exception("Report %s failed", report_id)
        _progress(report_id, 0, status=Report.Status.FAILED, error=str(error)[:2000])
        raise
    try:
        # Rendered once, here: downloads and e-mails send the stored files (report_file).
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report_id)
            if report.status == Report.Status.READY:
                return report
            report.data = data
            report.status, report.progress = Report.Status.READY, 100
            report.finished_at = timezone.now()
            # Saved first: the signed PDF is laid out from the row as stored (signing.issuing).
            report.save(update_fields=["data", "status", "progress", "finished_at"])
            _store_files(report)
            report.save(update_fields=[f"{fmt}_file" for fmt in Report.FORMATS])
            if not report.pdf_file:  # not signed yet: the signing sweep issues it
                exports.schedule_signed_pdf(report)
    except Exception as error:
        logger.exception("Report %s failed", report_id)
        _progress(report_id, 0, status=Report.Status.FAILED, error=str(error)[:2000])
        raise
    return report


RENDERERS = {
    "xlsx": exports.report_xlsx,
    "csv": exports.report_csv,
}


def _store_files(report: Report, formats: tuple[str, ...] = Report.FORMATS) -> None:
    """Render the frozen figures in each format and store the files (private storage).

    The exports are official documents: in Vietnamese whoever prepared or asks for them.
    Only sets the fields; the caller saves the row.
    """
    from signing.issuing import NotIssued

    name = exports.file_name(report)
    with translation.override("vi"):
        for fmt in formats:
            if fmt == "pdf":
                # Named once it is signed, if not now (report_file, the signing sweep).
                with contextlib.suppress(NotIssued):
                    report.pdf_file.name = exports.signed_pdf_name(report)
                continue
            content = RENDERERS[fmt](report)
            report.stored_file(fmt).save(f"{name}.{fmt}", ContentFile(content), save=False)


def report_file(*, report: Report, fmt: str) -> FieldFile:
    """The stored export of a ready report, rendered and stored now if it has none yet.

    Reports frozen before their files were stored get them on their first download; every
    later download (and the e-mail) sends the same file, never rendered again.
    """
    if fmt not in Report.FORMATS or report.status != Report.Status.READY:
        raise ValueError(f"no {fmt} file for report {report.pk}")
    stored = report.stored_file(fmt)
    if stored:
        return stored
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if not locked.stored_file(fmt):  # a download at the same moment may have stored it
            if fmt == "pdf":
                # Raises signing.issuing.NotIssued while the PDF cannot be signed.
                locked.pdf_file.name = exports.signed_pdf_name(locked)
            else:
                _store_files(locked, (fmt,))
            locked.save(update_fields=[f"{fmt}_file"])
    return locked.stored_file(fmt)


def _other_sections(period: Period, scope: Scope) -> dict[str, Any]:
    """Figures owned by other apps (payments, feedback), each through its own selector.

    Payments and feedback belong to agencies, not sectors: a sector report leaves them out.
    """
    from feedback.selectors import feedback_figures, rating_figures
    from payments.models import Payment
    from payments.selectors import payment_figures, refund_figures

    if scope.kind == SECTOR:
        return {"sections": []}
    start, end = period.starts_at, period.ends_before
    agency = Agency.objects.get(pk=scope.agency_id or 0) if scope.kind == AGENCY else None
    agency_ids = [agency.pk] if agency else None
    by_method = {
        row["method"]: row
        for row in payment_figures(start=start, end=end, agency_ids=agency_ids, by=("method",))
    }
    payments_rows = []
    for method in Payment.Method:
        row = by_method.get(method.value, {"count": 0, "amount": 0})
        payments_rows.append(
            [
                _("%(method)s: payments") % {"method": method.label},
                row["count"],
            ]
        )
        payments_rows.append(
            [_("%(method)s: amount (VND)") % {"method": method.label}, row["amount"] or 0]
        )
    refunds = refund_figures(start=start, end=end, agency_ids=agency_ids)
    payments_rows += [
        [_("Refunds: count"), refunds["count"]],
        [_("Refunds: amount (VND)"), refunds["amount"]],
    ]
    feedback = feedback_figures(start=start, end=end, agency=agency)["totals"]
    ratings = rating_figures(start=start, end=end, agency=agency)
    average = ratings["average"]
    return {
        "sections": [
            {"title": _("Fees and charges collected"), "rows": payments_rows},
            {
                "title": _("Feedback and complaints"),
                "rows": [
                    [_("Received"), feedback["received"]],
                    [_("Answered on time"), feedback["answered_on_time"]],
                    [_("Answered late"), feedback["answered_late"]],
                    [_("Still open"), feedback["open"]],
                    [_("of which overdue"), feedback["open_overdue"]],
                ],
            },
            {
                "title": _("Satisfaction"),
                "rows": [
                    [_("Ratings"), ratings["count"]],
                    [
                        _("Average (1–5)"),
                        f"{average:.2f}" if average is not None else None,
                    ],
                ],
            },
        ]
    }


def report_email(*, report_id: int) -> bool:
    """Send a ready report (PDF and XLSX) to REPORT_RECIPIENTS once."""
    recipients = list(settings.REPORT_RECIPIENTS)
    if not recipients:
        return False
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status != Report.Status.READY or report.emailed_at:
            return False
        message = EmailMessage(
            subject=report.title,
            body=_(
                "The report “%(title)s” is ready. The figures are attached as PDF and "
                "as a spreadsheet."
            )
            % {"title": report.title},
            to=recipients,
        )
        name = exports.file_name(report)
        for fmt, content_type in (("pdf", "application/pdf"), ("xlsx", exports.XLSX_TYPE)):
            # Raises NotIssued while the PDF cannot be signed: `report_email_pending` (beat)
            # tries again.
            with report_file(report=report, fmt=fmt).open("rb") as stored:
                message.attach(f"{name}.{fmt}", stored.read(), content_type)
        message.send()
        report.emailed_at = timezone.now()
        report.save(update_fields=["emailed_at"])
    return True


def report_email_pending(*, limit: int = 20) -> int:
    """E-mail the automatic reports that are ready but were never sent; return how many went.

    Their PDF could not be signed when they were frozen (no agency key yet, a timestamp server
    down: the reason is on the signed document's record) or the mail server refused them. Each
    goes once, as soon as it can; the others wait for the next run.
    """
    from signing.issuing import NotIssued

    if not settings.REPORT_RECIPIENTS:
        return 0
    waiting = (
        Report.objects.filter(status=Report.Status.READY, automatic=True, emailed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for report_id in list(waiting):
        try:
            sent += report_email(report_id=report_id)
        except (NotIssued, OSError) as problem:  # smtplib's errors are OSErrors
            logger.warning("report %s not e-mailed yet: %s", report_id, problem)
    return sent
