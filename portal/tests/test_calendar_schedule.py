"""The official schedule of days off shipped as data, loaded into the calendar overrides."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from portal import calendar_schedule, workdays
from portal.models import CalendarOverride
from portal.roles import Role
from procedures import services
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=VN)


def load(*years: int) -> str:
    from io import StringIO

    out = StringIO()
    call_command("load_calendar", *[str(year) for year in years], stdout=out)
    workdays.clear_cache()
    return out.getvalue()


def test_every_entry_of_every_year_names_its_source():
    for year in calendar_schedule.schedule_years():
        entries = calendar_schedule.schedule_read(year)
        assert entries, year
        for entry in entries:
            assert entry.source and entry.description, entry


def test_new_year_2026_is_swapped_as_the_government_decided():
    # Without the schedule the package knows nothing of the swap.
    assert workdays.is_working_day(date(2026, 1, 2))
    assert not workdays.is_working_day(date(2026, 1, 10))

    load(2026)

    assert not workdays.is_working_day(date(2026, 1, 2))  # Friday off
    assert workdays.is_working_day(date(2026, 1, 10))  # Saturday worked instead
    row = CalendarOverride.objects.get(date=date(2026, 1, 2))
    assert "10/01/2026" in row.description
    # A one-day deadline from Wednesday 31/12/2025 10:00 skips the four days off.
    assert workdays.add_working_days(at(2025, 12, 31, 10), 1) == at(2026, 1, 5, 10)
    # Friday 9/1 10:00 + 1 day lands on the make-up Saturday.
    assert workdays.add_working_days(at(2026, 1, 9, 10), 1) == at(2026, 1, 10, 10)


def test_the_rest_of_2026_follows_the_schedule():
    load(2026)
    for day in (16, 17, 18, 19, 20):
        assert not workdays.is_working_day(date(2026, 2, day))  # Tết Bính Ngọ
    assert workdays.is_working_day(date(2026, 2, 23))
    assert not workdays.is_working_day(date(2026, 4, 27))  # in lieu of Hùng Kings (Sunday)
    assert not workdays.is_working_day(date(2026, 8, 31))  # National Day swap
    assert workdays.is_working_day(date(2026, 8, 22))  # made up on Saturday
    assert not workdays.is_working_day(date(2026, 9, 1))
    assert not workdays.is_working_day(date(2026, 9, 2))
    # 24/11 is listed but not confirmed: the loader leaves it to the package.
    assert not CalendarOverride.objects.filter(date=date(2026, 11, 24)).exists()


def test_running_the_command_twice_changes_nothing():
    first = load(2026, 2027)
    rows = list(CalendarOverride.objects.values_list("date", "kind", "description"))
    history = CalendarOverride.history.count()  # type: ignore[attr-defined]

    second = load(2026, 2027)

    assert "created=20" in first
    assert "created=0" in second and "unchanged=20" in second
    assert list(CalendarOverride.objects.values_list("date", "kind", "description")) == rows
    assert CalendarOverride.history.count() == history  # type: ignore[attr-defined]


def test_an_override_edited_by_hand_is_kept(client, login_staff):
    login_staff(staff_user(Role.IT_ADMIN, is_superuser=True))
    # Made by hand before the schedule was ever loaded: the schedule never replaces it.
    handmade = CalendarOverride.objects.create(
        date=date(2026, 9, 1), kind="working_day", description="Trực"
    )
    load(2026)
    row = CalendarOverride.objects.get(date=date(2026, 1, 10))
    # Provincial IT staff decide the province does not make up that Saturday.
    response = client.post(
        f"/admin/portal/calendaroverride/{row.pk}/change/",
        {"date": "2026-01-10", "kind": "day_off", "description": "Tỉnh không làm bù"},
    )
    assert response.status_code == 302

    out = load(2026)

    assert "kept_hand_edits=2" in out
    assert "10/01/2026: edited in the admin" in out
    row.refresh_from_db()
    handmade.refresh_from_db()
    assert (row.kind, row.description) == ("day_off", "Tỉnh không làm bù")
    assert handmade.kind == "working_day"
    assert not workdays.is_working_day(date(2026, 1, 10))


def test_a_changed_schedule_updates_what_the_loader_wrote(tmp_path):
    (tmp_path / "2026.yaml").write_text(
        "year: 2026\nsources: {a: 'Quyết định A'}\n"
        "entries:\n  - {date: 2026-03-02, kind: day_off, description: 'Nghỉ', source: a}\n",
        encoding="utf-8",
    )
    calendar_schedule.calendar_schedule_load(directory=tmp_path)
    (tmp_path / "2026.yaml").write_text(
        "year: 2026\nsources: {a: 'Quyết định B'}\n"
        "entries:\n  - {date: 2026-03-02, kind: working_day, description: 'Làm', source: a}\n",
        encoding="utf-8",
    )
    result = calendar_schedule.calendar_schedule_load(directory=tmp_path)
    assert result.updated == [date(2026, 3, 2)]
    assert CalendarOverride.objects.get(date=date(2026, 3, 2)).kind == "working_day"


@pytest.mark.parametrize(
    "text",
    [
        "year: 2025\nentries: []\n",
        "year: 2026\nsources: {}\nentries:\n  - {date: 2026-03-02, kind: day_off, source: x}\n",
        "year: 2026\nsources: {a: A}\nentries:\n  - {date: 2026-03-02, kind: holiday, source: a}\n",
        "year: 2026\nsources: {a: A}\nentries:\n  - {date: 2027-03-02, kind: day_off, source: a}\n",
        "year: [\n",
    ],
)
def test_a_malformed_file_is_refused_with_its_name(tmp_path, text):
    (tmp_path / "2026.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(calendar_schedule.ScheduleError, match=r"2026\.yaml"):
        calendar_schedule.calendar_schedule_load(directory=tmp_path)
    assert not CalendarOverride.objects.exists()


SAME_DAY = {
    "processing_time": "8",
    "processing_unit": "hours",
    "processing_time_online": None,
    "same_day_cutoff": "15:00",
}


def test_a_same_day_dossier_received_at_exactly_15_00_is_settled_the_next_working_day():
    # The rule: same day only when received *before* the cut-off; 15:00 itself is after it.
    received = at(2026, 10, 13, 15, 0)  # Tuesday
    assert services.due_at(SAME_DAY, received_at=received, online=False) == at(2026, 10, 14, 17)
    just_before = at(2026, 10, 13, 14, 59, 59)
    assert services.due_at(SAME_DAY, received_at=just_before, online=False) == at(2026, 10, 13, 17)


def test_a_same_day_dossier_received_at_15_00_before_the_new_year_swap():
    load(2026)
    # Wednesday 31/12/2025 at 15:00: the next working day is Monday 5/1/2026.
    received = at(2025, 12, 31, 15, 0)
    assert services.due_at(SAME_DAY, received_at=received, online=True) == at(2026, 1, 5, 17)
