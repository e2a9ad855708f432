"""A frozen report as CSV, XLSX (openpyxl) and PDF (WeasyPrint, official layout).

Every export reads only ``Report.data``: the numbers are those frozen when the report was
prepared, whatever happened to the dossiers since.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from .models import Report

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# (key, column heading) of the dossier tables, in the order of the official forms.
COLUMNS = (
    ("carried_over", gettext_lazy("Carried over")),
    ("received", gettext_lazy("Received")),
    ("received_online", gettext_lazy("of which online")),
    ("received_desk", gettext_lazy("of which at the desk")),
    ("received_post", gettext_lazy("of which by post")),
    ("processed", gettext_lazy("Processed")),
    ("processed_early", gettext_lazy("early")),
    ("processed_on_time", gettext_lazy("on time")),
    ("processed_late", gettext_lazy("late")),
    ("in_progress", gettext_lazy("Being processed")),
    ("in_progress_within", gettext_lazy("within time")),
    ("in_progress_overdue", gettext_lazy("overdue")),
    ("returned", gettext_lazy("Returned")),
    ("withdrawn", gettext_lazy("Withdrawn")),
    ("on_time_rate", gettext_lazy("On time (%)")),
    ("online_share", gettext_lazy("Online (%)")),
)

TABLES = (
    ("by_agency", gettext_lazy("By agency")),
    ("by_sector", gettext_lazy("By sector")),
    ("by_procedure", gettext_lazy("By procedure")),
)

ONLINE_COLUMNS = (
    ("label", gettext_lazy("Service level")),
    ("procedures", gettext_lazy("Published procedures")),
    ("received", gettext_lazy("Dossiers received")),
    ("received_online", gettext_lazy("of which online")),
    ("online_share", gettext_lazy("Online (%)")),
)


def running_period_note(data: dict[str, Any]) -> str | None:
    """What a report of a period not yet ended counts, in words; None once the period ended."""
    if not data.get("period_running"):
        return None
    counted = timezone.localtime(datetime.fromisoformat(data["counted_until"]))
    return _(
        "The period had not ended when this report was prepared: the figures are counted as "
        "of %(at)s. Dossiers still being processed are overdue only if their due time had "
        "passed by then, as on the dashboard."
    ) % {"at": counted.strftime("%H:%M %d/%m/%Y")}


def file_name(report: Report) -> str:
    return f"bao-cao-{report.pk}-{slugify(report.period_label) or 'ky'}"


def _cell(value: Any) -> Any:
    return "" if value is None else value


def rows(report: Report) -> Iterator[list[Any]]:
    """The report as rows of cells: one section after the other, headed by its name."""
    data = report.data
    yield [data.get("title", report.title)]
    yield [_("Period"), data["period"]["label"], data["period"]["start"], data["period"]["end"]]
    yield [_("Scope"), data["scope"]["label"]]
    if note := running_period_note(data):
        yield [note]
    yield []
    heading = [_("Code"), _("Name"), *(str(label) for _key, label in COLUMNS)]
    yield [str(_("Total"))]
    yield heading
    yield ["", _("Total"), *(_cell(data["totals"][key]) for key, _label in COLUMNS)]
    for table, title in TABLES:
        yield []
        yield [str(title)]
        yield heading
        for line in data[table]:
            yield [line["code"], line["name"], *(_cell(line[key]) for key, _label in COLUMNS)]
    yield []
    yield [_("Online public services")]
    yield [str(label) for _key, label in ONLINE_COLUMNS]
    for line in data["online"]:
        yield [_cell(line[key]) for key, _label in ONLINE_COLUMNS]
    for section in data.get("sections", []):
        yield []
        yield [section["title"]]
        for label, value in section["rows"]:
            yield [label, _cell(value)]


def report_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows(report):
        writer.writerow(row)
    # A byte-order mark so that spreadsheet programs read the Vietnamese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?")
WHOLE_FORMAT = "#,##0"  # the spreadsheet program shows its own separators: 1.234 in Vietnamese
DECIMAL_FORMAT = "#,##0.0#"


def _append_numbers(sheet: Any, values: list[Any], *, first_number: int = 0) -> None:
    """A row whose cells from `first_number` on are real numbers with a number format (rates
    are stored as text such as "87.5"), so that they sort, add up and show as 87,5."""
    cells = []
    for index, value in enumerate(values):
        if index >= first_number and isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
            value = float(value) if "." in value else int(value)
        cells.append("" if value is None else value)
    sheet.append(cells)
    for cell in sheet[sheet.max_row][first_number:]:
        if isinstance(cell.value, bool):
            continue
        if isinstance(cell.value, int):
            cell.number_format = WHOLE_FORMAT
        elif isinstance(cell.value, float | Decimal):
            cell.number_format = DECIMAL_FORMAT


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    data = report.data
    summary = workbook.active
    summary.title = _("Summary")[:31]
    summary.append([data.get("title", report.title)])
    summary["A1"].font = Font(bold=True, size=13)
    summary.append(
        [_("Period"), data["period"]["label"], data["period"]["start"], data["period"]["end"]]
    )
    summary.append([_("Scope"), data["scope"]["label"]])
    if note := running_period_note(data):
        summary.append([note])
    summary.append([])
    summary.append([str(label) for _key, label in COLUMNS])
    _append_numbers(summary, [data["totals"][key] for key, _label in COLUMNS])
    summary.append([])
    summary.append([str(label) for _key, label in ONLINE_COLUMNS])
    for line in data["online"]:
        _append_numbers(summary, [line[key] for key, _label in ONLINE_COLUMNS], first_number=1)
    for section in data.get("sections", []):
        summary.append([])
        summary.append([section["title"]])
        for label, value in section["rows"]:
            _append_numbers(summary, [label, value], first_number=1)
    for table, title in TABLES:
        sheet = workbook.create_sheet(str(title)[:31])
        sheet.append([_("Code"), _("Name"), *(str(label) for _key, label in COLUMNS)])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for line in data[table]:
            _append_numbers(
                sheet,
                [line["code"], line["name"], *(line[key] for key, _l in COLUMNS)],
                first_number=2,
            )
        sheet.column_dimensions["A"].width = 16
        sheet.column_dimensions["B"].width = 60
        sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@cache
def _fonts() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def report_pdf(report: Report) -> bytes:
    """The official document, signed (invisibly) by its issuer and stored the first time.

    Raises signing.issuing.NotIssued while it cannot be signed (the reason is on the record).
    """
    from signing import issuing

    return issuing.issued_bytes(report_document(report))


def report_document(report: Report) -> Any:
    """The verification record of a report's PDF (one per report: a ready report is frozen)."""
    from signing.models import SignedDocument

    document, _created = SignedDocument.objects.get_or_create(
        kind=SignedDocument.Kind.REPORT,
        report=report,
        defaults={"agency": report.agency if report.scope_kind == "agency" else None},
    )
    return document


def signed_pdf_name(report: Report) -> str:
    """The storage name of the report's signed PDF, signed now if it is not yet.

    Raises signing.issuing.NotIssued while it cannot be signed. The report's `pdf_file` names
    this same object: the PDF is stored once, as the signed document it is.
    """
    from signing import issuing

    document = report_document(report)
    if document.status != document.Status.ISSUED or not document.file:
        issuing.issued_bytes(document)
        document.refresh_from_db(fields=["status", "file"])
    return str(document.file.name)


def schedule_signed_pdf(report: Report) -> None:
    """Once the report is ready: the worker renders and signs its PDF after commit."""
    from signing import issuing

    issuing.schedule(report_document(report))


def sign_report(document: Any) -> bytes:
    """Render and sign a report's PDF (called by signing.issuing in the worker)."""
    from signing import services as signing

    from .models import Report

    report = Report.objects.select_related("agency").get(pk=document.report_id)
    with translation.override("vi"):
        return signing.sign_layout(
            document,
            layout=lambda extra: _report_layout(report, extra),
            reason="Báo cáo tình hình giải quyết thủ tục hành chính",
            visible=False,
        )


def unsigned_report_pdf(report: Report) -> bytes:
    """The report laid out without a signature (previews and tests of the layout)."""
    with translation.override("vi"):
        pdf: bytes = _report_layout(report, {}).write_pdf()
        return pdf


def _issuer(report: Report) -> str:
    if report.scope_kind == "agency" and report.agency is not None:
        return report.agency.name
    return str(settings.REPORT_ISSUER)


def _report_layout(report: Report, extra: dict[str, Any]) -> Any:
    from weasyprint import CSS, HTML

    today = timezone.localdate()
    data = report.data
    context = {
        "report": report,
        "issuer": _issuer(report),
        "recipient": settings.REPORT_ADDRESSEE,
        "period_start": date.fromisoformat(data["period"]["start"]).strftime("%d/%m/%Y"),
        "period_end": date.fromisoformat(data["period"]["end"]).strftime("%d/%m/%Y"),
        "generated_at": timezone.localtime(datetime.fromisoformat(data["generated_at"])).strftime(
            "%H:%M %d/%m/%Y"
        ),
        "data": data,
        "running_note": running_period_note(data),
        "columns": [(key, str(label)) for key, label in COLUMNS],
        "online_columns": [(key, str(label)) for key, label in ONLINE_COLUMNS],
        "tables": [
            (
                str(title),
                [
                    [line["code"], line["name"], [_cell(line[k]) for k, _l in COLUMNS]]
                    for line in data[table]
                ],
            )
            for table, title in TABLES
        ],
        "totals": [_cell(data["totals"][key]) for key, _label in COLUMNS],
        "online": [[_cell(line[key]) for key, _label in ONLINE_COLUMNS] for line in data["online"]],
        "sections": data.get("sections", []),
        "place": settings.PORTAL_PLACE_NAME,
        "day": f"{today.day:02d}",
        "month": f"{today.month:02d}",
        "year": today.year,
    }
    html = render_to_string("reporting/pdf/report.html", {**context, **extra})
    stylesheet = CSS(string=render_to_string("reporting/pdf/report.css"), font_config=_fonts())
    return HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=[stylesheet], font_config=_fonts()
    )
