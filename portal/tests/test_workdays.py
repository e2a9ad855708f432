"""The working-day calendar against real 2025-2027 Vietnamese dates, overrides and properties."""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from portal import workdays
from portal.models import CalendarOverride
from portal.workdays import (
    SkippedDay,
    add_working_days,
    add_working_hours,
    add_working_time,
    is_working_day,
    next_working_moment,
    skipped_days,
    working_hours_between,
    working_hours_per_day,
)

# Every test may read the overrides table (empty unless the test adds rows).
pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFF, WORK = CalendarOverride.Kind.DAY_OFF, CalendarOverride.Kind.WORKING_DAY


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # A snapshot loaded inside a rolled-back test transaction must not leak into the next test.
    workdays.clear_cache()
    yield
    workdays.clear_cache()


# --- Which days are working days ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 1), False),  # New Year
        (date(2025, 1, 27), False),  # Tết 2025: 27/1-1/2
        (date(2025, 1, 31), False),
        (date(2025, 2, 3), True),
        (date(2025, 4, 7), False),  # Hùng Kings 2025
        (date(2025, 4, 26), True),  # make-up Saturday for 2/5/2025
        (date(2025, 4, 30), False),
        (date(2025, 5, 1), False),
        (date(2025, 5, 2), False),  # day in lieu
        (date(2025, 9, 1), False),
        (date(2025, 9, 2), False),
        (date(2025, 12, 31), True),
        (date(2026, 1, 1), False),
        (date(2026, 1, 2), True),
        (date(2026, 2, 13), True),
        (date(2026, 2, 16), False),  # Tết 2026: 16/2-20/2
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        (date(2026, 4, 27), False),  # Hùng Kings (observed; 26/4 is a Sunday)
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 8, 22), True),  # make-up Saturday for 31/8/2026
        (date(2026, 8, 23), False),  # an ordinary Sunday
        (date(2026, 8, 31), False),  # day in lieu
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2027, 2, 4), False),  # Tết 2027: 4/2-10/2
        (date(2027, 2, 10), False),
        (date(2027, 2, 11), True),
        (date(2027, 4, 16), False),  # Hùng Kings 2027
        (date(2027, 5, 3), False),  # 1/5/2027 is a Saturday: observed on Monday
        (date(2027, 9, 3), False),
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_is_working_day_reads_a_datetime_as_its_local_date():
    # 20:00 UTC on Friday 21/08/2026 is already the make-up Saturday in Vietnam.
    assert is_working_day(datetime(2026, 8, 21, 20, tzinfo=UTC)) is True
    assert is_working_day(datetime(2026, 8, 22, 20, tzinfo=UTC)) is False


# --- Adding working time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (at(2026, 2, 13, 10), 1, at(2026, 2, 23, 10)),  # over Tết 2026
        (at(2025, 1, 24, 10), 1, at(2025, 2, 3, 10)),  # over Tết 2025
        (at(2027, 2, 3, 10), 1, at(2027, 2, 11, 10)),  # over Tết 2027
        (at(2026, 2, 9, 9), Decimal("0.5"), at(2026, 2, 9, 14, 30)),  # 2.5 h + 1.5 h
        (at(2026, 4, 24, 10), 1, at(2026, 4, 28, 10)),  # Hùng Kings observed on Monday
        (at(2026, 8, 21, 10), 1, at(2026, 8, 22, 10)),  # make-up Saturday counts
        (at(2026, 8, 28, 10), 1, at(2026, 9, 3, 10)),  # 31/8, 1/9, 2/9 off
        (at(2026, 3, 8, 10), Decimal("0.5"), at(2026, 3, 9, 11, 30)),  # Sunday start
        (at(2026, 3, 2, 8), 15, at(2026, 3, 23, 8)),  # three plain weeks
        (at(2027, 1, 25, 7, 30), 10, at(2027, 2, 12, 17)),  # two weeks around Tết 2027
        (at(2026, 3, 9, 7, 30), 1, at(2026, 3, 9, 17)),  # a whole day ends at 17:00 that day
        (at(2025, 12, 22, 10), 10, at(2026, 1, 6, 10)),  # over the year boundary and 1/1
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (at(2025, 4, 29, 16), 2, at(2025, 5, 5, 8, 30)),  # 30/4, 1/5, 2/5 and the weekend off
        (at(2025, 4, 25, 16), 2, at(2025, 4, 26, 8, 30)),  # make-up Saturday 26/4/2025
        (at(2025, 12, 31, 15), 4, at(2026, 1, 2, 9, 30)),  # year boundary, 1/1 off
        (at(2026, 2, 9, 12), 1, at(2026, 2, 9, 14)),  # start in the lunch break
        (at(2026, 3, 6, 18), 1, at(2026, 3, 9, 8, 30)),  # start after 17:00 on a Friday
        (at(2026, 3, 8, 10), 1, at(2026, 3, 9, 8, 30)),  # start on a Sunday
        (at(2026, 2, 9, 9), Decimal("2.5"), at(2026, 2, 9, 11, 30)),  # ends at the session end
        (at(2026, 2, 9, 13), 4, at(2026, 2, 9, 17)),  # ends at the end of the day
        (at(2026, 2, 9, 11, 30), 1, at(2026, 2, 9, 14)),  # start exactly at a session end
        (at(2026, 2, 9, 10), 0, at(2026, 2, 9, 10)),  # zero: inside office hours, unchanged
        (at(2026, 2, 9, 12), 0, at(2026, 2, 9, 13)),  # zero: the next working moment
        (at(2026, 3, 6, 17), 0, at(2026, 3, 6, 17)),  # zero: a session end is inside
        (at(2026, 3, 6, 17, 1), 0, at(2026, 3, 9, 7, 30)),
        (at(2026, 2, 9, 11, 30), 0, at(2026, 2, 9, 11, 30)),
        (at(2026, 2, 9, 9), 0.1, at(2026, 2, 9, 9, 6)),  # floats are read as their decimal
    ],
)
def test_add_working_hours(start, hours, expected):
    assert add_working_hours(start, hours) == expected


def test_add_working_time_combines_days_and_hours():
    start = at(2026, 2, 13, 10)
    assert add_working_time(start, days=1, hours=2) == add_working_hours(start, 10)
    assert add_working_time(start) == start


def test_aware_input_in_another_zone_comes_back_in_local_time():
    start = datetime(2026, 2, 9, 2, tzinfo=UTC)  # 09:00 in Vietnam
    due = add_working_days(start, Decimal("0.5"))
    assert due == at(2026, 2, 9, 14, 30)
    assert due.tzinfo == VN
    assert due.time() == time(14, 30)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 2, 9, 12), at(2026, 2, 9, 13)),
        (at(2026, 2, 9, 7), at(2026, 2, 9, 7, 30)),
        (at(2026, 2, 9, 11, 30), at(2026, 2, 9, 13)),
        (at(2026, 2, 9, 16, 59), at(2026, 2, 9, 16, 59)),
        (at(2026, 2, 9, 17), at(2026, 2, 10, 7, 30)),  # the clock next runs on Tuesday
        (at(2026, 2, 13, 18), at(2026, 2, 23, 7, 30)),  # Friday evening before Tết
        (at(2026, 8, 21, 17), at(2026, 8, 22, 7, 30)),  # make-up Saturday
    ],
)
def test_next_working_moment(moment, expected):
    assert next_working_moment(moment) == expected


# --- Measuring working time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(2026, 2, 13, 10), at(2026, 2, 23, 10), Decimal(8)),  # over Tết
        (at(2026, 2, 9, 11), at(2026, 2, 9, 13, 30), Decimal(1)),  # lunch does not count
        (at(2026, 3, 7, 8), at(2026, 3, 8, 16), Decimal(0)),  # a weekend
        (at(2026, 2, 9, 8), at(2026, 2, 9, 8), Decimal(0)),
        (at(2026, 2, 9, 10), at(2026, 2, 9, 8), Decimal(0)),  # end before start
        (at(2026, 3, 2, 7, 30), at(2026, 3, 27, 17), Decimal(160)),  # four weeks
        (at(2025, 12, 31, 15), at(2026, 1, 2, 9, 30), Decimal(4)),
    ],
)
def test_working_hours_between(start, end, hours):
    assert working_hours_between(start, end) == hours


def test_working_hours_per_day_follows_the_setting(settings):
    assert working_hours_per_day() == Decimal(8)
    settings.OFFICE_HOURS = [(time(8), time(12))]
    assert working_hours_per_day() == Decimal(4)
    assert add_working_days(at(2026, 3, 9, 8), 1) == at(2026, 3, 9, 12)
    assert add_working_days(at(2026, 3, 9, 13), 1) == at(2026, 3, 10, 12)


# --- Explaining a due date ----------------------------------------------------------------------


def test_skipped_days_explains_tet():
    with translation.override("en"):
        skipped = skipped_days(at(2026, 2, 13, 10), at(2026, 2, 23, 10))
    assert skipped == [
        SkippedDay(date(2026, 2, 14), "Weekend"),
        SkippedDay(date(2026, 2, 15), "Weekend"),
        SkippedDay(date(2026, 2, 16), "Lunar New Year's Eve"),
        SkippedDay(date(2026, 2, 17), "Lunar New Year"),
        SkippedDay(date(2026, 2, 18), "Second Day of Lunar New Year"),
        SkippedDay(date(2026, 2, 19), "Third Day of Lunar New Year"),
        SkippedDay(date(2026, 2, 20), "Fourth Day of Lunar New Year"),
        SkippedDay(date(2026, 2, 21), "Weekend"),
        SkippedDay(date(2026, 2, 22), "Weekend"),
    ]


def test_skipped_days_names_holidays_in_vietnamese():
    with translation.override("vi"):
        skipped = skipped_days(at(2026, 8, 28, 10), at(2026, 9, 3, 10))
    assert [d for d, _reason in skipped] == [
        date(2026, 8, 29),
        date(2026, 8, 30),
        date(2026, 8, 31),
        date(2026, 9, 1),
        date(2026, 9, 2),
    ]
    assert skipped[4].reason == "Quốc khánh"


def test_skipped_days_is_empty_for_an_empty_span():
    assert skipped_days(at(2026, 2, 23, 10), at(2026, 2, 13, 10)) == []


# --- Invalid input ------------------------------------------------------------------------------


def test_naive_datetimes_are_rejected():
    naive = datetime(2026, 2, 9, 9)
    with pytest.raises(ValueError, match="naive"):
        add_working_hours(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        add_working_days(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        working_hours_between(at(2026, 2, 9, 9), naive)
    with pytest.raises(ValueError, match="naive"):
        next_working_moment(naive)


@pytest.mark.parametrize("amount", [-1, Decimal("-0.25"), float("nan"), Decimal("Infinity")])
def test_negative_or_non_finite_amounts_are_rejected(amount):
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 2, 9, 9), amount)


@pytest.mark.parametrize("amount", ["8", True, None])
def test_non_numeric_amounts_are_rejected(amount):
    with pytest.raises(TypeError):
        add_working_hours(at(2026, 2, 9, 9), amount)


# --- Admin overrides ----------------------------------------------------------------------------


def test_extra_day_off_pushes_the_deadline():
    start = at(2026, 3, 6, 10)  # a Friday
    assert add_working_days(start, 1) == at(2026, 3, 9, 10)
    CalendarOverride.objects.create(date=date(2026, 3, 9), kind=OFF, description="Provincial day")
    assert add_working_days(start, 1) == at(2026, 3, 10, 10)
    assert SkippedDay(date(2026, 3, 9), "Provincial day") in skipped_days(start, at(2026, 3, 10))


def test_make_up_saturday_pulls_the_deadline():
    CalendarOverride.objects.create(date=date(2026, 3, 7), kind=WORK, description="Make-up day")
    assert add_working_days(at(2026, 3, 6, 10), 1) == at(2026, 3, 7, 10)


def test_overrides_win_over_the_holiday_package():
    CalendarOverride.objects.create(date=date(2026, 9, 2), kind=WORK, description="Duty day")
    CalendarOverride.objects.create(date=date(2026, 8, 22), kind=OFF, description="Cancelled")
    assert is_working_day(date(2026, 9, 2)) is True
    assert is_working_day(date(2026, 8, 22)) is False


def test_cache_follows_create_update_and_delete():
    start, monday = at(2026, 3, 6, 10), date(2026, 3, 9)
    assert add_working_days(start, 1) == at(2026, 3, 9, 10)  # loads an empty snapshot
    override = CalendarOverride.objects.create(date=monday, kind=OFF, description="Storm")
    assert add_working_days(start, 1) == at(2026, 3, 10, 10)
    override.kind = WORK
    override.save()
    assert is_working_day(monday) is True
    override.delete()
    assert add_working_days(start, 1) == at(2026, 3, 9, 10)
    assert is_working_day(date(2026, 3, 7)) is False


def test_repeated_calls_do_not_query_the_database(django_assert_num_queries):
    start = at(2026, 2, 13, 10)
    add_working_days(start, 1)
    with django_assert_num_queries(0):
        for _ in range(200):
            add_working_days(start, 15)
            working_hours_between(start, at(2026, 3, 13, 10))


def test_commit_publishes_a_new_version_for_other_processes(django_capture_on_commit_callbacks):
    assert cache.get(workdays.VERSION_CACHE_KEY) is None
    with django_capture_on_commit_callbacks(execute=True):
        CalendarOverride.objects.create(date=date(2026, 3, 9), kind=OFF, description="Storm")
    first = cache.get(workdays.VERSION_CACHE_KEY)
    assert first is not None
    with django_capture_on_commit_callbacks(execute=True):
        CalendarOverride.objects.filter(date=date(2026, 3, 9)).delete()
    assert cache.get(workdays.VERSION_CACHE_KEY) not in (None, first)


def test_another_process_change_is_seen_after_the_version_check(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(workdays, "monotonic", lambda: clock[0])
    start = at(2026, 3, 6, 10)
    assert add_working_days(start, 1) == at(2026, 3, 9, 10)
    # Another process writes without signals reaching us (bulk_create sends none) ...
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=date(2026, 3, 9), kind=OFF, description="Storm")]
    )
    assert add_working_days(start, 1) == at(2026, 3, 9, 10)  # still the snapshot
    # ... and bumps the shared version; we look at it only every few seconds.
    cache.set(workdays.VERSION_CACHE_KEY, "from-another-process")
    clock[0] += workdays.VERSION_CHECK_INTERVAL / 2
    assert add_working_days(start, 1) == at(2026, 3, 9, 10)
    clock[0] += workdays.VERSION_CHECK_INTERVAL
    assert add_working_days(start, 1) == at(2026, 3, 10, 10)


def test_snapshot_expires_after_the_ttl(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(workdays, "monotonic", lambda: clock[0])
    start = at(2026, 3, 6, 10)
    assert add_working_days(start, 1) == at(2026, 3, 9, 10)
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=date(2026, 3, 9), kind=OFF, description="Storm")]
    )
    clock[0] += workdays.OVERRIDES_TTL - 1
    assert add_working_days(start, 1) == at(2026, 3, 9, 10)
    clock[0] += 2
    assert add_working_days(start, 1) == at(2026, 3, 10, 10)


# --- Properties ---------------------------------------------------------------------------------
# No fixture arguments below, so Hypothesis's function-scoped-fixture check stays quiet; the
# module's django_db mark lets the (empty) overrides snapshot load once per test.

starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31, 23, 59), timezones=st.just(VN)
)
quarter_hours = st.integers(min_value=0, max_value=800).map(lambda n: Decimal(n) / 4)
half_days = st.integers(min_value=0, max_value=50).map(lambda n: Decimal(n) / 2)
property_settings = hypothesis_settings(deadline=None, max_examples=150)


def _inside_office_hours(moment: datetime) -> bool:
    local = moment.astimezone(VN)
    return is_working_day(local.date()) and any(
        a <= local.time() <= b for a, b in django_settings.OFFICE_HOURS
    )


@property_settings
@given(starts, quarter_hours, quarter_hours)
def test_adding_is_monotonic_in_hours(start, h1, h2):
    low, high = sorted((h1, h2))
    assert add_working_hours(start, low) <= add_working_hours(start, high)


@property_settings
@given(starts, quarter_hours)
def test_measuring_undoes_adding(start, hours):
    assert working_hours_between(start, add_working_hours(start, hours)) == hours


@property_settings
@given(starts, quarter_hours)
def test_results_are_inside_office_hours(start, hours):
    due = add_working_hours(start, hours)
    assert _inside_office_hours(due)
    assert due.tzinfo == VN


@property_settings
@given(starts, half_days)
def test_a_day_is_eight_hours(start, days):
    assert add_working_days(start, days) == add_working_hours(start, days * 8)


@property_settings
@given(starts, quarter_hours, quarter_hours)
def test_adding_in_two_steps_is_adding_once(start, h1, h2):
    assert add_working_hours(add_working_hours(start, h1), h2) == add_working_hours(start, h1 + h2)


@property_settings
@given(starts, starts, starts)
def test_measuring_is_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    split = working_hours_between(a, b) + working_hours_between(b, c)
    # Each result is rounded to 1e-10 h (0.36 µs), so two roundings may differ by one quantum.
    assert abs(split - working_hours_between(a, c)) <= Decimal("2e-10")


@property_settings
@given(starts, quarter_hours)
def test_floats_mean_their_decimal(start, hours):
    assert add_working_hours(start, float(hours)) == add_working_hours(start, hours)


@property_settings
@given(starts)
def test_next_working_moment_skips_no_working_time(start):
    moment = next_working_moment(start)
    assert moment >= start
    assert _inside_office_hours(moment)
    assert working_hours_between(start, moment) == 0
    assert add_working_hours(start, 0) in (start, moment)
