"""Reads of appointments, always scoped to who asks: the owner, or the desk of the agency."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from portal.models import User

from .models import Booking


def bookings_of(citizen: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(citizen=citizen)
        .select_related("slot", "slot__agency", "procedure")
        .order_by("-slot__starts_at", "-pk")
    )


def booking_of(*, citizen: User, code: str) -> Booking | None:
    if not citizen.is_authenticated:
        return None
    return bookings_of(citizen).filter(code=code.strip().upper()).first()


def booking_by_code(code: str) -> Booking | None:
    """For the public lookup: who holds the code learns the time and the status."""
    return (
        Booking.objects.filter(code=code.strip().upper()[:20])
        .select_related("slot", "slot__agency", "procedure")
        .first()
    )


def desk_bookings_of_day(*, agency_id: int, day: date | None = None) -> QuerySet[Booking]:
    day = day or timezone.localdate()
    start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_default_timezone())
    return (
        Booking.objects.filter(
            slot__agency_id=agency_id,
            slot__starts_at__gte=start,
            slot__starts_at__lt=start + timedelta(days=1),
            status__in=Booking.HOLDING,
        )
        .select_related("slot", "procedure", "dossier")
        .order_by("slot__starts_at", "pk")
    )
