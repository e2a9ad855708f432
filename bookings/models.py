"""Appointments at an agency's one-stop desk: slots cut from office hours, a capacity per slot."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeskCapacity(models.Model):
    """How many people the desk of an agency receives per slot (the setting's value without one)."""

    agency = models.OneToOneField(
        "portal.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="desk_capacity",
    )
    per_slot = models.PositiveSmallIntegerField(_("places per slot"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("desk capacity")
        verbose_name_plural = _("desk capacities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(per_slot__gte=1), name="bookings_capacity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} – {self.per_slot}"


class Slot(models.Model):
    """One time slot at one desk; its row is locked while a place in it is taken."""

    agency = models.ForeignKey(
        "portal.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.UniqueConstraint(fields=["agency", "starts_at"], name="bookings_slot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.starts_at:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        REGISTERED = "registered", _("Dossier registered")

    # Statuses that hold a place in the slot.
    HOLDING = (Status.BOOKED, Status.REGISTERED)

    code = models.CharField(_("booking code"), max_length=20, unique=True)
    slot = models.ForeignKey(
        Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="bookings"
    )
    procedure = models.ForeignKey(
        "procedures.Procedure",
        verbose_name=_("procedure"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citizen"),
        on_delete=models.CASCADE,
        related_name="bookings",
    )
    name = models.CharField(_("full name"), max_length=200)
    national_id = models.CharField(_("national ID number"), max_length=12, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.BOOKED
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking",
    )

    class Meta:
        verbose_name = _("desk appointment")
        verbose_name_plural = _("desk appointments")
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            # One person, one place per slot: a double click books once.
            models.UniqueConstraint(
                fields=["slot", "citizen"],
                condition=models.Q(status__in=["booked", "registered"]),
                name="bookings_one_place_per_person",
            )
        ]
        indexes = [models.Index(fields=["citizen", "-created_at"], name="bookings_citizen_idx")]

    def __str__(self) -> str:
        return self.code
