"""Working-day calendar: every deadline in the portal is counted in working time.

Statutory processing times are given in working days (ngày làm việc), so a due date moves over
weekends, Vietnamese public holidays (Tết, Hùng Kings, days in lieu), provincial days off and
make-up working Saturdays. Precedence, highest first:

1. an admin ``CalendarOverride`` (DAY_OFF or WORKING_DAY) for that date;
2. a make-up working weekend day announced by the government (``holidays`` ``weekend_workdays``);
3. a public holiday from the ``holidays`` package (including days in lieu / observed days);
4. Monday to Friday work, Saturday and Sunday do not.

Within a working day only ``settings.OFFICE_HOURS`` sessions count; one working day is the sum of
those sessions (8 h by default), so half days are simply 4 h.

Boundary rules (chosen so that deadlines are unambiguous and always inside office hours):

* Time flows in half-open sessions ``[start, end)``. A start outside office hours (lunch break,
  evening, weekend, holiday, or exactly at a session end) counts from ``next_working_moment``.
* Adding a positive amount that ends exactly at a session end returns that end (Mon 09:00 +
  2.5 h = Mon 11:30, not 13:00): the last minute of the morning is still the morning.
* Adding zero returns ``start`` when it is inside office hours (session ends included, as
  above), else the next session start. So a result is never outside office hours, adding zero
  to a deadline leaves it alone, and adding is additive: ``add(add(s, a), b) == add(s, a + b)``.
  ``next_working_moment`` differs only exactly at a session end: it answers when the clock
  next runs (Mon 17:00 → Tue 07:30), which is what a start outside office hours counts from.
* Durations are converted to whole microseconds (``datetime``'s resolution) with Decimal
  arithmetic, so ``working_hours_between(s, add_working_hours(s, h)) == h`` exactly for every
  ``h`` with at most 8 decimal places (e.g. any multiple of 0.25 h).

Performance: deadline scans call this tens of thousands of times, so nothing here queries the
database per call. Overrides live in a process-local snapshot, reloaded after
``OVERRIDES_TTL`` seconds, dropped at once when this process saves or deletes a
``CalendarOverride``, and dropped in other processes through a version token in Django's cache
(checked at most every ``VERSION_CHECK_INTERVAL`` seconds). ``bulk_create``/``update`` send no
signals; the TTL covers those, as it does a snapshot read inside a transaction that is then
rolled back (tests should call ``clear_cache()`` around each test). Holiday tables are built
once per year.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from functools import lru_cache
from time import monotonic
from typing import Any, NamedTuple

import holidays
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .models import CalendarOverride

logger = logging.getLogger(__name__)

Amount = Decimal | float | int

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3600 * US_PER_SECOND
US_PER_DAY = 24 * US_PER_HOUR

OVERRIDES_TTL = 60.0
VERSION_CHECK_INTERVAL = 5.0
VERSION_CACHE_KEY = "portal:workdays:overrides-version"

# 1e-10 h is 0.36 µs: finer than a microsecond, so distinct durations never collapse.
_HOURS_QUANTUM = Decimal("1e-10")
_ONE_DAY = timedelta(days=1)

WEEKEND = _("Weekend")


class SkippedDay(NamedTuple):
    """A non-working day a deadline passed over, and why (in the active language)."""

    date: date
    reason: str


# --- Public API --------------------------------------------------------------------------------


def is_working_day(d: date) -> bool:
    """Whether civil servants work on this date (a datetime is read as its local date)."""
    if isinstance(d, datetime):
        d = _to_local(d).date()
    return _is_working(d, _current_overrides())


def working_hours_per_day() -> Decimal:
    """Length of one working day in hours: the sum of the ``OFFICE_HOURS`` sessions."""
    return _hours(_day_length_us(_sessions()))


def next_working_moment(dt: datetime) -> datetime:
    """The first moment at or after ``dt`` from which working time flows.

    ``dt`` itself when it lies inside a session; otherwise the start of the next session on a
    working day (Mon 12:00 → Mon 13:00; Fri 18:00 → next working day 07:30). Sessions are
    half-open here: at exactly 11:30 the clock next runs at 13:00.
    """
    return _add_us(dt, 0, stop_at_session_end=False)


def add_working_hours(start: datetime, hours: Amount) -> datetime:
    """The moment ``hours`` of working time after ``start`` (see the module's boundary rules)."""
    return _add_us(start, _to_us(hours, US_PER_HOUR))


def add_working_days(start: datetime, days: Amount) -> datetime:
    """The moment ``days`` working days after ``start``; fractions count office hours.

    Friday 10:00 + 1 day is the next working day 10:00; Monday 09:00 + 0.5 day is 14:30.
    """
    return _add_us(start, _to_us(days, _day_length_us(_sessions())))


def add_working_time(start: datetime, *, days: Amount = 0, hours: Amount = 0) -> datetime:
    """Add working days and hours in one go: the name the deadline code uses."""
    day_us = _day_length_us(_sessions())
    return _add_us(start, _to_us(days, day_us) + _to_us(hours, US_PER_HOUR))


def working_hours_between(start: datetime, end: datetime) -> Decimal:
    """Working hours from ``start`` to ``end``; zero when ``end`` is not after ``start``."""
    s, e = _to_local(start), _to_local(end)
    if e <= s:
        return Decimal(0)
    sessions = _sessions()
    day_length = _day_length_us(sessions)
    overrides = _current_overrides()
    first, last = s.date(), e.date()
    total = 0
    day = first
    while day <= last:
        if _is_working(day, overrides):
            lo = _time_us(s.time()) if day == first else 0
            hi = _time_us(e.time()) if day == last else US_PER_DAY
            if lo == 0 and hi == US_PER_DAY:
                total += day_length
            else:
                total += sum(max(0, min(b, hi) - max(a, lo)) for a, b in sessions)
        day += _ONE_DAY
    return _hours(total)


def skipped_days(start: datetime, end: datetime) -> list[SkippedDay]:
    """Non-working days from ``start``'s date to ``end``'s date, to explain a due date.

    The reason is the override's description, else the holiday's name (Vietnamese or English
    after the active language), else "Weekend".
    """
    s, e = _to_local(start), _to_local(end)
    if e <= s:
        return []
    overrides = _current_overrides()
    lang = "vi" if (translation.get_language() or "vi").startswith("vi") else "en_US"
    result = []
    day = s.date()
    while day <= e.date():
        if not _is_working(day, overrides):
            override = overrides.get(day)
            if override is not None:
                reason = override.description
            else:
                reason = _holiday_names(day.year, lang).get(day) or str(WEEKEND)
            result.append(SkippedDay(day, reason))
        day += _ONE_DAY
    return result


def clear_cache() -> None:
    """Forget the overrides snapshot in this process; the next call reloads it."""
    with _lock:
        _state.snapshot = None
        _state.version_checked_at = 0.0


# --- Calendar rules -------------------------------------------------------------------------


class _Override(NamedTuple):
    kind: str
    description: str


class _Snapshot(NamedTuple):
    overrides: Mapping[date, _Override]
    loaded_at: float
    version: str | None


class _State:
    snapshot: _Snapshot | None = None
    version_checked_at: float = 0.0


_state = _State()
_lock = threading.Lock()


def _is_working(d: date, overrides: Mapping[date, _Override]) -> bool:
    override = overrides.get(d)
    if override is not None:
        return override.kind == CalendarOverride.Kind.WORKING_DAY
    off_days, makeup_days = _year_calendar(d.year)
    if d in makeup_days:
        return True
    if d in off_days:
        return False
    return d.weekday() < 5


@lru_cache(maxsize=64)
def _year_calendar(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Public holidays and make-up working weekend days of one year (built once per year)."""
    table = holidays.country_holidays("VN", years=year, language="en_US")
    makeup = getattr(table, "weekend_workdays", ())  # attribute of holidays >= 0.6x only
    return (
        frozenset(d for d in table if d.year == year),
        frozenset(d for d in makeup if d.year == year),
    )


@lru_cache(maxsize=64)
def _holiday_names(year: int, language: str) -> Mapping[date, str]:
    table = holidays.country_holidays("VN", years=year, language=language)
    return {d: name for d, name in table.items() if d.year == year}


def _current_overrides() -> Mapping[date, _Override]:
    """The overrides snapshot, reloaded when stale or when another process changed them."""
    now = monotonic()
    snapshot = _state.snapshot
    if snapshot is not None and now - snapshot.loaded_at < OVERRIDES_TTL:
        if now - _state.version_checked_at < VERSION_CHECK_INTERVAL:
            return snapshot.overrides
        _state.version_checked_at = now
        if _shared_version() == snapshot.version:
            return snapshot.overrides
    with _lock:
        if _state.snapshot is not snapshot and _state.snapshot is not None:
            return _state.snapshot.overrides  # another thread reloaded while we waited
        # Read the version first: a change racing with the query then shows up as a new version.
        version = _shared_version()
        overrides = {
            row.date: _Override(row.kind, row.description)
            for row in CalendarOverride.objects.only("date", "kind", "description")
        }
        _state.snapshot = _Snapshot(overrides, monotonic(), version)
        _state.version_checked_at = now
    return overrides


def _shared_version() -> str | None:
    try:
        return cache.get(VERSION_CACHE_KEY)
    except Exception:
        # A cache outage must not stop deadlines; the TTL still bounds staleness.
        logger.warning("Cannot read the calendar overrides version", exc_info=True)
        return None


def _publish_override_change() -> None:
    clear_cache()
    try:
        cache.set(VERSION_CACHE_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        logger.warning("Cannot publish the calendar overrides version", exc_info=True)


@receiver(post_save, sender=CalendarOverride, dispatch_uid="workdays_override_saved")
@receiver(post_delete, sender=CalendarOverride, dispatch_uid="workdays_override_deleted")
def _override_changed(sender: type[CalendarOverride], using: str, **kwargs: Any) -> None:
    # Now, so this very request sees its own change; again after commit, for everyone else
    # (publishing earlier would let other processes reload the old rows under the new version).
    clear_cache()
    transaction.on_commit(_publish_override_change, using=using)


# --- Time arithmetic in whole microseconds -----------------------------------------------------


def _add_us(start: datetime, amount_us: int, *, stop_at_session_end: bool = True) -> datetime:
    """Walk forward day by day, consuming ``amount_us`` of session time.

    ``stop_at_session_end`` makes a session end a valid answer even for a zero amount.
    """
    local = _to_local(start)
    sessions = _sessions()
    day_length = _day_length_us(sessions)
    overrides = _current_overrides()
    day, tod, remaining = local.date(), _time_us(local.time()), amount_us
    while True:
        if _is_working(day, overrides):
            if tod <= sessions[0][0] and remaining > day_length:
                remaining -= day_length  # a whole day: skip it without looking at sessions
            else:
                for a, b in sessions:
                    if tod > b or (tod == b and (remaining or not stop_at_session_end)):
                        continue
                    begin = max(tod, a)
                    if remaining <= b - begin:
                        return _at(day, begin + remaining)
                    remaining -= b - begin
        day += _ONE_DAY
        tod = 0


def _to_us(amount: Amount, unit_us: int) -> int:
    """Convert hours or days to whole microseconds without float drift."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | float | int):
        raise TypeError(f"Expected a Decimal, float or int amount, got {amount!r}")
    # repr() gives the shortest decimal that round-trips, so 0.1 means Decimal("0.1").
    value = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)
    if not value.is_finite() or value < 0:
        raise ValueError(f"Working time must be a finite, non-negative amount, got {amount!r}")
    with localcontext() as ctx:
        ctx.prec = 60
        return int((value * unit_us).to_integral_value(rounding=ROUND_HALF_EVEN))


def _hours(us: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        value = (Decimal(us) / US_PER_HOUR).quantize(_HOURS_QUANTUM).normalize()
    # normalize() writes 100 as 1E+2; keep whole numbers plain.
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


def _sessions() -> tuple[tuple[int, int], ...]:
    return _parse_office_hours(tuple(settings.OFFICE_HOURS))


@lru_cache(maxsize=8)
def _parse_office_hours(office_hours: tuple[tuple[time, time], ...]) -> tuple[tuple[int, int], ...]:
    """Sessions as (start, end) microseconds after midnight; keyed on the setting's value."""
    sessions = tuple((_time_us(a), _time_us(b)) for a, b in office_hours)
    previous_end = -1
    for a, b in sessions:
        if not previous_end <= a < b:
            raise ImproperlyConfigured(
                "OFFICE_HOURS must be non-empty, ordered, non-overlapping (start, end) sessions."
            )
        previous_end = b
    if not sessions:
        raise ImproperlyConfigured("OFFICE_HOURS must contain at least one session.")
    return sessions


def _day_length_us(sessions: tuple[tuple[int, int], ...]) -> int:
    return sum(b - a for a, b in sessions)


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


def _at(day: date, tod_us: int) -> datetime:
    seconds, micro = divmod(tod_us, US_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    # Vietnam has had no DST since 1975, so combining with the zone is unambiguous.
    return datetime.combine(day, time(hour, minute, second, micro), tzinfo=_zone())


def _zone() -> tzinfo:
    return timezone.get_default_timezone()


def _to_local(dt: datetime) -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"Expected a datetime, got {dt!r}")
    if timezone.is_naive(dt):
        raise ValueError(f"Working-time arithmetic needs an aware datetime, got naive {dt!r}")
    return dt.astimezone(_zone())
