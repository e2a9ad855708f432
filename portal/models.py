from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .roles import Role
from .validators import validate_national_id, validate_vn_mobile

agency_code_validator = RegexValidator(
    r"^\d{3}\.\d{2,3}\.\d{2,3}\.[A-Z]\d{2}$",
    _("Agency codes have the form NNN.NN.NN.Hnn, e.g. 000.00.01.H45."),
)


class SuccessionKind(models.TextChoices):
    RENAMED = "renamed", _("Renamed")
    MERGED = "merged", _("Merged into")


class Agency(models.Model):
    """A state agency (cơ quan) that receives or processes dossiers."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")

    code = models.CharField(
        _("agency code"), max_length=20, unique=True, validators=[agency_code_validator]
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    hotline = models.CharField(_("hotline"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    bank_account_number = models.CharField(_("bank account number"), max_length=40, blank=True)
    bank_account_name = models.CharField(_("bank account holder"), max_length=255, blank=True)
    bank_name = models.CharField(_("bank"), max_length=255, blank=True)
    # Decree 123/2020/NĐ-CP: a fee receipt names the collecting body's tax code and carries the
    # form symbol and series the body registered for its receipts.
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True)
    fee_receipt_form = models.CharField(
        _("fee receipt form symbol"),
        max_length=20,
        blank=True,
        help_text=_("The receipt form symbol registered with the tax office (Mẫu số)."),
    )
    fee_receipt_series = models.CharField(
        _("fee receipt series"),
        max_length=20,
        blank=True,
        help_text=_("The receipt series registered with the tax office (Ký hiệu)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Two-tier local government (from 1/7/2025): an agency renamed or merged into another one
    # keeps its row, so the dossiers filed with it keep their agency and can name its successor.
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        help_text=_("The agency that took over this one's tasks (renamed or merged into)."),
    )
    succession_kind = models.CharField(
        _("kind of succession"), max_length=10, choices=SuccessionKind.choices, blank=True
    )
    succession_effective_on = models.DateField(_("succession effective on"), null=True, blank=True)
    catalogue_moved_at = models.DateTimeField(_("catalogue moved at"), null=True, blank=True)
    catalogue_moved_by = models.ForeignKey(
        "User",
        verbose_name=_("catalogue moved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(successor=models.F("pk")), name="agency_not_own_successor"
            ),
            models.CheckConstraint(
                condition=models.Q(successor__isnull=True, succession_kind="")
                | models.Q(successor__isnull=False, succession_effective_on__isnull=False)
                & ~models.Q(succession_kind=""),
                name="agency_succession_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.successor_id is None:
            if self.succession_kind or self.succession_effective_on:
                raise ValidationError({"successor": _("Choose the successor agency.")})
            return
        errors = {}
        if not self.succession_kind:
            errors["succession_kind"] = _("Say whether the agency was renamed or merged.")
        if self.succession_effective_on is None:
            errors["succession_effective_on"] = _("Give the date the succession took effect.")
        if self.pk is not None and self.successor_id == self.pk:
            errors["successor"] = _("An agency cannot succeed itself.")
        elif self.pk is not None and self.successor is not None:
            # Walk the successor's chain: reaching this agency again would be a loop.
            seen: set[int] = {self.pk}
            step: Agency | None = self.successor
            while step is not None:
                if step.pk in seen:
                    errors["successor"] = _("This successor leads back to the agency itself.")
                    break
                seen.add(step.pk)
                step = step.successor
        if errors:
            raise ValidationError(errors)


class Department(models.Model):
    """A specialist department (phòng chuyên môn) or the one-stop desk of an agency."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="departments"
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=255)
    is_one_stop_desk = models.BooleanField(
        _("one-stop desk"),
        default=False,
        help_text=_("The unit that receives dossiers and returns results for its agency."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["agency__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="department_code_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.agency.short_name or self.agency.name}"


class PortalUserManager(UserManager["User"]):
    def get_by_identifier(self, identifier: str) -> User | None:
        """Find the account a person means by their username, e-mail, mobile or national ID."""
        from .validators import normalise_vn_mobile

        identifier = identifier.strip()
        if not identifier:
            return None
        query = models.Q(username=identifier) | models.Q(national_id=identifier)
        if "@" in identifier:
            query |= models.Q(email__iexact=identifier)
        mobile = normalise_vn_mobile(identifier)
        if mobile:
            query |= models.Q(phone=mobile)
        matches = list(self.filter(query)[:2])
        return matches[0] if len(matches) == 1 else None


class User(AbstractUser):
    """Citizens, business representatives and staff share one account model.

    Staff belong to an agency (and usually a department) and hold one or more roles, modelled
    as Django groups named after `Role`.
    """

    full_name = models.CharField(_("full name"), max_length=150)
    national_id = models.CharField(
        _("national ID number (CCCD)"),
        max_length=12,
        blank=True,
        validators=[validate_national_id],
        help_text=_("12 digits, as printed on the citizen identity card."),
    )
    phone = models.CharField(
        _("mobile number"), max_length=15, blank=True, validators=[validate_vn_mobile]
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )

    objects: ClassVar[PortalUserManager] = PortalUserManager()  # type: ignore[assignment]

    REQUIRED_FIELDS = ["email", "full_name"]

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=~models.Q(national_id=""),
                name="user_unique_national_id",
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=~models.Q(phone=""), name="user_unique_phone"
            ),
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_unique_email_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.username])[-1]

    @property
    def roles(self) -> set[Role]:
        if not hasattr(self, "_roles_cache"):
            names = {g.name for g in self.groups.all()} if self.pk else set()
            self._roles_cache = {role for role in Role if role.value in names}
        return self._roles_cache

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_officer(self) -> bool:
        """Staff of an agency or the provincial IT team (everyone who is not a citizen)."""
        return bool(self.is_staff or self.is_superuser or self.agency_id or self.roles)

    @property
    def requires_two_factor(self) -> bool:
        return self.is_officer


class CalendarOverride(models.Model):
    """An exception to the national holiday calendar, edited by provincial IT staff.

    An extra day off (e.g. a provincial holiday) or a make-up working day on a weekend.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=255)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.get_kind_display()}"


class Notification(models.Model):
    """One e-mail or SMS in the outbox (DESIGN §7), written in the transaction of its event.

    The sender (`portal.notifications.services.notification_send`) delivers it after commit;
    the sweeper retries what is still pending. `dedupe_key` makes a second write a no-op.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        # No "sending" state: the sender keeps the row locked while it talks to the provider,
        # so a half-sent row is never visible (see notifications/services.py).
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    channel = models.CharField(_("sent by"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    template = models.CharField(_("template"), max_length=64)
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    dedupe_key = models.CharField(_("deduplication key"), max_length=255, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    first_attempt_at = models.DateTimeField(_("first attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    provider_message_id = models.CharField(_("provider message ID"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # What the sweeper reads every minute: only pending rows are in it.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="notification_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.recipient} ({self.get_status_display()})"


class Heartbeat(models.Model):
    """When a part of the portal last showed it is alive, for the health check and metrics.

    ``beat`` is refreshed by the beat that holds the lock at every tick; ``task:<name>`` by each
    run of a task on a worker.
    """

    name = models.CharField(_("name"), max_length=200, primary_key=True)
    seen_at = models.DateTimeField(_("last seen"))
    started_at = models.DateTimeField(_("running since"))
    host = models.CharField(_("host"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return self.name


class ExternalIdentity(models.Model):
    """A person's identity at an OpenID Connect provider (VNeID), linked to their account."""

    user = models.ForeignKey(
        User,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="external_identities",
    )
    issuer = models.CharField(_("identity provider"), max_length=255)
    subject = models.CharField(_("identifier at the provider"), max_length=255)
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)
    last_sign_in_at = models.DateTimeField(_("last signed in at"), null=True, blank=True)

    class Meta:
        verbose_name = _("electronic identity link")
        verbose_name_plural = _("electronic identity links")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="external_identity_unique_subject"
            ),
            # One identity per provider and account: a second one means another person.
            models.UniqueConstraint(
                fields=["issuer", "user"], name="external_identity_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.issuer}"
