"""Preparing reports: requested by IT staff or leaders, computed in a worker, then frozen."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Agency, User
from portal.roles import Role

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
    return Scope(report.scope_kind, agency_id=report.agency_id, sector_id=report.sector_id)


def report_period(report: Report) -> Period:
    return Period(report.period_start, report.period_end, report.period_label)


def _scope_key(scope: Scope) -> str:
    if scope.kind == AGENCY:
        return f"agency:{scope.agency_id}"
    if scope.kind == SECTOR:
        return f"sector:{scope.sector_id}"
    return PROVINCE


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

    report_id = report.pk
    transaction.on_commit(lambda: generate_report.delay(report_id))
    return report


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
        figures = dossier_figures(period, scope)
        _progress(report_id, 70)
        data = {
            "title": report.title,
            "period": period.as_dict(),
            "scope": {**scope.as_dict(), "label": scope.label()},
            "generated_at": timezone.now().isoformat(),
            **figures,
        }
        data.update(_other_sections(period, scope))
    except Exception as error:
        logger.exception("Report %s failed", report_id)
        _progress(report_id, 0, status=Report.Status.FAILED, error=str(error)[:2000])
        raise
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status == Report.Status.READY:
            return report
        report.data = data
        report.status, report.progress = Report.Status.READY, 100
        report.finished_at = timezone.now()
        report.save(update_fields=["data", "status", "progress", "finished_at"])
    return report


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
        message.attach(f"{name}.pdf", exports.report_pdf(report), "application/pdf")
        message.attach(f"{name}.xlsx", exports.report_xlsx(report), exports.XLSX_TYPE)
        message.send()
        report.emailed_at = timezone.now()
        report.save(update_fields=["emailed_at"])
    return True
