"""The dossier register (Sổ theo dõi hồ sơ, Mẫu 07 of Circular 03/2025/TT-VPCP).

Every dossier an agency accepts gets the next number of the agency's register volume; a volume
is a calendar year (local time) of acceptance, so numbers restart at 1 each year. The receipt
names the volume and number. Staff of the agency see and print the register for a period and
export it as CSV.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from portal.models import Agency

from .codes import next_register_number
from .models import Dossier, RegisterEntry

RESULTS = {
    Dossier.State.DONE: "Đã có kết quả",
    Dossier.State.RETURNED: "Trả lại / dừng giải quyết",
    Dossier.State.WITHDRAWN: "Đã rút",
}


def register_entry_create(*, dossier: Dossier, at: datetime) -> RegisterEntry:
    """Write the accepted dossier in its agency's register (once; called inside the accept)."""
    existing = RegisterEntry.objects.filter(dossier=dossier).first()
    if existing is not None:
        return existing
    volume = timezone.localtime(at).year
    number = next_register_number(agency=dossier.agency, volume=volume)
    return RegisterEntry.objects.create(
        dossier=dossier, agency=dossier.agency, volume=volume, number=number, registered_at=at
    )


def register_entries(*, agency: Agency, start: date, end: date) -> QuerySet[RegisterEntry]:
    """The agency's register lines of dossiers accepted from `start` to `end` (local days)."""
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return (
        RegisterEntry.objects.filter(
            agency=agency, registered_at__gte=since, registered_at__lt=until
        )
        .select_related("dossier__procedure", "dossier__department")
        .order_by("volume", "number")
    )


@dataclass(frozen=True)
class RegisterRow:
    volume: int
    number: int
    code: str
    procedure: str
    applicant: str
    address: str
    phone: str
    received_at: str
    appointment_at: str
    department: str
    finished_at: str
    result: str
    note: str


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y") if moment else ""


def register_rows(entries: QuerySet[RegisterEntry]) -> list[RegisterRow]:
    rows = []
    for entry in entries:
        dossier = entry.dossier
        note = ""
        if dossier.appointment_at and dossier.due_at and dossier.appointment_at != dossier.due_at:
            note = f"Hẹn lại: {_when(dossier.appointment_at)}"
        rows.append(
            RegisterRow(
                volume=entry.volume,
                number=entry.number,
                code=dossier.code or "",
                procedure=dossier.procedure.name,
                applicant=dossier.applicant_name,
                address=dossier.applicant_address,
                phone=dossier.applicant_phone,
                received_at=_when(entry.registered_at),
                appointment_at=_when(dossier.due_at),
                department=dossier.department.name if dossier.department else "",
                finished_at=_when(dossier.finished_at),
                result=RESULTS.get(Dossier.State(dossier.state), "Đang giải quyết"),
                note=note,
            )
        )
    return rows


HEADER = [
    "Quyển số",
    "Số thứ tự",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Tên tổ chức, cá nhân",
    "Địa chỉ",
    "Số điện thoại",
    "Ngày, giờ nhận hồ sơ",
    "Ngày, giờ hẹn trả kết quả",
    "Cơ quan, bộ phận giải quyết",
    "Ngày, giờ có kết quả",
    "Kết quả",
    "Ghi chú",
]


def _safe(value: object) -> object:
    # A name typed as "=HYPERLINK(...)" must stay text in a spreadsheet program.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def register_csv(rows: list[RegisterRow]) -> str:
    """The register as CSV (UTF-8 with BOM so that spreadsheet programs read the diacritics)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            [_safe(cell) for cell in [
                row.volume, row.number, row.code, row.procedure, row.applicant, row.address,
                row.phone, row.received_at, row.appointment_at, row.department, row.finished_at,
                row.result, row.note,
            ]]
        )  # fmt: skip
    return out.getvalue()
