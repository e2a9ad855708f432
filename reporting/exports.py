"""A frozen report as CSV, XLSX (openpyxl) and PDF (WeasyPrint, official layout).

Every export reads only ``Report.data``: the numbers are those frozen when the report was
prepared, whatever happened to the dossiers since.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
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
    summary.append([])
    summary.append([str(label) for _key, label in COLUMNS])
    summary.append([_cell(data["totals"][key]) for key, _label in COLUMNS])
    summary.append([])
    summary.append([str(label) for _key, label in ONLINE_COLUMNS])
    for line in data["online"]:
        summary.append([_cell(line[key]) for key, _label in ONLINE_COLUMNS])
    for section in data.get("sections", []):
        summary.append([])
        summary.append([section["title"]])
        for label, value in section["rows"]:
            summary.append([label, _cell(value)])
    for table, title in TABLES:
        sheet = workbook.create_sheet(str(title)[:31])
        sheet.append([_("Code"), _("Name"), *(str(label) for _key, label in COLUMNS)])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for line in data[table]:
            sheet.append([line["code"], line["name"], *(_cell(line[key]) for key, _l in COLUMNS)])
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
    """The official document: in Vietnamese whatever the language of whoever asks."""
    with translation.override("vi"):
        return _report_pdf(report)


def _issuer(report: Report) -> str:
    if report.scope_kind == "agency" and report.agency is not None:
        return report.agency.name
    return str(settings.REPORT_ISSUER)


def _report_pdf(report: Report) -> bytes:
    from weasyprint import CSS, HTML

    today = timezone.localdate()
    data = report.data
    context = {
        "report": report,
        "issuer": _issuer(report),
        "period_start": date.fromisoformat(data["period"]["start"]).strftime("%d/%m/%Y"),
        "period_end": date.fromisoformat(data["period"]["end"]).strftime("%d/%m/%Y"),
        "generated_at": timezone.localtime(datetime.fromisoformat(data["generated_at"])).strftime(
            "%H:%M %d/%m/%Y"
        ),
        "data": data,
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
    html = render_to_string("reporting/pdf/report.html", context)
    stylesheet = CSS(string=render_to_string("reporting/pdf/report.css"), font_config=_fonts())
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet], font_config=_fonts()
    )
    return pdf
