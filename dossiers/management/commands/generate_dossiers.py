"""Generate many realistic dossiers for load tests (bench/) — never for production.

    python manage.py generate_dossiers --count 1000000 [--batch 20000] [--days 730] [--seed 1]
    python manage.py generate_dossiers --up-to 1000000   # idempotent: only what is missing
    python manage.py generate_dossiers --open-up-to 50000  # open ones only, up to 50 k open
    python manage.py generate_dossiers --count 5000000 --workers 2  # processes side by side
    python manage.py generate_dossiers --count 300000 --keep-indexes  # not dropped for the load

Dossiers of every published procedure (weighted: a few procedures get most of the work), over
the last `--days` days, through every channel, in realistic states (most finished, about 1 %
open, the open ones recent), with their events, and what happens around them — clock pauses,
hand-offs, apologies, fees paid and refunded, feedback, ratings (dossiers/generated_records.py)
— so that every figure of a report has data. Dates follow the working-day calendar: due
times are those of `procedures.services.due_at` for real acceptances: whole working days from
a precomputed list of working days, the rest through `due_at` itself, cached per (acceptance
moment, time limit) since acceptances fall on a 5-minute grid.

Codes are `{agency}-{yyMMdd}-{NNNN}` numbered arithmetically per agency and day, continuing
from `DossierCodeSequence`, which is raised to the highest number used at the end so real
submissions never collide. PostgreSQL gets the rows through COPY, from one process per CPU
(each submits on its own share of the working days, so each numbers its own codes) with a
writer thread each; other databases through `bulk_create` in one process. A big load into a
smaller table goes in without the secondary indexes, built again at the end; the tables are
then vacuumed and analysed, so the indexes serve index-only scans at once. History rows
(django-simple-history), payment events and files are not generated.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import random
import threading
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, models, transaction
from django.utils import timezone

from dossiers.generated_records import (
    Extra,
    Fees,
    People,
    Records,
    WorkingCalendar,
    event,
    raise_counter,
    save_sequences,
)
from dossiers.models import Dossier, DossierCodeSequence, DossierEvent
from portal import workdays
from portal.models import Department
from procedures import services as procedure_services
from procedures.models import Channel, Procedure, ProcessingUnit, ReturnMethod, ServiceLevel

State, Kind = Dossier.State, DossierEvent.Kind

# Share of each final state; open states are about 1 % (DESIGN §9: 50 k open of 5 M).
STATE_WEIGHTS = [
    (State.DONE, 0.925),
    (State.RETURNED, 0.04),
    (State.WITHDRAWN, 0.025),
    (State.PROCESSING, 0.006),
    (State.INCOMPLETE, 0.002),
    (State.RECEIVED, 0.002),
]
CHANNEL_WEIGHTS = {Channel.ONLINE: 0.55, Channel.DESK: 0.42, Channel.POST: 0.03}
SLOT_MINUTES = 5

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Lương",
]
MIDDLE = [
    "Văn",
    "Thị",
    "Hữu",
    "Minh",
    "Ngọc",
    "Thanh",
    "Quốc",
    "Đức",
    "Thu",
    "Kim",
    "Xuân",
    "Hồng",
    "Công",
    "Gia",
    "Bảo",
]
GIVEN = [
    "An",
    "Anh",
    "Bình",
    "Cường",
    "Dung",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Minh",
    "Nam",
    "Nga",
    "Ngân",
    "Nhung",
    "Phong",
    "Phúc",
    "Phương",
    "Quang",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Thắng",
    "Thủy",
    "Trang",
    "Trung",
    "Tuấn",
    "Tú",
    "Uyên",
    "Vân",
    "Việt",
    "Vy",
    "Yến",
]
STREETS = [
    "Trần Hưng Đạo",
    "Lê Lợi",
    "Nguyễn Huệ",
    "Hùng Vương",
    "Duy Tân",
    "Lê Duẩn",
    "Phan Đình Phùng",
    "Nguyễn Tất Thành",
]
WARDS = [
    "Phường 1",
    "Phường 2",
    "Phường 5",
    "Phường 7",
    "Phường 9",
    "Xã An Phú",
    "Xã Bình Kiến",
    "Phường Phú Lâm",
]
REFUSALS = [
    "Thủ tục không thuộc thẩm quyền giải quyết của cơ quan.",
    "Hồ sơ không đủ điều kiện theo quy định.",
    "Người nộp không bổ sung hồ sơ trong thời hạn yêu cầu.",
]


@dataclass(frozen=True)
class ProcedureInfo:
    pk: int
    version_id: int
    agency_id: int
    agency_code: str
    level: int
    channels: tuple[str, ...]
    return_methods: tuple[str, ...]
    desk_limit: tuple[Decimal, str, str | None]  # amount, unit, same-day cut-off
    online_limit: tuple[Decimal, str, str | None]
    channel_weights: tuple[float, ...]
    fees: Fees | None


class Generator:
    def __init__(
        self,
        *,
        days: int,
        seed: int | None,
        now: datetime,
        people: People,
        open_only: bool = False,
        part: tuple[int, int] = (0, 1),
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - fake data, not secrets
        # Process k of n submits dossiers on the working days k, k+n, k+2n…: each numbers its
        # own days, so codes of processes running side by side never meet.
        self.part_index, self.parts = part
        self.zone = timezone.get_current_timezone()
        self.now = now
        self.today = timezone.localdate(now)
        self.procedures = self._procedures()
        if not self.procedures:
            raise CommandError("No published procedure: run seed_demo (and generate_procedures).")
        self.cum_weights = list(accumulate(self._weights(len(self.procedures))))
        self.departments = self._departments()
        self.working_days = [
            self.today - timedelta(days=offset)
            for offset in range(days, 0, -1)
            if workdays.is_working_day(self.today - timedelta(days=offset))
        ]
        if len(self.working_days) < 20:
            raise CommandError("--days must span at least 20 working days.")
        self.slots = self._slots()
        # Due times run up to a few months past today (long procedures, pauses, apologies).
        self.calendar = WorkingCalendar(self.working_days[0], self.today + timedelta(days=730))
        self.records = Records(
            rng=self.rng, now=now, calendar=self.calendar, people=people, part=part
        )
        self.sequences: dict[tuple[int, date], int] = {
            (agency_id, day): number
            for agency_id, day, number in DossierCodeSequence.objects.filter(
                day__gte=self.working_days[0] - timedelta(days=7)
            ).values_list("agency_id", "day", "last_number")
        }
        self.touched: set[tuple[int, date]] = set()
        self._due_cache: dict[tuple[Any, ...], datetime] = {}
        self._forward_cache: dict[datetime, datetime] = {}
        weights = [(s, w) for s, w in STATE_WEIGHTS if not open_only or s in Dossier.OPEN_STATES]
        self.states = [state for state, _w in weights]
        self.state_weights = list(accumulate(weight for _s, weight in weights))

    def used_numbers(self) -> dict[str, dict[Any, int]]:
        """The highest numbers used, per code, receipt and feedback counter."""
        return {
            "codes": {key: self.sequences[key] for key in self.touched},
            **self.records.used_numbers(),
        }

    # --- Reference data ---------------------------------------------------------------------

    def _procedures(self) -> list[ProcedureInfo]:
        infos = []
        queryset = (
            Procedure.objects.filter(is_published=True, current_version__isnull=False)
            .select_related("agency", "current_version")
            .order_by("pk")
        )
        for procedure in queryset:
            data = procedure.current_version.data  # type: ignore[union-attr]
            channels = tuple(c for c in data.get("submission_channels", []) if c in Channel.values)
            if data.get("level", 0) < ServiceLevel.PARTLY_ONLINE:
                channels = tuple(c for c in channels if c != Channel.ONLINE)
            infos.append(
                ProcedureInfo(
                    pk=procedure.pk,
                    version_id=procedure.current_version_id,  # type: ignore[arg-type]
                    agency_id=procedure.agency_id,
                    agency_code=procedure.agency.code,
                    level=int(data.get("level", 1)),
                    channels=channels or (Channel.DESK,),
                    channel_weights=tuple(
                        accumulate(CHANNEL_WEIGHTS.get(c, 0.1) for c in channels or (Channel.DESK,))
                    ),
                    return_methods=tuple(data.get("return_methods") or [ReturnMethod.DESK]),
                    desk_limit=(
                        *procedure_services.processing_time_for(data, online=False),
                        data.get("same_day_cutoff"),
                    ),
                    online_limit=(
                        *procedure_services.processing_time_for(data, online=True),
                        data.get("same_day_cutoff"),
                    ),
                    fees=Fees.of(data),
                )
            )
        return infos

    def _weights(self, count: int) -> list[float]:
        # A few procedures take most dossiers (civil status, land, business registration).
        ranks = list(range(1, count + 1))
        self.rng.shuffle(ranks)
        return [1.0 / rank**0.9 for rank in ranks]

    def _departments(self) -> dict[int, list[int]]:
        departments: dict[int, list[int]] = {}
        for agency_id, pk in Department.objects.filter(is_one_stop_desk=False).values_list(
            "agency_id", "pk"
        ):
            departments.setdefault(agency_id, []).append(pk)
        return departments

    def _slots(self) -> list[time]:
        slots = []
        for start, end in settings.OFFICE_HOURS:
            minute = start.hour * 60 + start.minute
            while minute < end.hour * 60 + end.minute:
                slots.append(time(minute // 60, minute % 60))
                minute += SLOT_MINUTES
        return slots

    # --- Times ------------------------------------------------------------------------------

    def _before_now(self, start: datetime, wait: timedelta) -> datetime:
        """`wait` after `start`, or halfway to now when that would be in the future."""
        return min(start + wait, start + (self.now - start) / 2)

    def _at(self, day: date, slot: time, seconds: int = 0) -> datetime:
        return datetime.combine(day, slot, tzinfo=self.zone) + timedelta(seconds=seconds)

    def _due(self, info: ProcedureInfo, online: bool, accepted_at: datetime) -> datetime:
        amount, unit, cutoff = info.online_limit if online else info.desk_limit
        if unit == ProcessingUnit.WORKING_DAYS and amount == int(amount):
            # Whole working days from a moment in office hours: the same clock time that many
            # working days later (what workdays.add_working_days gives), without its cost.
            return self.calendar.add_days(accepted_at, int(amount))
        key = (amount, unit, cutoff, accepted_at)
        due = self._due_cache.get(key)
        if due is None:
            data = {"processing_time": str(amount), "processing_unit": unit}
            if cutoff:
                data["same_day_cutoff"] = cutoff
            due = procedure_services.due_at(data, received_at=accepted_at, online=False)
            self._due_cache[key] = due
        return due

    def _forward_due(self, accepted_at: datetime) -> datetime:
        due = self._forward_cache.get(accepted_at)
        if due is None:
            due = workdays.add_working_hours(accepted_at, workdays.working_hours_per_day() / 2)
            self._forward_cache[accepted_at] = due
        return due

    # --- People -----------------------------------------------------------------------------

    def _person(self) -> tuple[str, str, str, str]:
        rng = self.rng
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        born = rng.randint(1950, 2006)
        century_sex = (0 if born < 2000 else 2) + rng.randint(0, 1)
        national_id = f"054{century_sex}{born % 100:02d}{rng.randint(0, 999999):06d}"
        phone = f"09{rng.randint(0, 99999999):08d}"
        address = f"Số {rng.randint(1, 300)} {rng.choice(STREETS)}, {rng.choice(WARDS)}, Phú Yên"
        return name, national_id, phone, address

    # --- One dossier ------------------------------------------------------------------------

    def dossier(self) -> Generated:
        """One dossier: its row, its events and the records around it."""
        info, row, events = self._dossier()
        return row, events, self.records.add(row, events, info.fees)

    def _dossier(self) -> tuple[ProcedureInfo, dict[str, Any], list[dict[str, Any]]]:
        rng = self.rng
        info = rng.choices(self.procedures, cum_weights=self.cum_weights)[0]
        state = rng.choices(self.states, cum_weights=self.state_weights)[0]
        channel = rng.choices(info.channels, cum_weights=info.channel_weights)[0]
        online = channel == Channel.ONLINE
        days = self.working_days
        last = len(days) - 1
        if state == State.RECEIVED:
            day_index = last - rng.randint(0, 1)
        elif state == State.INCOMPLETE:
            day_index = last - rng.randint(0, 8)
        elif state == State.PROCESSING:
            day_index = last - rng.randint(0, 14)
        else:
            # Finished ones: anywhere, but not in the last days (they take time).
            day_index = rng.randint(0, max(0, last - 3))
        day_index -= (day_index - self.part_index) % self.parts
        if day_index < 0:
            day_index += self.parts
        slot_index = rng.randrange(len(self.slots))
        submitted_at = self._at(days[day_index], self.slots[slot_index], rng.randint(0, 299))
        local_day = days[day_index]
        key = (info.agency_id, local_day)
        number = self.sequences.get(key, 0) + 1
        self.sequences[key] = number
        self.touched.add(key)
        name, national_id, phone, address = self._person()
        return_method: str = ReturnMethod.DESK
        if info.level >= ServiceLevel.FULLY_ONLINE and online:
            return_method = rng.choice(info.return_methods)
        row: dict[str, Any] = {
            "code": f"{info.agency_code}-{local_day:%y%m%d}-{number:04d}",
            "procedure_id": info.pk,
            "procedure_version_id": info.version_id,
            "agency_id": info.agency_id,
            "applicant_name": name,
            "applicant_national_id": national_id,
            "applicant_phone": phone,
            "applicant_address": address,
            "channel": channel,
            "return_method": return_method,
            "postal_address": address if return_method == ReturnMethod.POST else "",
            "state": state,
            "originals_checked": channel == Channel.DESK,
            "submitted_at": submitted_at,
            "created_at": submitted_at - timedelta(minutes=rng.randint(5, 90)),
        }
        events = [
            event(
                Kind.SUBMITTED if online else Kind.REGISTERED,
                submitted_at,
                State.DRAFT,
                State.RECEIVED,
            )
        ]
        finished_at: datetime
        if state in (State.RECEIVED, State.WITHDRAWN, State.INCOMPLETE) or (
            state == State.RETURNED and rng.random() < 0.5
        ):
            # Never accepted.
            if state == State.INCOMPLETE:
                events.append(
                    event(
                        Kind.SUPPLEMENT_REQUESTED,
                        self._before_now(submitted_at, timedelta(hours=rng.randint(1, 20))),
                        State.RECEIVED,
                        State.INCOMPLETE,
                        reason="Bổ sung bản sao giấy tờ còn thiếu.",
                    )
                )
            elif state in (State.WITHDRAWN, State.RETURNED):
                finished_at = self._before_now(submitted_at, timedelta(hours=rng.randint(1, 40)))
                row["finished_at"] = finished_at
                kind = Kind.WITHDRAWN if state == State.WITHDRAWN else Kind.REFUSED
                reason = rng.choice(REFUSALS) if state == State.RETURNED else ""
                events.append(event(kind, finished_at, State.RECEIVED, state, reason=reason))
            row["updated_at"] = events[-1]["created_at"]
            return info, row, events

        # Accepted: at the desk at once, online by the next working day.
        if online or channel == Channel.POST:
            accept_index = min(last, day_index + rng.randint(0, 1))
            accept_slot = rng.randrange(len(self.slots))
            if accept_index == day_index:
                accept_slot = max(accept_slot, slot_index + 1)
        else:
            accept_index, accept_slot = day_index, slot_index + rng.randint(1, 3)
        if accept_slot >= len(self.slots):
            accept_index, accept_slot = min(last, accept_index + 1), rng.randint(0, 6)
        accepted_at = self._at(days[accept_index], self.slots[accept_slot])
        if rng.random() < 0.08 and submitted_at < accepted_at < self.now:
            # A supplement round before acceptance.
            asked = submitted_at + (accepted_at - submitted_at) / 3
            events.append(event(Kind.SUPPLEMENT_REQUESTED, asked, State.RECEIVED, State.INCOMPLETE))
            events.append(
                event(
                    Kind.SUPPLEMENTED,
                    asked + (accepted_at - asked) / 2,
                    State.INCOMPLETE,
                    State.RECEIVED,
                )
            )
        due_at = self._due(info, online, accepted_at)
        forward_due_at = self._forward_due(accepted_at)
        row |= {
            "accepted_at": accepted_at,
            "due_at": due_at,
            "appointment_at": due_at,
            "forward_due_at": forward_due_at,
        }
        events.append(
            event(
                Kind.ACCEPTED,
                accepted_at,
                State.RECEIVED,
                State.PROCESSING,
                data={"due_at": due_at.isoformat()},
            )
        )
        forward_minutes = rng.randint(5, 200) if rng.random() < 0.96 else rng.randint(241, 900)
        forwarded_at = accepted_at + timedelta(minutes=forward_minutes)
        if state == State.PROCESSING and (rng.random() < 0.12 or forwarded_at > self.now):
            row["updated_at"] = accepted_at
            return info, row, events  # still at the desk
        department_ids = self.departments.get(info.agency_id)
        row["department_id"] = rng.choice(department_ids) if department_ids else None
        row["forwarded_at"] = forwarded_at
        events.append(
            event(
                Kind.FORWARDED,
                forwarded_at,
                State.PROCESSING,
                State.PROCESSING,
                data={"department": row["department_id"], "late": forwarded_at > forward_due_at},
            )
        )
        if state == State.PROCESSING:
            row["updated_at"] = forwarded_at
            return info, row, events
        span = max(due_at - forwarded_at, timedelta(hours=1))
        if rng.random() < 0.07:  # late
            finished_at = due_at + timedelta(hours=rng.randint(2, 120))
        else:
            finished_at = forwarded_at + span * rng.uniform(0.3, 0.98)
        latest = self.now - timedelta(hours=1)
        if finished_at > latest:
            # A long procedure accepted lately: settled by now, never in the future.
            finished_at = forwarded_at + (latest - forwarded_at) * rng.uniform(0.3, 0.98)
        row["finished_at"] = finished_at
        if state == State.RETURNED:
            events.append(
                event(
                    Kind.REJECTED,
                    finished_at,
                    State.PROCESSING,
                    State.RETURNED,
                    reason=rng.choice(REFUSALS),
                )
            )
        else:
            row["result_text"] = ""
            events.append(event(Kind.COMPLETED, finished_at, State.PROCESSING, State.DONE))
            delivered_at = finished_at + timedelta(hours=rng.randint(1, 72))
            if rng.random() < 0.9 and delivered_at < self.now:
                row["delivered_at"] = delivered_at
                events.append(event(Kind.DELIVERED, delivered_at, State.DONE, State.DONE))
        row["updated_at"] = events[-1]["created_at"]
        return info, row, events


# --- Writers ----------------------------------------------------------------------------------

# One generated dossier: its row, its events, the records around it (generated_records).
Generated = tuple[dict[str, Any], list[dict[str, Any]], list[Extra]]
Batch = list[Generated]


def _columns(model: type[Any], *, with_pk: bool) -> list[Any]:
    return [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]


class _Table:
    """The columns of one model for COPY: names, defaults, which hold JSON."""

    def __init__(self, model: type[Any], *, with_pk: bool = False) -> None:
        self.model = model
        self.fields = _columns(model, with_pk=with_pk)
        self.names = [f.attname for f in self.fields]
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        self.json = {f.attname for f in self.fields if isinstance(f, models.JSONField)}
        for name in self.json:
            self.defaults[name] = json.dumps(self.defaults[name])
        columns = ", ".join(f'"{f.column}"' for f in self.fields)
        self.sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"

    def values(self, row: dict[str, Any]) -> list[Any]:
        values = [row.get(name, self.defaults[name]) for name in self.names]
        for position, name in enumerate(self.names):
            if name in self.json and name in row and not isinstance(values[position], str):
                values[position] = json.dumps(values[position], ensure_ascii=False)
        return values


class PostgresWriter:
    """COPY ... FROM STDIN: ids reserved from the sequence first, so events can refer to them."""

    def __init__(self) -> None:
        self.dossiers = _Table(Dossier, with_pk=True)
        self.events = _Table(DossierEvent)
        self.others: dict[type[Any], _Table] = {}

    def write(self, batch: Batch) -> int:
        table = Dossier._meta.db_table
        rows = 0
        with connection.cursor() as cursor:
            # Generated rows can be made again: no need to wait for the WAL flush.
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(batch)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            raw = cursor.cursor  # psycopg 3
            dossiers, events = self.dossiers, self.events
            extras: dict[type[Any], list[dict[str, Any]]] = {}
            with raw.copy(dossiers.sql) as copy:  # type: ignore[union-attr]
                write, names, defaults = copy.write_row, dossiers.names, dossiers.defaults
                for pk, (row, _events, others) in zip(ids, batch, strict=True):
                    row["id"] = pk
                    write([row.get(name, defaults[name]) for name in names])
                    for model, values in others:
                        values["dossier_id"] = pk
                        extras.setdefault(model, []).append(values)
            with raw.copy(events.sql) as copy:  # type: ignore[union-attr]
                write, names, defaults = copy.write_row, events.names, events.defaults
                for pk, (_row, dossier_events, _others) in zip(ids, batch, strict=True):
                    for item in dossier_events:
                        item["dossier_id"] = pk
                        item["data"] = json.dumps(item["data"]) if item["data"] else "{}"
                        write([item.get(name, defaults[name]) for name in names])
                    rows += len(dossier_events)
            for model, records in extras.items():
                other = self.others.get(model) or self.others.setdefault(model, _Table(model))
                with raw.copy(other.sql) as copy:  # type: ignore[union-attr]
                    for record in records:
                        copy.write_row(other.values(record))
                rows += len(records)
        return rows


class OrmWriter:
    """bulk_create for SQLite and the rest (timestamps as generated, not "now")."""

    def write(self, batch: Batch) -> int:
        dossiers = Dossier.objects.bulk_create(
            [Dossier(**row) for row, _events, _extras in batch], batch_size=500
        )
        events = [
            DossierEvent(dossier_id=dossier.pk, **item)
            for dossier, (_row, dossier_events, _extras) in zip(dossiers, batch, strict=True)
            for item in dossier_events
        ]
        DossierEvent.objects.bulk_create(events, batch_size=500)
        extras: dict[type[Any], list[Any]] = {}
        for dossier, (_row, _events, others) in zip(dossiers, batch, strict=True):
            for model, values in others:
                fields = {
                    name: json.loads(value)
                    if isinstance(value, str)
                    and isinstance(model._meta.get_field(name), models.JSONField)
                    else value
                    for name, value in values.items()
                }
                extras.setdefault(model, []).append(model(dossier_id=dossier.pk, **fields))
        for model, objects in extras.items():
            model.objects.bulk_create(objects, batch_size=500)
        return len(events) + sum(len(objects) for objects in extras.values())


GENERATED_MODELS: list[type[Any]] = [Dossier, DossierEvent]


def _generated_models() -> list[type[Any]]:
    from dossiers.models import Apology, ClockPause, Handoff
    from feedback.models import Feedback, Rating
    from payments.models import Payment

    return [*GENERATED_MODELS, ClockPause, Handoff, Apology, Payment, Feedback, Rating]


@contextmanager
def _generated_timestamps() -> Iterator[None]:
    """auto_now(_add) would overwrite the generated dates in bulk_create: off meanwhile."""
    fields: list[Any] = [
        f
        for model in _generated_models()
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


# Where the definitions of dropped indexes wait to be built again: a table of the database
# itself, so that a run killed half-way is finished by the next one (never lost).
DROPPED_INDEXES = "generate_dossiers_dropped_index"


def _rebuild_indexes(write: Callable[[str], Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [DROPPED_INDEXES])
        if cursor.fetchone()[0] is None:
            return
        cursor.execute(f"SELECT name, definition FROM {DROPPED_INDEXES} ORDER BY name")  # noqa: S608
        pending = cursor.fetchall()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in pending:
            started = clock.perf_counter()
            with transaction.atomic():
                cursor.execute(definition)
                cursor.execute(f"DELETE FROM {DROPPED_INDEXES} WHERE name = %s", [name])  # noqa: S608
            write(f"  index {name} built in {clock.perf_counter() - started:.1f} s")
        cursor.execute(f"DROP TABLE {DROPPED_INDEXES}")
        cursor.execute("RESET maintenance_work_mem")


@contextmanager
def _without_indexes(drop: bool, write: Callable[[str], Any]) -> Iterator[None]:
    """Drop the secondary indexes of the generated tables for the load, build them after.

    Indexes behind constraints (primary keys, unique codes) stay: the load still cannot
    duplicate anything. The definitions are kept in a table first; indexes a killed run left
    to build are built at the start of the next run with a PostgreSQL database.
    """
    if connection.vendor == "postgresql":
        _rebuild_indexes(write)
    if not drop:
        yield
        return
    tables = [model._meta.db_table for model in _generated_models()]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {DROPPED_INDEXES} (name text PRIMARY KEY, definition text NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {DROPPED_INDEXES} (name, definition) "  # noqa: S608
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) RETURNING name",
            [tables],
        )
        names = [row[0] for row in cursor.fetchall()]
        for name in names:
            cursor.execute(f'DROP INDEX "{name}"')
    write(f"  {len(names)} indexes dropped for the load")
    try:
        yield
    finally:
        _rebuild_indexes(write)


# A load of at least this many dossiers, into a table that does not hold more already, goes in
# without the secondary indexes: building them once at the end is cheaper than keeping them up
# row by row (5 M dossiers into an empty database: 7 min 11 s load + 69 s of index building).
DROP_INDEXES_FROM = 200_000


def drops_indexes_by_default(count: int) -> bool:
    """Whether a load of `count` dossiers goes in without the secondary indexes."""
    return count >= DROP_INDEXES_FROM and count >= Dossier.objects.count()


def _vacuum_analyze() -> None:
    """Statistics for the planner, and the visibility map set for the new pages.

    Without the visibility map an index-only scan still visits the table for every row, and the
    planner knows it: the report's covering indexes and the lookup are then read the slow way
    until autovacuum comes round (never, where it is off). Inside a transaction (VACUUM cannot
    run there) only ANALYZE.
    """
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in _generated_models():
            cursor.execute(f"{command} {model._meta.db_table}")


def _save_sequences(used: dict[str, dict[Any, int]]) -> None:
    """Raise each counter to the highest number used (never lower it): codes per agency and
    day, then receipts and feedback (generated_records)."""
    raise_counter(DossierCodeSequence, ("agency_id", "day"), used["codes"])
    save_sequences(used)


def _merge(into: dict[str, dict[Any, int]], used: dict[str, dict[Any, int]]) -> None:
    for counter, numbers in used.items():
        target = into.setdefault(counter, {})
        for key, number in numbers.items():
            target[key] = max(number, target.get(key, 0))


class Command(BaseCommand):
    help = "Create many realistic dossiers with their events, for load tests (never in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=0, help="dossiers to create")
        parser.add_argument(
            "--up-to",
            type=int,
            default=0,
            help="create only what is missing for this many submitted dossiers in all",
        )
        parser.add_argument(
            "--open-up-to",
            type=int,
            default=0,
            help="create open dossiers only, until this many are open (deadline-scan bench)",
        )
        parser.add_argument("--batch", type=int, default=20_000, help="rows per transaction")
        parser.add_argument("--days", type=int, default=730, help="spread over this many days")
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="random seed (repeatable with the same number of processes)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="processes generating side by side on PostgreSQL (default: one per CPU)",
        )
        indexes = parser.add_mutually_exclusive_group()
        indexes.add_argument(
            "--drop-indexes",
            action="store_true",
            help="PostgreSQL: load without the secondary indexes of the generated tables and "
            "build them again at the end (the default for a big load into a smaller table)",
        )
        indexes.add_argument(
            "--keep-indexes",
            action="store_true",
            help="PostgreSQL: keep the indexes during the load, whatever its size",
        )

    def handle(self, *args: object, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("generate_dossiers creates fake dossiers: never in production.")
        count = options["count"]
        open_only = bool(options["open_up_to"])
        if open_only:
            existing = Dossier.objects.filter(state__in=Dossier.OPEN_STATES).count()
            count = max(0, options["open_up_to"] - existing)
            if not count:
                self.stdout.write(f"{existing} open dossiers already; nothing to do.")
                return
        elif options["up_to"]:
            existing = Dossier.objects.exclude(state=State.DRAFT).count()
            count = max(0, options["up_to"] - existing)
            if not count:
                self.stdout.write(f"{existing} dossiers already; nothing to do.")
                return
        if count <= 0:
            raise CommandError("Give --count N (or --up-to N, or --open-up-to N).")
        batch_size = max(1, options["batch"])
        workers = 1
        if connection.vendor == "postgresql":
            workers = options["workers"] or os.cpu_count() or 1
            workers = max(1, min(workers, -(-count // batch_size)))
        job = {
            "days": options["days"],
            "seed": options["seed"],
            "now": timezone.now(),
            "people": People.ensure(),
            "open_only": open_only,
            "batch_size": batch_size,
        }
        started = clock.perf_counter()
        done = rows = 0
        used: dict[str, dict[Any, int]] = {}

        def report(dossiers: int, others: int) -> None:
            nonlocal done, rows
            done, rows = done + dossiers, rows + others
            elapsed = clock.perf_counter() - started
            self.stdout.write(
                f"  {done:,}/{count:,} dossiers, {rows:,} other rows, "
                f"{done / elapsed:,.0f} dossiers/s"
            )

        drop = connection.vendor == "postgresql" and (
            options["drop_indexes"]
            or (not options["keep_indexes"] and drops_indexes_by_default(count))
        )
        with _generated_timestamps(), _without_indexes(drop, self.stdout.write):
            if workers == 1:
                _merge(used, _generate(job, part=(0, 1), count=count, report=report))
            else:
                for numbers in _in_processes(job, workers=workers, count=count, report=report):
                    _merge(used, numbers)
        with transaction.atomic():
            _save_sequences(used)
        if connection.vendor == "postgresql":
            _vacuum_analyze()
        elapsed = clock.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {done:,} dossiers and {rows:,} related rows in {elapsed:,.1f} s "
                f"({done / elapsed:,.0f} dossiers/s, {(done + rows) / elapsed:,.0f} rows/s, "
                f"{workers} process{'es' if workers > 1 else ''})."
            )
        )


def _run(
    generator: Generator, write: Callable[[Batch], None], *, count: int, batch_size: int
) -> None:
    """Generate the next batch while the database stores the previous one.

    On PostgreSQL a writer thread (its own connection) runs the COPY; Python and the
    database then work at the same time. Elsewhere the batches are written in turn.
    """
    sizes = [min(batch_size, count - start) for start in range(0, count, batch_size)]
    if connection.vendor != "postgresql":
        for size in sizes:
            write([generator.dossier() for _ in range(size)])
        return
    batches: queue.Queue[Batch | None] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def writer() -> None:
        try:
            while (batch := batches.get()) is not None:
                if not failure:
                    write(batch)
        except BaseException as error:  # reported by the main thread
            failure.append(error)
            while batches.get() is not None:
                pass
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer, name="generate_dossiers-writer")
    thread.start()
    try:
        for size in sizes:
            if failure:
                break
            batches.put([generator.dossier() for _ in range(size)])
    finally:
        batches.put(None)
        thread.join()
    if failure:
        raise failure[0]


def _generate(
    job: dict[str, Any],
    *,
    part: tuple[int, int],
    count: int,
    report: Callable[[int, int], None],
) -> dict[str, dict[Any, int]]:
    """Generate and store `count` dossiers as part `part` (index, of how many); return the
    highest numbers used."""
    seed = job["seed"]
    generator = Generator(
        days=job["days"],
        seed=None if seed is None else seed * 1009 + part[0],
        now=job["now"],
        people=job["people"],
        open_only=job["open_only"],
        part=part,
    )
    writer = PostgresWriter() if connection.vendor == "postgresql" else OrmWriter()

    def write(batch: Batch) -> None:
        with transaction.atomic():
            rows = writer.write(batch)
        report(len(batch), rows)

    _run(generator, write, count=count, batch_size=job["batch_size"])
    return generator.used_numbers()


def _in_processes(
    job: dict[str, Any], *, workers: int, count: int, report: Callable[[int, int], None]
) -> Iterator[dict[str, dict[Any, int]]]:
    """Run `_generate` in `workers` processes, each its own share and database connection.

    Python generates in every process at once instead of one (generation is what limits one
    process); PostgreSQL takes the COPYs of all of them. Progress comes back per batch; a
    failure in one process stops the others and is raised here.
    """
    context = multiprocessing.get_context("fork")
    messages: Any = context.Queue()
    shares = [count // workers + (1 if index < count % workers else 0) for index in range(workers)]
    connections.close_all()  # a forked child must never use the parent's connection

    def child(index: int) -> None:
        def progress(dossiers: int, rows: int) -> None:
            messages.put(("progress", dossiers, rows))

        try:
            used = _generate(job, part=(index, workers), count=shares[index], report=progress)
            messages.put(("done", index, used))
        except BaseException as error:  # reported by the parent
            messages.put(("failed", index, f"{type(error).__name__}: {error}"))
        finally:
            connections.close_all()

    processes = [context.Process(target=child, args=(index,)) for index in range(workers)]
    for process in processes:
        process.start()
    finished, failure = 0, None
    try:
        while finished < workers:
            kind, first, second = messages.get()
            if kind == "progress":
                report(first, second)
            elif kind == "done":
                finished += 1
                yield second
            else:
                failure = f"generator process {first} failed: {second}"
                break
    finally:
        if failure:
            for process in processes:
                process.terminate()
        for process in processes:
            process.join()
    if failure:
        raise CommandError(failure)
