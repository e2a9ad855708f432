"""Reporting periods: six-monthly and annual, with the Decree 09/2019 data cut-offs by default.

Decree 09/2019/NĐ-CP art. 12: the data of a six-monthly report run from 15 December of the
previous year to 14 June; of the annual report from 15 December of the previous year to
14 December. Calendar halves and years, or any custom dates, are also available
(``REPORT_PERIOD_CONVENTION`` picks the default). Dates are inclusive and local
(Asia/Ho_Chi_Minh): a dossier received at 23:59 on 14/6 belongs to the first half, one received
at 00:00 on 15/6 to the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

DECREE_09 = "decree09"
CALENDAR = "calendar"
CONVENTIONS = (DECREE_09, CALENDAR)

FIRST_HALF = 1
SECOND_HALF = 2
WHOLE_YEAR = 0


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive
    end: date  # last day, inclusive
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts.")

    @property
    def starts_at(self) -> datetime:
        """The first moment of the period (local midnight)."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period (local midnight of the next day)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def is_running(self, now: datetime) -> bool:
        """Whether the period has not ended yet at `now`."""
        return now < self.ends_before

    def counted_until(self, now: datetime) -> datetime:
        """The moment the figures of a report prepared at `now` describe: the end of the
        period, or `now` while it is still running."""
        return min(self.ends_before, now)

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Period:
        return cls(
            date.fromisoformat(data["start"]), date.fromisoformat(data["end"]), data["label"]
        )


def default_convention() -> str:
    convention = getattr(settings, "REPORT_PERIOD_CONVENTION", DECREE_09)
    return convention if convention in CONVENTIONS else DECREE_09


def half_year(year: int, half: int, convention: str | None = None) -> Period:
    """The first (1) or second (2) half of `year` under the convention."""
    convention = convention or default_convention()
    if half not in (FIRST_HALF, SECOND_HALF):
        raise ValueError("half must be 1 or 2")
    if convention == DECREE_09:
        start = date(year - 1, 12, 15) if half == FIRST_HALF else date(year, 6, 15)
        end = date(year, 6, 14) if half == FIRST_HALF else date(year, 12, 14)
    else:
        start = date(year, 1, 1) if half == FIRST_HALF else date(year, 7, 1)
        end = date(year, 6, 30) if half == FIRST_HALF else date(year, 12, 31)
    label = (
        _("First half of %(year)s") if half == FIRST_HALF else _("Second half of %(year)s")
    ) % {"year": year}
    return Period(start, end, label)


def whole_year(year: int, convention: str | None = None) -> Period:
    convention = convention or default_convention()
    if convention == DECREE_09:
        start, end = date(year - 1, 12, 15), date(year, 12, 14)
    else:
        start, end = date(year, 1, 1), date(year, 12, 31)
    return Period(start, end, _("Year %(year)s") % {"year": year})


def custom(start: date, end: date) -> Period:
    return Period(
        start,
        end,
        _("From %(start)s to %(end)s")
        % {"start": start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")},
    )


def period_for(year: int, part: int, convention: str | None = None) -> Period:
    """`part`: 1 or 2 for a half, 0 for the whole year."""
    if part == WHOLE_YEAR:
        return whole_year(year, convention)
    return half_year(year, part, convention)


def periods_ending_on(day: date, convention: str | None = None) -> list[Period]:
    """The standard periods whose last day is `day` (the beat reports them the day after)."""
    convention = convention or default_convention()
    ending = []
    for year in (day.year, day.year + 1):
        for part in (FIRST_HALF, SECOND_HALF, WHOLE_YEAR):
            period = period_for(year, part, convention)
            if period.end == day:
                ending.append(period)
    return ending
