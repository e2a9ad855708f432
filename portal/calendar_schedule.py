"""The official schedule of days off and make-up working days, shipped as data.

Each year has a file ``portal/data/calendar/<year>.yaml`` listing every day off and make-up
working day with the rule or decision that set it. ``calendar_schedule_load`` copies the
confirmed entries into ``CalendarOverride`` rows, which the working-day calendar
(``portal.workdays``) reads first, ahead of the ``holidays`` package.

Hand edits win. A row written by the loader carries the history change reason
``SCHEDULE_REASON`` on its latest history record. A row whose latest history record has
another reason (or none) was created or edited by someone in the admin: the loader never
changes it and reports it as kept. So running the loader again changes nothing, and an admin
who moves a day keeps the move.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from .models import CalendarOverride

SCHEDULE_DIR = Path(__file__).resolve().parent / "data" / "calendar"
SCHEDULE_REASON = "official calendar schedule"
_KINDS = {choice.value for choice in CalendarOverride.Kind}


class ScheduleError(ValueError):
    """A schedule file that cannot be read as the format above."""


@dataclass(frozen=True)
class ScheduleEntry:
    date: date
    kind: str
    description: str
    source: str
    confirmed: bool = True


@dataclass
class LoadResult:
    created: list[date] = field(default_factory=list)
    updated: list[date] = field(default_factory=list)
    unchanged: list[date] = field(default_factory=list)
    kept_hand_edits: list[date] = field(default_factory=list)
    unconfirmed: list[date] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.__dataclass_fields__}


def schedule_years(directory: Path = SCHEDULE_DIR) -> list[int]:
    return sorted(int(path.stem) for path in directory.glob("*.yaml") if path.stem.isdigit())


def schedule_read(year: int, directory: Path = SCHEDULE_DIR) -> list[ScheduleEntry]:
    """The entries of one year's file, with each entry's source spelled out."""
    path = directory / f"{year}.yaml"
    try:
        document: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ScheduleError(f"{path.name}: {error}") from error
    if not isinstance(document, dict) or document.get("year") != year:
        raise ScheduleError(f"{path.name}: expected a mapping with 'year: {year}'")
    sources = document.get("sources") or {}
    entries = []
    for number, item in enumerate(document.get("entries") or [], start=1):
        if not isinstance(item, dict):
            raise ScheduleError(f"{path.name}: entry {number} is not a mapping")
        day, kind = item.get("date"), item.get("kind")
        if not isinstance(day, date) or day.year != year:
            raise ScheduleError(f"{path.name}: entry {number} has no date in {year}")
        if kind not in _KINDS:
            raise ScheduleError(f"{path.name}: entry {number} has an unknown kind {kind!r}")
        source_key = item.get("source")
        if source_key not in sources:
            raise ScheduleError(f"{path.name}: entry {number} names no listed source")
        entries.append(
            ScheduleEntry(
                date=day,
                kind=kind,
                description=str(item.get("description") or "")[:255],
                source=str(sources[source_key]),
                confirmed=item.get("confirmed", True) is not False,
            )
        )
    return entries


def _written_by_schedule(row: CalendarOverride) -> bool:
    latest = row.history.order_by("-history_date", "-history_id").first()  # type: ignore[attr-defined]
    return latest is not None and latest.history_change_reason == SCHEDULE_REASON


@transaction.atomic
def calendar_schedule_load(
    years: Iterable[int] | None = None, directory: Path = SCHEDULE_DIR
) -> LoadResult:
    """Copy the confirmed schedule entries into the overrides; idempotent; hand edits win."""
    result = LoadResult()
    for year in years if years is not None else schedule_years(directory):
        entries = schedule_read(year, directory)
        existing = {
            row.date: row
            for row in CalendarOverride.objects.select_for_update().filter(
                date__in=[entry.date for entry in entries]
            )
        }
        for entry in entries:
            if not entry.confirmed:
                result.unconfirmed.append(entry.date)
                continue
            row = existing.get(entry.date)
            if row is None:
                row = CalendarOverride(
                    date=entry.date, kind=entry.kind, description=entry.description
                )
                row._change_reason = SCHEDULE_REASON  # type: ignore[attr-defined]
                row.save()
                result.created.append(entry.date)
            elif not _written_by_schedule(row):
                result.kept_hand_edits.append(entry.date)
            elif (row.kind, row.description) == (entry.kind, entry.description):
                result.unchanged.append(entry.date)
            else:
                row.kind, row.description = entry.kind, entry.description
                row._change_reason = SCHEDULE_REASON  # type: ignore[attr-defined]
                row.save()
                result.updated.append(entry.date)
    return result
