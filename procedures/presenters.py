"""Display values for the public catalogue pages, computed once so templates stay dumb.

The procedure page is rendered from a version snapshot (`ProcedureVersion.data`), so that an
older version reads exactly like the current one did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import numbers
from portal.models import Agency

from .models import (
    DEFAULT_SAME_DAY_CUTOFF,
    Channel,
    FeeDue,
    FeeItem,
    Procedure,
    ProcessingUnit,
    RequiredDocument,
    ReturnMethod,
    ServiceLevel,
)
from .services import filed_with_any_commune, processing_time_for
from .usage import ProcedureUsage

# --- Numbers ---------------------------------------------------------------------------------


def format_vnd(amount: int | None) -> str:
    """1000000 -> '1.000.000 đ' (Vietnamese money is always grouped with dots)."""
    return numbers.format_vnd(amount)


def format_count(value: int) -> str:
    return numbers.format_number(int(value))


def format_decimal(value: Decimal | str | int) -> str:
    """Decimal('7.50') -> '7,5' in Vietnamese, '7.5' in English; whole numbers without decimals."""
    return numbers.format_number(value)


def _label(choices: Any, value: str | int) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


# --- Service level ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelDisplay:
    number: int
    label: str  # "Level 3 – partly online public service"
    short: str  # "Level 3"
    decree_42: str  # "Partly online public service", or "" for levels 1-2
    description: str  # what the citizen can do online at this level (Decree 43/2011)

    @property
    def online(self) -> bool:
        return self.number >= ServiceLevel.PARTLY_ONLINE


def _level_description(level: int) -> str:
    if level >= ServiceLevel.FULLY_ONLINE:
        return _("Submit, pay the fees and receive the result online.")
    if level == ServiceLevel.PARTLY_ONLINE:
        return _("Submit online; pay the fees and collect the result at the one-stop desk.")
    if level == ServiceLevel.FORMS:
        return _("Download the forms here; submit the dossier at the one-stop desk.")
    return _("Information only; submit the dossier at the one-stop desk.")


def level_display(level: int) -> LevelDisplay:
    return LevelDisplay(
        number=level,
        label=_label(ServiceLevel, level),
        short=_("Level %(level)s") % {"level": level},
        decree_42=ServiceLevel.decree_42_label(level),
        description=_level_description(level),
    )


# --- Processing time -------------------------------------------------------------------------


def _office_hours_per_day() -> Decimal:
    minutes = 0
    for start, end in settings.OFFICE_HOURS:
        minutes += (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return Decimal(minutes) / 60


def duration_text(amount: Decimal, unit: str) -> str:
    """'15 working days', '7,5 working days', '4 working hours'."""
    count = 1 if amount == 1 else 2
    if unit == ProcessingUnit.WORKING_HOURS:
        return ngettext("%(amount)s working hour", "%(amount)s working hours", count) % {
            "amount": format_decimal(amount)
        }
    return ngettext("%(amount)s working day", "%(amount)s working days", count) % {
        "amount": format_decimal(amount)
    }


def processing_time_text(amount: Decimal, unit: str, *, cutoff: str | None = None) -> str:
    """The published time limit as a citizen reads it; same-day procedures say so."""
    if unit == ProcessingUnit.WORKING_HOURS and amount <= _office_hours_per_day():
        return _(
            "Same day (%(hours)s); dossiers received after %(cutoff)s are settled on the "
            "next working day"
        ) % {
            "hours": duration_text(amount, unit),
            "cutoff": cutoff or DEFAULT_SAME_DAY_CUTOFF.strftime("%H:%M"),
        }
    return duration_text(amount, unit)


def procedure_time_text(procedure: Procedure) -> str:
    """Short processing time for lists, from the procedure's own columns."""
    cutoff = procedure.same_day_cutoff.strftime("%H:%M") if procedure.same_day_cutoff else None
    return processing_time_text(procedure.processing_time, procedure.processing_unit, cutoff=cutoff)


@dataclass(frozen=True)
class ProcessingTime:
    text: str
    online_text: str = ""  # only when online dossiers get a different time
    halved: bool = False  # the province's halving policy gave the online time


def processing_time_display(data: dict[str, Any]) -> ProcessingTime:
    amount, unit = processing_time_for(data, online=False)
    text = processing_time_text(amount, unit, cutoff=data.get("same_day_cutoff"))
    if data["level"] < ServiceLevel.PARTLY_ONLINE:
        return ProcessingTime(text=text)
    online_amount, online_unit = processing_time_for(data, online=True)
    if (online_amount, online_unit) == (amount, unit):
        return ProcessingTime(text=text)
    return ProcessingTime(
        text=text,
        online_text=duration_text(online_amount, online_unit),
        halved=not data.get("processing_time_online"),
    )


# --- The procedure page ----------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    number: int
    name: str
    copies: int
    form: str
    required: bool
    file_url: str = ""
    file_type: str = ""  # "PDF", "DOCX"


@dataclass(frozen=True)
class FeeRow:
    name: str
    kind: str
    amount: str
    exemptions: str


@dataclass(frozen=True)
class AgencyDisplay:
    code: str
    name: str
    level: str
    address: str
    phone: str
    hotline: str
    email: str


@dataclass(frozen=True)
class ProcedurePage:
    """Everything the procedure template shows, from one version snapshot."""

    code: str
    name: str
    sector_code: str
    sector_name: str
    level: LevelDisplay
    agency: AgencyDisplay
    department: str
    processing: ProcessingTime
    processing_note: str
    channels: list[str]
    return_methods: list[str]
    documents: list[DocumentRow]
    fees: list[FeeRow]
    fee_total: str
    fee_note: str
    fee_due: str
    online_payment_allowed: bool
    result: str
    legal_bases: list[str]
    steps: list[dict[str, str]] = field(default_factory=list)
    decision: str = ""
    filed_with_any_commune: bool = False

    @property
    def accepts_online_submission(self) -> bool:
        return self.level.online

    @property
    def has_forms(self) -> bool:
        return any(document.file_url for document in self.documents)


def _document_row(code: str, number: int, item: dict[str, Any]) -> DocumentRow:
    file_name = item.get("template_file") or ""
    return DocumentRow(
        number=number,
        name=item["name"],
        copies=item.get("copies", 1),
        form=_label(RequiredDocument.Form, item.get("form", "")),
        required=bool(item.get("is_required", True)),
        file_url=(
            reverse("procedures:form", kwargs={"code": code, "document_id": item["id"]})
            if file_name and item.get("id")
            else ""
        ),
        file_type=PurePosixPath(file_name).suffix.lstrip(".").upper() if file_name else "",
    )


def procedure_page(data: dict[str, Any]) -> ProcedurePage:
    agency = data["agency"]
    fees = data.get("fees", [])
    return ProcedurePage(
        code=data["code"],
        name=data["name"],
        sector_code=data["sector"]["code"],
        sector_name=data["sector"]["name"],
        level=level_display(data["level"]),
        agency=AgencyDisplay(
            code=agency["code"],
            name=agency["name"],
            level=_label(Agency.Level, agency.get("level", "")),
            address=agency.get("address", ""),
            phone=agency.get("phone", ""),
            hotline=agency.get("hotline", ""),
            email=agency.get("email", ""),
        ),
        department=(data.get("department") or {}).get("name", ""),
        processing=processing_time_display(data),
        processing_note=data.get("processing_note", ""),
        channels=[_label(Channel, value) for value in data.get("submission_channels", [])],
        return_methods=[_label(ReturnMethod, value) for value in data.get("return_methods", [])],
        documents=[
            _document_row(data["code"], number, item)
            for number, item in enumerate(data.get("documents", []), start=1)
        ],
        fees=[
            FeeRow(
                name=item["name"],
                kind=_label(FeeItem.Kind, item.get("kind", "")),
                amount=format_vnd(item["amount"]),
                exemptions=item.get("exemptions", ""),
            )
            for item in fees
        ],
        fee_total=format_vnd(sum(item["amount"] for item in fees)) if len(fees) > 1 else "",
        fee_note=data.get("fee_note", ""),
        fee_due=_label(FeeDue, data.get("fee_due", "")) if fees else "",
        online_payment_allowed=bool(data.get("online_payment_allowed")),
        result=data.get("result", ""),
        legal_bases=list(data.get("legal_bases", [])),
        steps=[
            {
                "agency": step["agency"]["name"],
                "agency_code": step["agency"]["code"],
                "description": step["description"],
                "time": duration_text(Decimal(step["working_days"]), ProcessingUnit.WORKING_DAYS),
            }
            for step in data.get("steps", [])
        ],
        decision=data.get("decision", ""),
        filed_with_any_commune=filed_with_any_commune(data),
    )


# --- Lists -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcedureSummary:
    """One row of a procedure list (catalogue, sector, agency pages)."""

    code: str
    name: str
    url: str
    sector: str
    sector_url: str
    agency: str
    agency_url: str
    level: LevelDisplay
    processing_time: str


def procedure_summary(procedure: Procedure) -> ProcedureSummary:
    """Needs `sector` and `agency` selected with the procedure."""
    return ProcedureSummary(
        code=procedure.code,
        name=procedure.name,
        url=procedure.get_absolute_url(),
        sector=procedure.sector.name,
        sector_url=procedure.sector.get_absolute_url(),
        agency=procedure.agency.name,
        agency_url=reverse("procedures:agency", kwargs={"code": procedure.agency.code}),
        level=level_display(procedure.level),
        processing_time=procedure_time_text(procedure),
    )


# --- Usage -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageDisplay:
    received: str
    processed: str
    on_time: str  # "95,5%" or a sentence when nothing is settled yet
    has_rate: bool


def dossier_count_text(count: int) -> str:
    return ngettext("%(count)s dossier", "%(count)s dossiers", count) % {
        "count": format_count(count)
    }


def usage_display(usage: ProcedureUsage) -> UsageDisplay:
    if usage.on_time_rate is None:
        on_time = _("No dossier settled yet")
    else:
        on_time = numbers.format_percent(usage.on_time_rate)
    return UsageDisplay(
        received=dossier_count_text(usage.received),
        processed=dossier_count_text(usage.processed),
        on_time=on_time,
        has_rate=usage.on_time_rate is not None,
    )
