"""Import and export of the procedure catalogue as JSON (and CSV for spreadsheets).

Two record formats are accepted, even mixed in one file:

* the national-database sample (`portal/data/catalogue_sample.json`): `processing_days`,
  `processing_hours`, `fee_vnd`, `legal_basis`, documents with `copy_type` and `required`,
  channels as `truc_tiep` / `truc_tuyen` / `buu_chinh`;
* our own export (`catalogue_export`): `processing_time` / `processing_unit`, `fees`, `steps`,
  `return_methods`, documents with `form` and `is_required`, `is_published`; a document's
  `eform` is its application form filled online (the e-form definition, checked on import as
  the admin checks it; `null` removes it, a document without the key keeps its own).

An import is all or nothing: every record is checked before anything is written. A second
import of the same file writes nothing at all: no new versions, no changed timestamps.
The `agencies` of a file are not imported here (see `portal.services.organisation_import`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Agency, Department, User

from . import services
from .models import (
    DEFAULT_SAME_DAY_CUTOFF,
    Channel,
    FeeDue,
    FeeItem,
    InterAgencyStep,
    Procedure,
    ProcessingUnit,
    RequiredDocument,
    ReturnMethod,
    Sector,
    ServiceLevel,
)

EXPORT_FORMAT = "dvc-procedure-catalogue"
EXPORT_FORMAT_VERSION = 1

CHANNELS: dict[str, str] = {
    "truc_tiep": Channel.DESK.value,
    "truc_tuyen": Channel.ONLINE.value,
    "buu_chinh": Channel.POST.value,
    **{value: value for value in Channel.values},
}
COPY_TYPES: dict[str, str] = {
    "bản chính": RequiredDocument.Form.ORIGINAL.value,
    "bản sao": RequiredDocument.Form.COPY.value,
    "bản sao chứng thực": RequiredDocument.Form.CERTIFIED_COPY.value,
    "xuất trình": RequiredDocument.Form.PRESENT.value,
    "bản điện tử": RequiredDocument.Form.ELECTRONIC.value,
}
SAMPLE_FEE_NAME = "Lệ phí"  # the national data gives one amount: a charge (lệ phí)

# Not in the national data: when a record leaves them out, an existing procedure keeps its value.
KEPT_WHEN_ABSENT: dict[str, object] = {
    "fee_due": FeeDue.AT_SUBMISSION.value,
    "requires_leader_approval": True,
    "filed_regardless_of_boundary": False,
}
# Foreign keys are compared and assigned by id; `save(update_fields=...)` wants field names.
_FK_FIELDS = {"sector_id": "sector", "agency_id": "agency", "department_id": "department"}

DocumentRow = tuple[str, int, str, bool]  # name, copies, form, is_required
FeeRow = tuple[str, str, int, str]  # name, kind, amount, exemptions
StepRow = tuple[int, str, Decimal]  # agency id, description, working days
ErrorFn = Callable[[str, object], None]


class CatalogueImportError(Exception):
    """The file cannot be imported; `errors` names each record and field that is wrong.

    `problems` holds the same errors as rows (kind, record, code, field, message) for a table;
    a problem of the whole file has no record.
    """

    def __init__(self, errors: list[str], problems: list[dict[str, Any]] | None = None) -> None:
        self.errors = errors
        self.problems = problems or [
            {"kind": "file", "record": None, "code": "", "field": "", "message": message}
            for message in errors
        ]
        super().__init__("\n".join(errors))


# progress(phase, done, total): phase "checking" then "importing", over the procedure records.
Progress = Callable[[str, int, int], None]
CHECKING, IMPORTING = "checking", "importing"


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


@dataclass
class ImportReport:
    sectors_created: int = 0
    sectors_updated: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    versions_created: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, int]:
        return {
            "sectors_created": self.sectors_created,
            "sectors_updated": self.sectors_updated,
            "procedures_created": self.created,
            "procedures_updated": self.updated,
            "procedures_unchanged": self.unchanged,
            "versions_created": self.versions_created,
        }

    def summary(self) -> str:
        text = _(
            "Procedures: %(created)d created, %(updated)d updated, %(unchanged)d unchanged; "
            "%(versions)d new versions published. Sectors: %(sectors_created)d created, "
            "%(sectors_updated)d updated."
        ) % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "versions": self.versions_created,
            "sectors_created": self.sectors_created,
            "sectors_updated": self.sectors_updated,
        }
        if self.dry_run:
            return _("Dry run, nothing was saved. %(summary)s") % {"summary": text}
        return text


def catalogue_read_json(stream: IO[bytes] | IO[str]) -> dict[str, Any]:
    """The catalogue in an opened or uploaded file; CatalogueImportError if it is not JSON."""
    try:
        raw = stream.read()
        data = json.loads(raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CatalogueImportError(
            [_("The file is not valid JSON (UTF-8): %(error)s") % {"error": error}]
        ) from error
    if not isinstance(data, dict):
        raise CatalogueImportError([_("The file must contain a JSON object.")])
    return data


# --- Import --------------------------------------------------------------------------------


@transaction.atomic
def catalogue_import(
    *,
    data: dict[str, Any],
    actor: User | None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
) -> ImportReport:
    """Create or update sectors and procedures by code, and publish them: all or nothing.

    Raises CatalogueImportError, having written nothing, when any record is wrong. A procedure
    is published (frozen as a new version if its content changed) unless its record says
    `"is_published": false`. With `dry_run` the import runs and is then rolled back, so the
    report tells what it would do. `progress` is told how many procedure records are checked,
    then written.
    """
    if not isinstance(data, dict):
        raise CatalogueImportError([_("The file must contain a JSON object.")])
    sector_items = data.get("sectors", [])
    procedure_items = data.get("procedures")
    if not isinstance(sector_items, list):
        raise CatalogueImportError([_("“sectors” must be a list.")])
    if not isinstance(procedure_items, list):
        raise CatalogueImportError([_("The file has no list of “procedures”.")])

    errors = _Errors()
    sectors = _check_sectors(sector_items, errors)
    # A sector with errors is still known: its procedures should not repeat its errors.
    known_sectors = set(Sector.objects.values_list("code", flat=True)) | {
        _text(item.get("code")) for item in sector_items if isinstance(item, dict)
    }
    records = _check_procedures(procedure_items, known_sectors, errors, progress)
    if errors.messages:
        raise CatalogueImportError(errors.messages, errors.problems)

    report = ImportReport(dry_run=dry_run)
    sector_by_code, renamed_sector_ids = _write_sectors(sectors, report)
    total = len(records)
    for done, record in enumerate(records, start=1):
        _write_procedure(record, sector_by_code, renamed_sector_ids, actor, report)
        if done % PROGRESS_EVERY == 0 or done == total:
            progress(IMPORTING, done, total)
    if dry_run:
        transaction.set_rollback(True)
    return report


# Progress is reported every this many records (and at the last one).
PROGRESS_EVERY = 50


class _Errors:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.problems: list[dict[str, Any]] = []

    def _add(self, kind: str, index: int, code: str, field_name: str, message: object) -> None:
        self.problems.append(
            {
                "kind": kind,
                "record": index,
                "code": code,
                "field": field_name,
                "message": str(message),
            }
        )

    def sector(self, index: int, code: str) -> ErrorFn:
        def error(field_name: str, message: object) -> None:
            self.messages.append(
                _("Sector %(code)s (record %(index)s): field %(field)s: %(message)s")
                % {"code": code or "?", "index": index, "field": field_name, "message": message}
            )
            self._add("sector", index, code, field_name, message)

        return error

    def procedure(self, index: int, code: str) -> ErrorFn:
        def error(field_name: str, message: object) -> None:
            self.messages.append(
                _("Procedure %(code)s (record %(index)s): field %(field)s: %(message)s")
                % {"code": code or "?", "index": index, "field": field_name, "message": message}
            )
            self._add("procedure", index, code, field_name, message)

        return error


class _Invalid(Exception):
    """A value could not be read; the error is already recorded."""


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _number(value: object, field_name: str, error: ErrorFn) -> Decimal:
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        number = Decimal(str(value).strip())
        if not number.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        error(field_name, _("Enter a number."))
        raise _Invalid from None
    return number


def _whole_number(value: object, field_name: str, error: ErrorFn) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        error(field_name, _("Enter a whole number, 0 or more."))
        raise _Invalid
    return value


def _boolean(value: object, field_name: str, error: ErrorFn) -> bool:
    if not isinstance(value, bool):
        error(field_name, _("Use true or false."))
        raise _Invalid
    return value


def _clean(
    instance: Model, error: ErrorFn, *, exclude: Iterable[str] = (), names: dict[str, str]
) -> None:
    """The model's own validation; `names` maps model fields to the keys of the record."""
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                error(names.get(name, name), message)


def _list(item: dict[str, Any], key: str, error: ErrorFn) -> list[Any]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        error(key, _("Give a list."))
        raise _Invalid
    return value


def _check_sectors(items: list[Any], errors: _Errors) -> dict[str, dict[str, Any]]:
    sectors: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items, start=1):
        code = _text(item.get("code")) if isinstance(item, dict) else ""
        error = errors.sector(index, code)
        if not isinstance(item, dict):
            error("-", _("Each sector must be a JSON object."))
            continue
        before = len(errors.messages)
        try:
            position = _whole_number(item.get("position", index), "position", error)
        except _Invalid:
            continue
        values = {"code": code, "name": _text(item.get("name")), "position": position}
        _clean(Sector(**values), error, names={})
        if code in sectors:
            error("code", _("This code appears twice in the file."))
        elif len(errors.messages) == before:
            sectors[code] = values
    return sectors


def _check_procedures(
    items: list[Any], known_sectors: set[str], errors: _Errors, progress: Progress = _no_progress
) -> list[_Record]:
    agencies = {agency.code: agency for agency in Agency.objects.all()}
    departments = {(d.agency_id, d.code): d for d in Department.objects.all()}
    records: list[_Record] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        code = _text(item.get("code")) if isinstance(item, dict) else ""
        error = errors.procedure(index, code)
        if not isinstance(item, dict):
            error("-", _("Each procedure must be a JSON object."))
            continue
        before = len(errors.messages)
        record = _check_procedure(item, agencies, departments, known_sectors, error)
        if code and code in seen:
            error("code", _("This code appears twice in the file."))
        seen.add(code)
        if len(errors.messages) == before:
            records.append(record)
        if index % PROGRESS_EVERY == 0 or index == len(items):
            progress(CHECKING, index, len(items))
    return records


@dataclass
class _Record:
    """One procedure of the file, checked and converted to model values."""

    code: str
    sector_code: str
    values: dict[str, Any]  # Procedure fields except the sector; foreign keys as `<name>_id`
    documents: list[DocumentRow]
    fees: list[FeeRow]
    steps: list[StepRow]
    is_published: bool
    absent: set[str] = field(default_factory=set)  # KEPT_WHEN_ABSENT fields the record omits
    # E-form definitions by document name, for the documents whose record has an "eform" key
    # (None: the document has no e-form); documents without the key keep theirs.
    eforms: dict[str, dict[str, Any] | None] = field(default_factory=dict)


def _check_procedure(
    item: dict[str, Any],
    agencies: dict[str, Agency],
    departments: dict[tuple[int, str], Department],
    known_sectors: set[str],
    error: ErrorFn,
) -> _Record:
    """Convert one record, recording every error found; the result is only used if none."""
    # Model fields whose values could not be read: their errors are recorded already.
    failed: set[str] = set()
    for key in ("code", "name", "sector", "agency_code", "level"):
        if item.get(key) in (None, ""):
            error(key, _("This field is required."))
            failed.add({"sector": "sector", "agency_code": "agency"}.get(key, key))

    code = _text(item.get("code"))
    sector_code = _text(item.get("sector"))
    if sector_code and sector_code not in known_sectors:
        error("sector", _("Unknown sector code “%(code)s”.") % {"code": sector_code})

    agency_code = _text(item.get("agency_code"))
    agency = agencies.get(agency_code)
    if agency_code and agency is None:
        error("agency_code", _("Unknown agency code “%(code)s”.") % {"code": agency_code})
        failed.add("agency")
    department = _department(item, agency, departments, error)

    level = item.get("level")
    is_level_4 = level == ServiceLevel.FULLY_ONLINE and not isinstance(level, bool)

    channels: list[str] = []
    try:
        raw_channels = _list(item, "submission_channels", error)
    except _Invalid:
        raw_channels, failed = [], failed | {"submission_channels"}
    for channel in raw_channels:
        if not isinstance(channel, str) or channel not in CHANNELS:
            error("submission_channels", _("Unknown channel “%(value)s”.") % {"value": channel})
        elif CHANNELS[channel] not in channels:
            channels.append(CHANNELS[channel])

    if "return_methods" in item:
        try:
            return_methods = _list(item, "return_methods", error)
        except _Invalid:
            return_methods, failed = [], failed | {"return_methods"}
        for method in return_methods:
            if method not in ReturnMethod.values:
                error("return_methods", _("Unknown way “%(value)s”.") % {"value": method})
    elif is_level_4:
        return_methods = [ReturnMethod.ONLINE, ReturnMethod.POST, ReturnMethod.DESK]
    else:
        return_methods = [ReturnMethod.DESK]

    legal_key = "legal_bases" if "legal_bases" in item else "legal_basis"
    try:
        legal_bases = [_text(basis) for basis in _list(item, legal_key, error)]
    except _Invalid:
        legal_bases, failed = [], failed | {"legal_bases"}

    timing, timing_failed = _timing(item, error)
    failed |= timing_failed
    fees = _fees(item, error)
    documents = _documents(item, error)
    eforms = _eforms(item, error)
    steps = _steps(item, agencies, error)

    online_payment = item.get("online_payment_allowed")
    if online_payment is None:
        online_payment = is_level_4 and sum(fee[2] for fee in fees) > 0
    try:
        online_payment = _boolean(online_payment, "online_payment_allowed", error)
    except _Invalid:
        failed.add("online_payment_allowed")
    try:
        is_published = _boolean(item.get("is_published", True), "is_published", error)
    except _Invalid:
        is_published = True

    values: dict[str, Any] = {
        "code": code,
        "name": _text(item.get("name")),
        "agency_id": agency.pk if agency else None,
        "department_id": department.pk if department else None,
        "level": level,
        **timing,
        "processing_note": _text(item.get("processing_note")),
        "submission_channels": [str(channel) for channel in channels],
        "return_methods": [str(method) for method in return_methods],
        "result": _text(item.get("result")),
        "legal_bases": legal_bases,
        "fee_note": _text(item.get("fee_note")),
        "online_payment_allowed": online_payment,
        "decision": _text(item.get("decision")),
        "source_url": _text(item.get("source_url")),
    }
    absent = {name for name in KEPT_WHEN_ABSENT if name not in item}
    for name, default in KEPT_WHEN_ABSENT.items():
        values[name] = item.get(name, default)

    names = {
        "agency": "agency_code",
        "legal_bases": legal_key,
        "processing_time": _timing_key(item, "processing_time"),
        "processing_time_online": _timing_key(item, "processing_time_online"),
    }
    # Foreign keys are resolved above; the model checks every other field.
    exclude = {"sector", "agency", "department", "current_version", *failed}
    candidate = Procedure(**{name: value for name, value in values.items() if value is not None})
    _clean(candidate, error, exclude=exclude, names=names)
    for name in values.keys() - exclude - set(_FK_FIELDS):
        values[name] = getattr(candidate, name)  # as the model reads it: "3" -> 3
    return _Record(
        code=code,
        sector_code=sector_code,
        values=values,
        documents=documents,
        fees=fees,
        steps=steps,
        is_published=is_published,
        absent=absent,
        eforms=eforms,
    )


def _department(
    item: dict[str, Any],
    agency: Agency | None,
    departments: dict[tuple[int, str], Department],
    error: ErrorFn,
) -> Department | None:
    """The national data names departments by short code ("TPHT"); the portal prefixes them
    with the agency's short name ("UBP7.TPHT"). Either is accepted."""
    code = _text(item.get("department"))
    if not code or agency is None:
        return None
    department = departments.get((agency.pk, code)) or departments.get(
        (agency.pk, f"{agency.short_name}.{code}")
    )
    if department is None:
        error(
            "department",
            _("Agency %(agency)s has no department “%(code)s”.")
            % {"agency": agency.code, "code": code},
        )
    return department


def _timing_key(item: dict[str, Any], model_field: str) -> str:
    if "processing_time" in item or "processing_unit" in item:
        return model_field
    if model_field == "processing_time_online":
        return "processing_days_online"
    return "processing_hours" if item.get("processing_hours") is not None else "processing_days"


def _timing(item: dict[str, Any], error: ErrorFn) -> tuple[dict[str, Any], set[str]]:
    """Processing time, unit, online time and same-day cut-off, from either format."""
    values: dict[str, Any] = {
        "processing_time": None,
        "processing_unit": ProcessingUnit.WORKING_DAYS.value,
        "processing_time_online": None,
        "same_day_cutoff": None,
    }
    failed: set[str] = set()
    ours = "processing_time" in item or "processing_unit" in item
    if ours:
        values["processing_unit"] = item.get("processing_unit", ProcessingUnit.WORKING_DAYS)
    elif item.get("processing_hours") is not None:
        values["processing_unit"] = ProcessingUnit.WORKING_HOURS.value
    same_day = values["processing_unit"] == ProcessingUnit.WORKING_HOURS

    key = _timing_key(item, "processing_time")
    if item.get(key) is None:
        error(key, _("This field is required."))
        failed.add("processing_time")
    else:
        try:
            values["processing_time"] = _number(item[key], key, error)
        except _Invalid:
            failed.add("processing_time")

    online_key = _timing_key(item, "processing_time_online")
    if item.get(online_key) is not None and (ours or not same_day):
        try:
            values["processing_time_online"] = _number(item[online_key], online_key, error)
        except _Invalid:
            failed.add("processing_time_online")

    if "same_day_cutoff" in item:
        cutoff = item["same_day_cutoff"]
        if cutoff is not None:
            try:
                values["same_day_cutoff"] = time.fromisoformat(str(cutoff))
            except ValueError:
                error("same_day_cutoff", _("Enter a time such as 15:00."))
                failed.add("same_day_cutoff")
    elif same_day:
        values["same_day_cutoff"] = DEFAULT_SAME_DAY_CUTOFF
    return values, failed


def _fees(item: dict[str, Any], error: ErrorFn) -> list[FeeRow]:
    if "fees" not in item:
        try:
            amount = _whole_number(item.get("fee_vnd") or 0, "fee_vnd", error)
        except _Invalid:
            return []
        return [(SAMPLE_FEE_NAME, FeeItem.Kind.CHARGE.value, amount, "")] if amount else []
    rows: list[FeeRow] = []
    try:
        fees = _list(item, "fees", error)
    except _Invalid:
        return []
    for number, fee in enumerate(fees, start=1):
        prefix = f"fees[{number}]."
        if not isinstance(fee, dict):
            error(f"fees[{number}]", _("Each fee must be a JSON object."))
            continue
        try:
            amount = _whole_number(fee.get("amount"), f"{prefix}amount", error)
        except _Invalid:
            continue
        row = (
            _text(fee.get("name")),
            _text(fee.get("kind")) or FeeItem.Kind.CHARGE.value,
            amount,
            _text(fee.get("exemptions")),
        )
        instance = FeeItem(name=row[0], kind=row[1], amount=row[2], exemptions=row[3])
        _clean(instance, _prefixed(error, prefix), exclude={"procedure"}, names={})
        rows.append(row)
    return rows


def _documents(item: dict[str, Any], error: ErrorFn) -> list[DocumentRow]:
    rows: list[DocumentRow] = []
    try:
        documents = _list(item, "documents", error)
    except _Invalid:
        return []
    for number, document in enumerate(documents, start=1):
        prefix = f"documents[{number}]."
        if not isinstance(document, dict):
            error(f"documents[{number}]", _("Each document must be a JSON object."))
            continue
        if "form" in document:
            form = _text(document["form"])
        else:
            copy_type = _text(document.get("copy_type")) or "bản chính"
            form = COPY_TYPES.get(copy_type.lower(), "")
            if not form:
                error(f"{prefix}copy_type", _("Unknown kind “%(value)s”.") % {"value": copy_type})
                continue
        required_key = "is_required" if "is_required" in document else "required"
        try:
            copies = _whole_number(document.get("copies", 1), f"{prefix}copies", error)
            is_required = _boolean(
                document.get(required_key, True), f"{prefix}{required_key}", error
            )
        except _Invalid:
            continue
        row = (_text(document.get("name")), copies, form, is_required)
        instance = RequiredDocument(name=row[0], copies=row[1], form=row[2], is_required=row[3])
        _clean(instance, _prefixed(error, prefix), exclude={"procedure"}, names={})
        rows.append(row)
    return rows


def _eforms(item: dict[str, Any], error: ErrorFn) -> dict[str, dict[str, Any] | None]:
    """The e-form of each document that has an "eform" key, checked as the admin checks it."""
    from eforms.schema import validate_schema  # e-forms build on the catalogue

    documents = item.get("documents")
    if not isinstance(documents, list):
        return {}  # reported by _documents
    found: dict[str, dict[str, Any] | None] = {}
    for number, document in enumerate(documents, start=1):
        if not isinstance(document, dict) or "eform" not in document:
            continue
        definition = document["eform"]
        where = f"documents[{number}].eform"
        if definition is None:
            found[_text(document.get("name"))] = None
            continue
        if not isinstance(definition, dict):
            error(where, _("Give the e-form as a JSON object, or null for none."))
            continue
        try:
            validate_schema(definition)
        except ValidationError as problem:
            for message in problem.messages:
                error(where, message)
            continue
        found[_text(document.get("name"))] = definition
    return found


def _steps(item: dict[str, Any], agencies: dict[str, Agency], error: ErrorFn) -> list[StepRow]:
    rows: list[StepRow] = []
    try:
        steps = _list(item, "steps", error)
    except _Invalid:
        return []
    for number, step in enumerate(steps, start=1):
        prefix = f"steps[{number}]."
        if not isinstance(step, dict):
            error(f"steps[{number}]", _("Each step must be a JSON object."))
            continue
        agency = agencies.get(_text(step.get("agency_code")))
        if agency is None:
            error(
                f"{prefix}agency_code",
                _("Unknown agency code “%(code)s”.") % {"code": _text(step.get("agency_code"))},
            )
            continue
        try:
            days = _number(step.get("working_days"), f"{prefix}working_days", error)
        except _Invalid:
            continue
        row = (agency.pk, _text(step.get("description")), days)
        instance = InterAgencyStep(agency=agency, description=row[1], working_days=row[2])
        _clean(instance, _prefixed(error, prefix), exclude={"procedure"}, names={})
        rows.append(row)
    return rows


def _prefixed(error: ErrorFn, prefix: str) -> ErrorFn:
    return lambda name, message: error(f"{prefix}{name}", message)


# --- Import: writing -----------------------------------------------------------------------


def _write_sectors(
    sectors: dict[str, dict[str, Any]], report: ImportReport
) -> tuple[dict[str, Sector], set[int]]:
    by_code = {sector.code: sector for sector in Sector.objects.all()}
    renamed: set[int] = set()
    for code, values in sectors.items():
        sector = by_code.get(code)
        if sector is None:
            by_code[code] = Sector.objects.create(**values)
            report.sectors_created += 1
            continue
        changed = [name for name in ("name", "position") if getattr(sector, name) != values[name]]
        if changed:
            for name in changed:
                setattr(sector, name, values[name])
            sector.save(update_fields=changed)
            report.sectors_updated += 1
            if "name" in changed:  # the name is part of every published version
                renamed.add(sector.pk)
    return by_code, renamed


def _write_procedure(
    record: _Record,
    sector_by_code: dict[str, Sector],
    renamed_sector_ids: set[int],
    actor: User | None,
    report: ImportReport,
) -> None:
    values = {**record.values, "sector_id": sector_by_code[record.sector_code].pk}
    procedure = Procedure.objects.filter(code=record.code).select_related("current_version").first()
    created = procedure is None
    if procedure is None:
        procedure = Procedure(**values)
        procedure.save()
        changed = _sync_documents(procedure, record.documents, existing=[])
        _sync_eforms(procedure, record.eforms)
        _sync_fees(procedure, record.fees, existing=[])
        _sync_steps(procedure, record.steps, existing=[])
    else:
        for name in record.absent:
            del values[name]
        fields = [name for name, value in values.items() if getattr(procedure, name) != value]
        if fields:
            for name in fields:
                setattr(procedure, name, values[name])
            procedure.save(update_fields=[*(_FK_FIELDS.get(f, f) for f in fields), "updated_at"])
        # Each call compares first and writes only when its list differs.
        changed = any(
            [
                bool(fields),
                _sync_documents(procedure, record.documents),
                _sync_eforms(procedure, record.eforms),
                _sync_fees(procedure, record.fees),
                _sync_steps(procedure, record.steps),
            ]
        )

    if record.is_published:
        if (
            created
            or changed
            or not procedure.is_published
            or procedure.current_version_id is None
            or procedure.sector_id in renamed_sector_ids
        ):
            changed = changed or not procedure.is_published
            version = services.procedure_publish(procedure=procedure, actor=actor)
            if version is not None:
                report.versions_created += 1
                changed = True
    elif procedure.is_published:
        services.procedure_unpublish(procedure=procedure, actor=actor)
        changed = True

    if created:
        report.created += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _sync_documents(
    procedure: Procedure,
    wanted: list[DocumentRow],
    existing: list[RequiredDocument] | None = None,
) -> bool:
    """Make the documents match; rows are updated in place so their ids stay stable.

    A form file belongs to the document of that name: it follows the name, not the position.
    """
    rows = list(procedure.documents.all()) if existing is None else existing
    if [(d.name, d.copies, d.form, d.is_required) for d in rows] == wanted:
        return False
    files = {d.name: d.template_file.name for d in rows if d.template_file}
    for position, (name, copies, form, is_required) in enumerate(wanted, start=1):
        values = {
            "position": position,
            "name": name,
            "copies": copies,
            "form": form,
            "is_required": is_required,
            "template_file": files.get(name, ""),
        }
        if position <= len(rows):
            document = rows[position - 1]
            current = {**{k: getattr(document, k) for k in values}}
            current["template_file"] = document.template_file.name or ""
            if current != values:
                for key, value in values.items():
                    setattr(document, key, value)
                document.save()
        else:
            RequiredDocument.objects.create(procedure=procedure, **values)
    RequiredDocument.objects.filter(pk__in=[d.pk for d in rows[len(wanted) :]]).delete()
    return True


def _sync_eforms(procedure: Procedure, wanted: dict[str, dict[str, Any] | None]) -> bool:
    """Give each named document the e-form of the file (or none); False when nothing changed."""
    if not wanted:
        return False
    from eforms.models import EForm

    changed = False
    for document in procedure.documents.filter(name__in=list(wanted)).select_related("eform"):
        definition = wanted[document.name]
        current = getattr(document, "eform", None)
        if definition is None:
            if current is not None:
                current.delete()
                changed = True
        elif current is None:
            EForm.objects.create(document=document, definition=definition)
            changed = True
        elif current.definition != definition:
            current.definition = definition
            current.save(update_fields=["definition", "updated_at"])
            changed = True
    return changed


def _sync_fees(
    procedure: Procedure, wanted: list[FeeRow], existing: list[FeeItem] | None = None
) -> bool:
    rows = list(procedure.fees.all()) if existing is None else existing
    if [(f.name, f.kind, f.amount, f.exemptions) for f in rows] == wanted:
        return False
    FeeItem.objects.filter(pk__in=[f.pk for f in rows]).delete()
    FeeItem.objects.bulk_create(
        FeeItem(
            procedure=procedure,
            position=position,
            name=name,
            kind=kind,
            amount=amount,
            exemptions=exemptions,
        )
        for position, (name, kind, amount, exemptions) in enumerate(wanted, start=1)
    )
    return True


def _sync_steps(
    procedure: Procedure, wanted: list[StepRow], existing: list[InterAgencyStep] | None = None
) -> bool:
    rows = list(procedure.steps.all()) if existing is None else existing
    if [(s.agency_id, s.description, s.working_days) for s in rows] == wanted:
        return False
    InterAgencyStep.objects.filter(pk__in=[s.pk for s in rows]).delete()
    InterAgencyStep.objects.bulk_create(
        InterAgencyStep(
            procedure=procedure,
            position=position,
            agency_id=agency_id,
            description=description,
            working_days=days,
        )
        for position, (agency_id, description, days) in enumerate(wanted, start=1)
    )
    return True


# --- Export --------------------------------------------------------------------------------


def _plain(number: Decimal | None) -> str | None:
    """7.50 -> "7.5", 10.00 -> "10" (never "1E+1")."""
    return None if number is None else format(number.normalize(), "f")


def _export_queryset(queryset: QuerySet[Procedure] | None) -> QuerySet[Procedure]:
    base = Procedure.objects.all() if queryset is None else queryset
    return (
        base.select_related("sector", "agency", "department", "current_version")
        .prefetch_related(
            Prefetch("documents", queryset=RequiredDocument.objects.select_related("eform")),
            "fees",
            "steps__agency",
        )
        .order_by("sector__position", "sector__code", "code")
    )


def catalogue_export(queryset: QuerySet[Procedure] | None = None) -> dict[str, Any]:
    """The procedures (all by default) in the import format; importing it changes nothing."""
    procedures = list(_export_queryset(queryset))
    sectors = sorted({p.sector for p in procedures}, key=lambda s: (s.position, s.code))
    return {
        "meta": {
            "format": EXPORT_FORMAT,
            "version": EXPORT_FORMAT_VERSION,
            "exported_at": timezone.now().isoformat(timespec="seconds"),
            "procedures": len(procedures),
        },
        "sectors": [{"code": s.code, "name": s.name, "position": s.position} for s in sectors],
        "procedures": [_export_procedure(p) for p in procedures],
    }


def _export_procedure(procedure: Procedure) -> dict[str, Any]:
    return {
        "code": procedure.code,
        "name": procedure.name,
        "sector": procedure.sector.code,
        "agency_code": procedure.agency.code,
        "department": procedure.department.code if procedure.department else None,
        "level": procedure.level,
        "processing_time": _plain(procedure.processing_time),
        "processing_unit": procedure.processing_unit,
        "processing_time_online": _plain(procedure.processing_time_online),
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
        "filed_regardless_of_boundary": procedure.filed_regardless_of_boundary,
        "decision": procedure.decision,
        "source_url": procedure.source_url,
        "is_published": procedure.is_published,
        "documents": [
            {
                "name": document.name,
                "copies": document.copies,
                "form": document.form,
                "is_required": document.is_required,
                # The application form filled online; publishing freezes it into the version.
                "eform": _eform_of(document),
            }
            for document in procedure.documents.all()
        ],
        "fees": [
            {"name": fee.name, "kind": fee.kind, "amount": fee.amount, "exemptions": fee.exemptions}
            for fee in procedure.fees.all()
        ],
        "steps": [
            {
                "agency_code": step.agency.code,
                "description": step.description,
                "working_days": _plain(step.working_days),
            }
            for step in procedure.steps.all()
        ],
    }


def _eform_of(document: RequiredDocument) -> dict[str, Any] | None:
    eform = getattr(document, "eform", None)  # the reverse one-to-one raises when absent
    return eform.definition if eform is not None else None


class TextSink(Protocol):
    """Anything text can be written to: a file, an HttpResponse, a command's stdout."""

    def write(self, text: str, /) -> object: ...


def catalogue_export_csv(queryset: QuerySet[Procedure] | None, file: TextSink) -> int:
    """One row per procedure, for a spreadsheet; returns the number of rows written."""
    writer = csv.writer(file)
    writer.writerow(
        [
            _("Code"),
            _("Name"),
            _("Sector"),
            _("Agency code"),
            _("Agency"),
            _("Service level"),
            _("Processing time"),
            _("Unit"),
            _("Processing time online"),
            _("Total fees (VND)"),
            _("Documents"),
            _("Published"),
            _("Current version"),
            _("E-forms"),
        ]
    )
    count = 0
    for procedure in _export_queryset(queryset):
        online = ""
        if procedure.accepts_online_submission:
            amount, _unit = services.processing_time_for(
                {
                    "processing_time": str(procedure.processing_time),
                    "processing_unit": procedure.processing_unit,
                    "processing_time_online": _plain(procedure.processing_time_online),
                },
                online=True,
            )
            online = _plain(amount) or ""
        writer.writerow(
            [
                procedure.code,
                procedure.name,
                procedure.sector.name,
                procedure.agency.code,
                procedure.agency.name,
                procedure.level,
                _plain(procedure.processing_time),
                procedure.get_processing_unit_display(),
                online,
                sum(fee.amount for fee in procedure.fees.all()),
                len(procedure.documents.all()),
                _("yes") if procedure.is_published else _("no"),
                procedure.current_version.number if procedure.current_version else "",
                sum(1 for document in procedure.documents.all() if _eform_of(document)),
            ]
        )
        count += 1
    return count
