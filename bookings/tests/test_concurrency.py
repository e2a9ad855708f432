"""Two people racing for the last place of a slot, on two real PostgreSQL connections."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bookings import services, slots
from bookings.errors import SlotFullError
from bookings.models import Booking, DeskCapacity
from tests.factories import UserFactory

from .factories import published_procedure

pytestmark = pytest.mark.django_db(transaction=True)


def _next_slot(agency_id):
    days = slots.open_slots(agency_id=agency_id, now=timezone.now() + timedelta(days=1))
    return days[0].slots[0].starts_at


@pytest.mark.parametrize("racers", [2, 6])
def test_the_last_place_goes_to_exactly_one(racers):
    procedure = published_procedure()
    DeskCapacity.objects.create(agency=procedure.agency, per_slot=1)
    starts_at = _next_slot(procedure.agency_id)
    citizens = [UserFactory() for _ in range(racers)]
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(citizen):
        try:
            barrier.wait()
            services.booking_create(citizen=citizen, procedure=procedure, starts_at=starts_at)
            result = "booked"
        except SlotFullError:
            result = "full"
        except Exception as error:  # anything else would be a bug worth seeing
            result = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["booked"] + ["full"] * (racers - 1)
    assert Booking.objects.filter(slot__starts_at=starts_at).count() == 1
