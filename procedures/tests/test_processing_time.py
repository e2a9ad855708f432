from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal import workdays
from procedures import services

from .factories import ProcedureFactory

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return datetime(*args, tzinfo=HCM)


def data(time, unit="days", online=None, cutoff=None):
    return {
        "processing_time": str(time),
        "processing_unit": unit,
        "processing_time_online": None if online is None else str(online),
        "same_day_cutoff": cutoff,
    }


@pytest.mark.parametrize(
    ("version", "online", "halving", "expected"),
    [
        (data(15), False, True, (Decimal(15), "days")),
        (data(15), True, True, (Decimal("7.5"), "days")),  # halved online
        (data(2), True, True, (Decimal(1), "days")),  # 2 days is the smallest halved
        (data(1), True, True, (Decimal(1), "days")),  # 1 day is not halved
        (data(15, online=20), True, True, (Decimal(15), "days")),  # never above the published
        (data(15, online=10), True, True, (Decimal(10), "days")),  # the national time wins
        (data(27, online=17), True, True, (Decimal(17), "days")),
        (data(27, online=17), False, True, (Decimal(27), "days")),
        (data(8, unit="hours"), True, True, (Decimal(8), "hours")),  # hours are not halved
        (data(15), True, False, (Decimal(15), "days")),  # policy switched off
    ],
)
def test_processing_time_for(settings, version, online, halving, expected):
    settings.ONLINE_HALVING_ENABLED = halving
    assert services.processing_time_for(version, online=online) == expected


def test_the_dates_below_are_what_they_claim():
    for day in (date(2026, 10, 13), date(2026, 10, 16), date(2026, 10, 19), date(2026, 11, 23)):
        assert workdays.is_working_day(day), day
    assert date(2026, 10, 13).strftime("%a") == "Tue"
    assert date(2026, 10, 16).strftime("%a") == "Fri"
    assert not workdays.is_working_day(date(2026, 11, 24))  # Vietnam Cultural Day


SAME_DAY = data(8, unit="hours", cutoff="15:00")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 10, 13, 10, 0), at(2026, 10, 13, 17, 0)),  # morning: the same afternoon
        (at(2026, 10, 13, 14, 59), at(2026, 10, 13, 17, 0)),
        (at(2026, 10, 13, 15, 30), at(2026, 10, 14, 17, 0)),  # after the cut-off: next day
        (at(2026, 10, 16, 16, 0), at(2026, 10, 19, 17, 0)),  # Friday late: Monday
        (at(2026, 10, 17, 9, 0), at(2026, 10, 19, 17, 0)),  # Saturday: Monday
        (at(2026, 11, 23, 15, 30), at(2026, 11, 25, 17, 0)),  # over the 24/11 holiday
    ],
)
def test_due_at_for_a_same_day_procedure(received, due):
    assert services.due_at(SAME_DAY, received_at=received, online=False) == due
    assert services.due_at(SAME_DAY, received_at=received, online=True) == due


def test_the_cut_off_of_the_procedure_applies():
    early = data(8, unit="hours", cutoff="11:00")
    received = at(2026, 10, 13, 11, 15)
    assert services.due_at(early, received_at=received, online=False) == at(2026, 10, 14, 17, 0)


def test_a_15_day_procedure_received_online_is_due_after_7_5_working_days(settings):
    settings.ONLINE_HALVING_ENABLED = True
    received = at(2026, 10, 5, 9, 0)  # Monday
    fifteen = data(15)

    online = services.due_at(fifteen, received_at=received, online=True)

    # 7 working days to Wed 14/10 09:00, then half a day: 2.5 h before lunch, 1.5 h after.
    assert online == at(2026, 10, 14, 14, 30)
    assert workdays.working_hours_between(received, online) == Decimal("7.5") * 8
    at_desk = services.due_at(fifteen, received_at=received, online=False)
    assert at_desk == workdays.add_working_days(received, 15)
    assert at_desk.date() == date(2026, 10, 26)


def test_due_at_reads_a_published_version():
    procedure = ProcedureFactory(same_day=True, published=True)
    version = procedure.current_version.data
    assert services.due_at(version, received_at=at(2026, 10, 13, 10, 0), online=False) == at(
        2026, 10, 13, 17, 0
    )
