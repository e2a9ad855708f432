"""Reports for IT staff (any scope) and agency leaders (their agency): /can-bo/bao-cao/."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dossiers.views_citizen import private_file_response
from portal.models import User
from signing.issuing import NotIssued

from . import exports, services
from .forms import ReportRequestForm
from .models import Report
from .selectors import can_use_reports, reports_visible_to

View = Callable[..., HttpResponseBase]

CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "xlsx": exports.XLSX_TYPE,
    "csv": "text/csv; charset=utf-8",
}


def reports_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_use_reports(cast(User, request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@reports_required
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = ReportRequestForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_request(period=form.period(), scope=form.scope(), actor=user)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The report is being prepared."))
            return redirect("reports:detail", pk=report.pk)
    reports = reports_visible_to(user)[:50]
    return render(request, "reporting/list.html", {"form": form, "reports": reports})


@reports_required
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(reports_visible_to(cast(User, request.user)), pk=pk)
    context: dict[str, Any] = {"report": report, "formats": list(CONTENT_TYPES)}
    if report.status == Report.Status.READY:
        data = report.data
        context.update(
            columns=[(key, str(label)) for key, label in exports.COLUMNS],
            totals=[data["totals"][key] for key, _label in exports.COLUMNS],
            tables=[
                (
                    str(title),
                    [
                        (line["code"], line["name"], [line[key] for key, _l in exports.COLUMNS])
                        for line in data[table]
                    ],
                )
                for table, title in exports.TABLES
            ],
            online=data["online"],
            sections=data.get("sections", []),
            running_note=exports.running_period_note(data),
        )
    return render(request, "reporting/detail.html", context)


@reports_required
@require_GET
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    report = get_object_or_404(reports_visible_to(cast(User, request.user)), pk=pk)
    if fmt not in CONTENT_TYPES or report.status != Report.Status.READY:
        raise Http404
    # The file stored when the report was frozen, streamed from the private storage; the PDF
    # is the signed one.
    try:
        stored = services.report_file(report=report, fmt=fmt)
    except NotIssued as problem:
        messages.error(
            request,
            _("The signed PDF of this report is not ready: %(reason)s")
            % {"reason": problem.document.error or _("it is being signed")},
        )
        return redirect("reports:detail", pk=report.pk)
    return private_file_response(
        stored,
        content_type=CONTENT_TYPES[fmt],
        filename=f"{exports.file_name(report)}.{fmt}",
        inline=False,
    )
