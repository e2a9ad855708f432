"""Booking rules: slots from office hours and the calendar, capacity, cancel, owner only."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from bookings import selectors, services, slots
from bookings.errors import BookingError, BookingPermissionError, SlotFullError
from bookings.models import Booking, DeskCapacity
from dossiers.models import Dossier
from portal.models import CalendarOverride
from portal.roles import Role
from tests.factories import CalendarOverrideFactory, UserFactory, staff_user

from .factories import local, published_procedure

pytestmark = pytest.mark.django_db

THURSDAY = date(2026, 12, 31)  # the day before New Year's Day (a public holiday)
NOW = local(THURSDAY, 10, 0)


def test_slots_cover_office_hours_only(settings):
    settings.BOOKING_SLOT_MINUTES = 30
    times = slots.slot_times(THURSDAY)
    starts = [start.strftime("%H:%M") for start, _end in times]
    assert starts[0] == "07:30"
    assert "11:00" in starts and "11:30" not in starts and "12:00" not in starts
    assert "13:00" in starts and "16:30" in starts and "17:00" not in starts
    assert len(times) == 16


def test_no_slot_on_holidays_and_weekends():
    assert slots.slot_times(date(2027, 1, 1)) == []  # Tết Dương lịch
    assert slots.slot_times(date(2027, 1, 2)) == []  # Saturday
    assert slots.slot_times(date(2027, 1, 3)) == []  # Sunday


def test_an_admin_day_off_has_no_slot():
    CalendarOverrideFactory(date=date(2027, 1, 4), kind=CalendarOverride.Kind.DAY_OFF)
    assert slots.slot_times(date(2027, 1, 4)) == []


def test_open_slots_start_after_now_and_skip_days_off():
    procedure = published_procedure()
    days = slots.open_slots(agency_id=procedure.agency_id, now=NOW)
    dates = [day.day for day in days]
    assert dates[0] == THURSDAY
    assert dates[1] == date(2027, 1, 4)
    assert all(slot.starts_at > NOW for slot in days[0].slots)
    assert days[0].slots[0].starts_at == local(THURSDAY, 10, 30)


def test_booking_takes_a_place_and_gives_a_code():
    procedure = published_procedure()
    citizen = UserFactory(full_name="Lê Thị Hoa")
    booking = services.booking_create(
        citizen=citizen, procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
    )
    assert booking.code.startswith("LH261231-")
    assert booking.name == "Lê Thị Hoa" and booking.phone == citizen.phone
    day = slots.open_slots(agency_id=procedure.agency_id, now=NOW)[0]
    slot = next(s for s in day.slots if s.starts_at == local(THURSDAY, 14))
    assert slot.taken == 1 and slot.free == 1


def test_capacity_set_by_the_desk_is_kept(settings):
    settings.BOOKING_SLOT_CAPACITY = 5
    procedure = published_procedure()
    officer = staff_user(Role.DESK_OFFICER, agency=procedure.agency)
    services.desk_capacity_set(agency_id=procedure.agency_id, per_slot=1, actor=officer)
    services.booking_create(
        citizen=UserFactory(), procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
    )
    with pytest.raises(SlotFullError):
        services.booking_create(
            citizen=UserFactory(), procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
        )
    assert Booking.objects.count() == 1


def test_capacity_only_by_the_agencys_desk():
    procedure = published_procedure()
    stranger = staff_user(Role.DESK_OFFICER)
    with pytest.raises(BookingPermissionError):
        services.desk_capacity_set(agency_id=procedure.agency_id, per_slot=3, actor=stranger)
    assert not DeskCapacity.objects.exists()


def test_default_capacity_from_the_setting(settings):
    settings.BOOKING_SLOT_CAPACITY = 2
    procedure = published_procedure()
    for _ in range(2):
        services.booking_create(
            citizen=UserFactory(), procedure=procedure, starts_at=local(THURSDAY, 15), now=NOW
        )
    with pytest.raises(SlotFullError):
        services.booking_create(
            citizen=UserFactory(), procedure=procedure, starts_at=local(THURSDAY, 15), now=NOW
        )


@pytest.mark.parametrize(
    "starts_at",
    [
        local(THURSDAY, 9, 30),  # already past
        local(THURSDAY, 12, 0),  # lunch break
        local(THURSDAY, 14, 10),  # not the start of a slot
        local(date(2027, 1, 1), 8, 0),  # public holiday
        local(date(2027, 1, 2), 8, 0),  # Saturday
        local(date(2027, 6, 1), 8, 0),  # beyond the booking horizon
    ],
)
def test_no_booking_outside_the_slots_offered(starts_at):
    procedure = published_procedure()
    with pytest.raises(BookingError):
        services.booking_create(
            citizen=UserFactory(), procedure=procedure, starts_at=starts_at, now=NOW
        )
    assert not Booking.objects.exists()


def test_one_place_per_person_per_slot():
    procedure = published_procedure()
    citizen = UserFactory()
    services.booking_create(
        citizen=citizen, procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
    )
    with pytest.raises(BookingError):
        services.booking_create(
            citizen=citizen, procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
        )


def test_staff_and_anonymous_cannot_book():
    procedure = published_procedure()
    for who in (staff_user(Role.DESK_OFFICER, agency=procedure.agency), AnonymousUser()):
        with pytest.raises(BookingPermissionError):
            services.booking_create(
                citizen=who, procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
            )


def test_cancel_frees_the_place(settings):
    settings.BOOKING_SLOT_CAPACITY = 1
    procedure = published_procedure()
    first = UserFactory()
    booking = services.booking_create(
        citizen=first, procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
    )
    with pytest.raises(SlotFullError):
        services.booking_create(
            citizen=UserFactory(), procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
        )
    services.booking_cancel(booking_id=booking.pk, actor=first, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    other = services.booking_create(
        citizen=UserFactory(), procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
    )
    assert other.status == Booking.Status.BOOKED


def test_only_the_owner_cancels_and_only_before_the_slot():
    procedure = published_procedure()
    owner = UserFactory()
    booking = services.booking_create(
        citizen=owner, procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
    )
    with pytest.raises(BookingPermissionError):
        services.booking_cancel(booking_id=booking.pk, actor=UserFactory(), now=NOW)
    with pytest.raises(BookingError):
        services.booking_cancel(booking_id=booking.pk, actor=owner, now=local(THURSDAY, 14, 5))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert selectors.booking_of(citizen=UserFactory(), code=booking.code) is None
    assert selectors.booking_of(citizen=owner, code=booking.code.lower()) == booking


def test_the_desk_registers_the_dossier_from_the_booking():
    procedure = published_procedure()
    citizen = UserFactory(full_name="Võ Văn Nam")
    booking = services.booking_create(
        citizen=citizen, procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
    )
    officer = staff_user(Role.DESK_OFFICER, agency=procedure.agency)
    dossier = services.booking_register_dossier(booking_id=booking.pk, officer=officer)
    assert dossier.state == Dossier.State.RECEIVED
    assert dossier.applicant_name == "Võ Văn Nam"
    assert dossier.applicant_national_id == citizen.national_id
    assert dossier.procedure_id == procedure.pk
    # The person booked with their account: the dossier is among their dossiers.
    assert dossier.applicant == citizen
    assert list(Dossier.objects.filter(applicant=citizen)) == [dossier]
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REGISTERED and booking.dossier_id == dossier.pk
    with pytest.raises(BookingError):
        services.booking_register_dossier(booking_id=booking.pk, officer=officer)
    assert Dossier.objects.count() == 1


def test_another_agencys_desk_cannot_register_it():
    procedure = published_procedure()
    booking = services.booking_create(
        citizen=UserFactory(), procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
    )
    with pytest.raises(BookingPermissionError):
        services.booking_register_dossier(
            booking_id=booking.pk, officer=staff_user(Role.DESK_OFFICER)
        )
    assert not Dossier.objects.exists()


def test_todays_bookings_of_the_desk():
    procedure = published_procedure()
    services.booking_create(
        citizen=UserFactory(), procedure=procedure, starts_at=local(THURSDAY, 14), now=NOW
    )
    cancelled = services.booking_create(
        citizen=UserFactory(), procedure=procedure, starts_at=local(THURSDAY, 15), now=NOW
    )
    services.booking_cancel(booking_id=cancelled.pk, actor=cancelled.citizen, now=NOW)
    later = THURSDAY + timedelta(days=4)
    services.booking_create(
        citizen=UserFactory(), procedure=procedure, starts_at=local(later, 8), now=NOW
    )
    today = selectors.desk_bookings_of_day(agency_id=procedure.agency_id, day=THURSDAY)
    assert [b.slot.starts_at for b in today] == [local(THURSDAY, 14)]
