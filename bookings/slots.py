"""The slots a desk offers: office hours of the working days ahead, cut in equal parts.

Nothing is stored until someone books: a slot row is created (once, under a unique constraint)
when its first place is taken, so the calendar and office hours can change freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from portal import workdays

from .models import Booking, DeskCapacity, Slot


@dataclass(frozen=True)
class SlotView:
    starts_at: datetime
    ends_at: datetime
    capacity: int
    taken: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)

    @property
    def value(self) -> str:
        """The slot as a form value: its local start, ``YYYY-MM-DDTHH:MM``."""
        return timezone.localtime(self.starts_at).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class DayView:
    day: date
    slots: list[SlotView]


def capacity_for(agency_id: int) -> int:
    found = DeskCapacity.objects.filter(agency_id=agency_id).values_list("per_slot", flat=True)
    return next(iter(found), settings.BOOKING_SLOT_CAPACITY)


def booking_days(*, today: date) -> list[date]:
    """Working days from tomorrow on, as many as ``BOOKING_HORIZON_DAYS``; today included too."""
    days: list[date] = []
    day = today
    while len(days) < settings.BOOKING_HORIZON_DAYS + 1:
        if workdays.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
        if (day - today).days > 400:
            break
    return days


def slot_times(day: date) -> list[tuple[datetime, datetime]]:
    """The (start, end) of every slot of a working day; nothing on a day off."""
    if not workdays.is_working_day(day):
        return []
    zone = timezone.get_default_timezone()
    length = timedelta(minutes=settings.BOOKING_SLOT_MINUTES)
    times = []
    for session_start, session_end in settings.OFFICE_HOURS:
        start = datetime.combine(day, session_start, tzinfo=zone)
        end = datetime.combine(day, session_end, tzinfo=zone)
        while start + length <= end:
            times.append((start, start + length))
            start += length
    return times


def is_offered(starts_at: datetime) -> datetime | None:
    """The end of the slot starting at ``starts_at``, or None when the desk has no such slot."""
    local = timezone.localtime(starts_at)
    for start, end in slot_times(local.date()):
        if start == local:
            return end
    return None


def open_slots(*, agency_id: int, now: datetime | None = None) -> list[DayView]:
    """Every slot still ahead, with its free places, grouped by day."""
    now = now or timezone.now()
    capacity = capacity_for(agency_id)
    days = booking_days(today=timezone.localdate(now))
    if not days:
        return []
    first = datetime.combine(days[0], datetime.min.time(), tzinfo=timezone.get_default_timezone())
    last = datetime.combine(
        days[-1] + timedelta(days=1), datetime.min.time(), tzinfo=timezone.get_default_timezone()
    )
    taken = dict(
        Slot.objects.filter(agency_id=agency_id, starts_at__gte=first, starts_at__lt=last)
        .annotate(n=Count("bookings", filter=Q(bookings__status__in=Booking.HOLDING)))
        .values_list("starts_at", "n")
    )
    result = []
    for day in days:
        slots = [
            SlotView(start, end, capacity, taken.get(start, 0))
            for start, end in slot_times(day)
            if start > now
        ]
        if slots:
            result.append(DayView(day, slots))
    return result
