"""Every write of the desk appointments: book, cancel, register the dossier, remind, capacity."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from dossiers import services as dossier_services
from dossiers.models import Dossier
from portal.models import Notification, User
from portal.notifications import notify
from portal.roles import Role
from procedures.models import Procedure

from . import slots
from .errors import BookingError, BookingPermissionError, SlotFullError
from .models import Booking, DeskCapacity, Slot

# No 0/O, 1/I/L: read aloud at the desk and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _new_code(at: datetime) -> str:
    suffix = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
    return f"LH{timezone.localtime(at):%y%m%d}-{suffix}"


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def _bookable(procedure: Procedure) -> None:
    if not procedure.is_published or procedure.current_version_id is None:
        raise BookingError(_("This procedure is not published."))


@transaction.atomic
def booking_create(
    *,
    citizen: User,
    procedure: Procedure,
    starts_at: datetime,
    phone: str = "",
    email: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Booking:
    """Take one place in a slot of the procedure's desk; the slot's row lock serialises takers."""
    now = now or timezone.now()
    if not citizen.is_authenticated or citizen.agency_id:
        raise BookingPermissionError(_("Only citizens can book an appointment."))
    _bookable(procedure)
    ends_at = slots.is_offered(starts_at)
    if ends_at is None:
        raise BookingError(_("The desk receives no one at this time. Choose another slot."))
    if starts_at <= now:
        raise BookingError(_("This slot has already begun. Choose a later one."))
    if timezone.localdate(starts_at) not in slots.booking_days(today=timezone.localdate(now)):
        raise BookingError(_("Appointments can only be booked a few working days ahead."))
    slot, _created = Slot.objects.get_or_create(
        agency_id=procedure.agency_id, starts_at=starts_at, defaults={"ends_at": ends_at}
    )
    slot = Slot.objects.select_for_update().get(pk=slot.pk)
    taken = slot.bookings.filter(status__in=Booking.HOLDING)
    if taken.filter(citizen=citizen).exists():
        raise BookingError(_("You already have an appointment in this slot."))
    if taken.count() >= slots.capacity_for(procedure.agency_id):
        raise SlotFullError(_("This slot has just been fully booked. Choose another one."))
    booking = Booking(
        slot=slot,
        procedure=procedure,
        citizen=citizen,
        name=citizen.full_name or citizen.username,
        national_id=citizen.national_id or "",
        phone=(phone or citizen.phone or "").strip(),
        email=(email or citizen.email or "").strip(),
        note=note.strip(),
    )
    for _attempt in range(5):
        booking.code = _new_code(now)
        try:
            with transaction.atomic():
                booking.save()
            break
        except IntegrityError:
            if Booking.objects.filter(code=booking.code).exists():
                continue  # a code drawn twice: draw again
            raise
    else:  # pragma: no cover - 31**6 codes a day
        raise BookingError(_("The booking could not be saved. Please try again."))
    audit.record(
        kind="booking.created",
        actor=citizen,
        target=f"booking:{booking.code}",
        data={"procedure": procedure.code, "starts_at": starts_at.isoformat()},
    )
    # The code, in writing, at once (sent once the booking is committed).
    notify(
        template="booking_confirmed",
        context=reminder_context(booking),
        dedupe_key=f"booking-confirmed:{booking.pk}",
        user=citizen,
        email=booking.email,
        phone=booking.phone,
    )
    return booking


def _locked_booking(booking_id: int) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot", "procedure")
        .get(pk=booking_id)
    )


@transaction.atomic
def booking_cancel(*, booking_id: int, actor: User, now: datetime | None = None) -> Booking:
    """The citizen gives the place back, up to the start of the slot."""
    now = now or timezone.now()
    try:
        booking = _locked_booking(booking_id)
    except Booking.DoesNotExist as error:
        raise BookingPermissionError(_("No such appointment.")) from error
    if booking.citizen_id != actor.pk:
        raise BookingPermissionError(_("No such appointment."))
    if booking.status != Booking.Status.BOOKED:
        raise BookingError(_("This appointment can no longer be cancelled."))
    if booking.slot.starts_at <= now:
        raise BookingError(_("The appointment has already begun; it can no longer be cancelled."))
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.save(update_fields=["status", "cancelled_at"])
    audit.record(kind="booking.cancelled", actor=actor, target=f"booking:{booking.code}")
    return booking


@transaction.atomic
def booking_register_dossier(*, booking_id: int, officer: User) -> Dossier:
    """The desk registers the walk-in dossier of a booked person in one step, from the booking."""
    try:
        booking = _locked_booking(booking_id)
    except Booking.DoesNotExist as error:
        raise BookingPermissionError(_("No such appointment.")) from error
    if not officer.has_role(Role.DESK_OFFICER) or officer.agency_id != booking.slot.agency_id:
        raise BookingPermissionError(_("No such appointment."))
    if booking.status == Booking.Status.REGISTERED and booking.dossier_id:
        raise BookingError(_("A dossier has already been registered from this appointment."))
    if booking.status != Booking.Status.BOOKED:
        raise BookingError(_("This appointment was cancelled."))
    dossier = dossier_services.dossier_register_walk_in(
        officer=officer,
        procedure=booking.procedure,
        applicant=dossier_services.Applicant(
            name=booking.name,
            national_id=booking.national_id,
            phone=booking.phone,
            email=booking.email,
        ),
        files={},
        originals_checked=False,
        account=booking.citizen,
    )
    booking.status = Booking.Status.REGISTERED
    booking.dossier = dossier
    booking.save(update_fields=["status", "dossier"])
    audit.record(
        kind="booking.registered",
        actor=officer,
        dossier_id=dossier.pk,
        target=f"booking:{booking.code}",
    )
    return dossier


@transaction.atomic
def desk_capacity_set(*, agency_id: int, per_slot: int, actor: User) -> DeskCapacity:
    if not actor.has_role(Role.DESK_OFFICER) or actor.agency_id != agency_id:
        raise BookingPermissionError(_("Only the agency's one-stop desk can change its capacity."))
    if per_slot < 1 or per_slot > 100:
        raise BookingError(_("Give a number of places between 1 and 100."))
    capacity, _created = DeskCapacity.objects.update_or_create(
        agency_id=agency_id, defaults={"per_slot": per_slot, "updated_by": actor}
    )
    audit.record(
        kind="booking.capacity",
        actor=actor,
        target=f"agency:{agency_id}",
        data={"per_slot": per_slot},
    )
    return capacity


def booking_send_reminders(*, now: datetime | None = None) -> int:
    """Put a reminder in the outbox for every appointment of tomorrow; the key sends it once."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time(), tzinfo=zone)
    end = start + timedelta(days=1)
    due = (
        Booking.objects.filter(
            status=Booking.Status.BOOKED, slot__starts_at__gte=start, slot__starts_at__lt=end
        )
        .select_related("slot", "slot__agency", "procedure", "citizen")
        .order_by("pk")
    )
    reminded = set(
        Notification.objects.filter(
            template="booking_reminder",
            dedupe_key__in=[
                f"booking-reminder:{pk}:{channel}"
                for pk in due.values_list("pk", flat=True)
                for channel in Notification.Channel.values
            ],
        ).values_list("dedupe_key", flat=True)
    )
    written = 0
    for booking in due:
        key = f"booking-reminder:{booking.pk}"
        if any(done.startswith(f"{key}:") for done in reminded):
            continue  # reminded at an earlier run
        with transaction.atomic():
            rows = notify(
                template="booking_reminder",
                context=reminder_context(booking),
                dedupe_key=key,
                user=booking.citizen,
                email=booking.email,
                phone=booking.phone,
            )
            written += len(rows)
    return written


def reminder_context(booking: Booking) -> dict[str, str]:
    agency = booking.slot.agency
    return {
        "code": booking.code,
        "procedure_name": booking.procedure.name,
        "agency_name": agency.name,
        "address": agency.address or "",
        "appointment": _when(booking.slot.starts_at),
        "booking_url": settings.PORTAL_BASE_URL.rstrip("/")
        + reverse("bookings:detail", kwargs={"code": booking.code}),
    }
