from datetime import date

import pytest

from reporting import periods


@pytest.mark.parametrize(
    ("convention", "part", "start", "end"),
    [
        (periods.DECREE_09, 1, date(2025, 12, 15), date(2026, 6, 14)),
        (periods.DECREE_09, 2, date(2026, 6, 15), date(2026, 12, 14)),
        (periods.DECREE_09, 0, date(2025, 12, 15), date(2026, 12, 14)),
        (periods.CALENDAR, 1, date(2026, 1, 1), date(2026, 6, 30)),
        (periods.CALENDAR, 2, date(2026, 7, 1), date(2026, 12, 31)),
        (periods.CALENDAR, 0, date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_standard_periods(convention, part, start, end):
    period = periods.period_for(2026, part, convention)
    assert (period.start, period.end) == (start, end)


def test_the_default_convention_is_a_setting(settings):
    settings.REPORT_PERIOD_CONVENTION = periods.CALENDAR
    assert periods.half_year(2026, 1).end == date(2026, 6, 30)
    settings.REPORT_PERIOD_CONVENTION = periods.DECREE_09
    assert periods.half_year(2026, 1).end == date(2026, 6, 14)


def test_periods_ending_on_a_day():
    assert [p.start for p in periods.periods_ending_on(date(2026, 6, 14), periods.DECREE_09)] == [
        date(2025, 12, 15)
    ]
    ending = periods.periods_ending_on(date(2026, 12, 14), periods.DECREE_09)
    assert sorted((p.start, p.end) for p in ending) == [
        (date(2025, 12, 15), date(2026, 12, 14)),
        (date(2026, 6, 15), date(2026, 12, 14)),
    ]
    assert periods.periods_ending_on(date(2026, 6, 13), periods.DECREE_09) == []


def test_custom_periods_cannot_end_before_they_start():
    assert periods.custom(date(2026, 3, 1), date(2026, 3, 31)).label.endswith("31/03/2026")
    with pytest.raises(ValueError):
        periods.custom(date(2026, 3, 31), date(2026, 3, 1))


def test_a_period_round_trips_through_json():
    period = periods.half_year(2026, 2, periods.DECREE_09)
    assert periods.Period.from_dict(period.as_dict()) == period
