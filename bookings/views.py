"""Citizen pages (/dat-lich/…) and the desk's actions on appointments (/can-bo/dat-lich/…)."""

from __future__ import annotations

from typing import Any, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dossiers.errors import DossierError
from dossiers.views_desk import desk_required
from portal.models import User
from procedures.models import Procedure

from . import selectors, services, slots
from .errors import BookingError, BookingPermissionError
from .forms import BookingForm, CapacityForm, LookupForm
from .models import Booking


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _qr_data_uri(url: str) -> str:
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=0, nl=False))


def _lookup_url(code: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("bookings:lookup") + f"?ma={code}"


def _procedure(code: str) -> Procedure:
    found = (
        Procedure.objects.filter(code=code, is_published=True)
        .exclude(current_version=None)
        .select_related("agency")
        .first()
    )
    if found is None:
        raise Http404(_("No published procedure has this code."))
    return found


@never_cache
@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        {"booking": booking, "upcoming": booking.slot.starts_at > now}
        for booking in selectors.bookings_of(_user(request))[:100]
    ]
    return render(request, "bookings/mine.html", {"rows": rows})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def book(request: HttpRequest, code: str) -> HttpResponse:
    procedure = _procedure(code)
    user = _user(request)
    initial = {"phone": user.phone, "email": user.email}
    form = BookingForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                booking = services.booking_create(
                    citizen=user,
                    procedure=procedure,
                    starts_at=form.cleaned_data["slot"],
                    phone=form.cleaned_data["phone"],
                    email=form.cleaned_data["email"],
                    note=form.cleaned_data["note"],
                )
            except BookingError as error:
                form.add_error("slot", error.message)
            else:
                messages.success(
                    request,
                    _("Appointment booked. Your booking code is %(code)s.")
                    % {"code": booking.code},
                )
                return redirect("bookings:detail", code=booking.code)
        status = 400  # the error summary on the page says what to correct
    chosen = request.POST.get("slot", "")
    days = slots.open_slots(agency_id=procedure.agency_id)
    context: dict[str, Any] = {
        "procedure": procedure,
        "form": form,
        "days": days,
        "chosen": chosen,
        "capacity": slots.capacity_for(procedure.agency_id),
        "slot_minutes": settings.BOOKING_SLOT_MINUTES,
    }
    return render(request, "bookings/book.html", context, status=status)


@never_cache
@require_safe
@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    booking = selectors.booking_of(citizen=_user(request), code=code)
    if booking is None:
        raise Http404(_("No such appointment."))
    context = {
        "booking": booking,
        "qr": _qr_data_uri(_lookup_url(booking.code)),
        "can_cancel": booking.status == Booking.Status.BOOKED
        and booking.slot.starts_at > timezone.now(),
    }
    return render(request, "bookings/detail.html", context)


@require_POST
@login_required
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    booking = selectors.booking_of(citizen=_user(request), code=code)
    if booking is None:
        raise Http404(_("No such appointment."))
    try:
        services.booking_cancel(booking_id=booking.pk, actor=_user(request))
    except BookingPermissionError as error:
        raise Http404(error.message) from error
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Appointment %(code)s cancelled.") % {"code": booking.code})
    return redirect("bookings:detail", code=booking.code)


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    booking = None
    searched = ""
    if form.is_valid():
        searched = form.cleaned_data["ma"].strip()
        if searched:
            booking = selectors.booking_by_code(searched)
    response = render(
        request,
        "bookings/lookup.html",
        {"form": form, "booking": booking, "searched": searched},
        status=404 if searched and booking is None else 200,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- The desk ---------------------------------------------------------------------------------


@require_POST
@desk_required
def desk_register(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        dossier = services.booking_register_dossier(booking_id=pk, officer=_user(request))
    except BookingPermissionError as error:
        raise Http404(error.message) from error
    except (BookingError, DossierError) as error:
        messages.error(request, error.message)
        return redirect("desk:queue")
    messages.success(
        request,
        _("Dossier %(code)s registered from the appointment. Check it, then accept it.")
        % {"code": dossier.code},
    )
    return redirect("desk:dossier", pk=dossier.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@desk_required
def desk_capacity(request: HttpRequest) -> HttpResponse:
    officer = _user(request)
    agency_id = cast(int, officer.agency_id)
    current = slots.capacity_for(agency_id)
    form = CapacityForm(request.POST or None, initial={"per_slot": current})
    if request.method == "POST":
        if form.is_valid():
            try:
                services.desk_capacity_set(
                    agency_id=agency_id, per_slot=form.cleaned_data["per_slot"], actor=officer
                )
            except BookingError as error:
                form.add_error("per_slot", error.message)
            else:
                messages.success(request, _("Places per slot saved."))
                return redirect("bookings_desk:capacity")
        messages.error(request, _("Please correct the problems below."))
    context = {
        "form": form,
        "current": current,
        "slot_minutes": settings.BOOKING_SLOT_MINUTES,
        "today": selectors.desk_bookings_of_day(agency_id=agency_id),
    }
    return render(request, "bookings/desk/capacity.html", context)
