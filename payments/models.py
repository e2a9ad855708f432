"""Fees and payments of dossiers (DESIGN.md §8, rules 1, 10, 11).

A payment has its own life cycle, separate from the dossier's: pending → paid | failed |
cancelled | expired | under review; paid → refund requested → refunded. Money the gateway says it
took always ends as paid or as a refund request: a confirmation that arrives after the portal
closed the payment (failed, cancelled, expired) still marks it paid, and a debit the bank flags
as suspicious (`07`) waits under review until staff confirm it or refund it. The state field is
protected: only the transition methods below change it, and they only change this instance.
Services in `services.py` wrap them with permission checks, row locks and a `PaymentEvent`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from dossiers.models import Dossier
from portal.models import Agency, User
from procedures.models import FeeDue


class Payment(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        UNDER_REVIEW = "under_review", _("Debited, under review by the bank")
        REFUND_REQUESTED = "refund_requested", _("Refund requested")
        REFUNDED = "refunded", _("Refunded")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash at the desk")
        ONLINE = "online", _("Online payment")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        POST_OFFICE = "post_office", _("Post office")

    # Money that reached the agency (refunds included: they are reported separately).
    COLLECTED_STATES = (State.PAID, State.REFUND_REQUESTED, State.REFUNDED)
    FINAL_STATES = (State.PAID, State.FAILED, State.CANCELLED, State.EXPIRED)
    # Closed without money; a later word of the gateway that it took the money still counts.
    CLOSED_UNPAID_STATES = (State.FAILED, State.CANCELLED, State.EXPIRED)

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="payments"
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("collecting agency"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    due = models.CharField(_("due"), max_length=10, choices=FeeDue.choices)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    items = models.JSONField(
        _("fee items"), default=list, help_text=_("The fee items paid, from the procedure version.")
    )
    method = models.CharField(_("method"), max_length=15, choices=Method.choices)
    state = FSMField(
        _("state"), choices=State.choices, default=State.PENDING, protected=True, db_index=True
    )
    payer_name = models.CharField(_("payer"), max_length=150)
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("Bank transfer or post office reference, or the gateway's transaction number."),
    )
    txn_ref = models.CharField(
        _("order reference"), max_length=40, unique=True, null=True, blank=True
    )
    gateway = models.CharField(_("gateway"), max_length=20, blank=True)
    gateway_data = models.JSONField(_("gateway details"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    refund_reason = models.TextField(_("refund reason"), blank=True)
    refund_reference = models.CharField(_("refund reference"), max_length=100, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    gateway_created_at = models.DateTimeField(_("sent to the gateway"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    finished_at = models.DateTimeField(_("closed"), null=True, blank=True)
    refund_requested_at = models.DateTimeField(_("refund requested"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    # Online refunds: attempts through the gateway and when the sweeper sends the next one.
    refund_attempts = models.PositiveSmallIntegerField(_("refund attempts"), default=0)
    refund_retry_at = models.DateTimeField(_("next refund attempt"), null=True, blank=True)
    # The last reconciliation query of a payment closed without money (late confirmations).
    checked_at = models.DateTimeField(_("last asked the gateway"), null=True, blank=True)
    # What staff must know about this payment (a late confirmation, a debit under review, a
    # refund the gateway refused); open until an officer marks it handled.
    alert = models.TextField(_("alert for staff"), blank=True)
    alert_at = models.DateTimeField(_("alert raised"), null=True, blank=True)
    alert_handled_at = models.DateTimeField(_("alert handled"), null=True, blank=True)
    alert_handled_by = models.ForeignKey(
        User,
        verbose_name=_("alert handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "receipt_number"],
                condition=~Q(receipt_number=""),
                name="payment_receipt_number_per_agency",
            ),
        ]
        indexes = [
            models.Index(fields=["dossier", "state"], name="payment_dossier_state"),
            # Reports: money collected by agency and period.
            models.Index(fields=["agency", "paid_at"], name="payment_agency_paid"),
            # The service index (online payment share): fees paid in a period per agency and
            # method, read from the index alone.
            models.Index(
                fields=["paid_at"],
                include=["agency", "method"],
                name="payment_paid_report",
                condition=Q(state__in=["paid", "refunded"]),
            ),
            # Reconciliation: online payments still pending.
            models.Index(
                fields=["created_at"],
                name="payment_pending_online",
                condition=Q(state="pending", method="online"),
            ),
            # The refund sweeper: online refunds waiting to be (re)sent to the gateway.
            models.Index(
                fields=["refund_retry_at"],
                name="payment_refund_retry",
                condition=Q(state="refund_requested", method="online"),
            ),
            # Desk and admin: alerts not yet handled.
            models.Index(
                fields=["agency", "alert_at"],
                name="payment_open_alert",
                condition=~Q(alert="") & Q(alert_handled_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.amount:,} đ ({self.get_state_display()})"  # type: ignore[attr-defined]

    @property
    def is_online(self) -> bool:
        return self.method == self.Method.ONLINE

    @property
    def has_receipt(self) -> bool:
        return bool(self.receipt_number) and self.state in self.COLLECTED_STATES

    @property
    def alert_open(self) -> bool:
        return bool(self.alert) and self.alert_handled_at is None

    def raise_alert(self, *, at: datetime, message: str) -> None:
        self.alert, self.alert_at = message, at
        self.alert_handled_at, self.alert_handled_by = None, None

    def handle_alert(self, *, at: datetime, by: User | None) -> None:
        self.alert_handled_at, self.alert_handled_by = at, by

    # --- Transitions: change this instance only ------------------------------------------

    # A closed payment can still be paid: the gateway's word that it took the money wins.
    @transition(
        field=state,
        source=[State.PENDING, State.UNDER_REVIEW, *CLOSED_UNPAID_STATES],
        target=State.PAID,
    )
    def mark_paid(self, *, at: datetime, receipt_number: str, data: dict[str, Any]) -> None:
        self.paid_at, self.finished_at, self.receipt_number = at, at, receipt_number
        self.gateway_data = {**self.gateway_data, **data}

    @transition(
        field=state, source=[State.PENDING, *CLOSED_UNPAID_STATES], target=State.UNDER_REVIEW
    )
    def hold_for_review(self, *, at: datetime, data: dict[str, Any]) -> None:
        self.finished_at = at
        self.gateway_data = {**self.gateway_data, **data}

    @transition(field=state, source=State.PENDING, target=State.FAILED)
    def mark_failed(self, *, at: datetime, data: dict[str, Any]) -> None:
        self.finished_at = at
        self.gateway_data = {**self.gateway_data, **data}

    @transition(field=state, source=State.PENDING, target=State.CANCELLED)
    def cancel(self, *, at: datetime, data: dict[str, Any]) -> None:
        self.finished_at = at
        self.gateway_data = {**self.gateway_data, **data}

    @transition(field=state, source=State.PENDING, target=State.EXPIRED)
    def expire(self, *, at: datetime) -> None:
        self.finished_at = at

    @transition(field=state, source=[State.PAID, State.UNDER_REVIEW], target=State.REFUND_REQUESTED)
    def request_refund(self, *, at: datetime, reason: str) -> None:
        self.refund_requested_at, self.refund_reason = at, reason

    @transition(field=state, source=State.REFUND_REQUESTED, target=State.REFUNDED)
    def complete_refund(self, *, at: datetime, reference: str) -> None:
        self.refunded_at, self.refund_reference = at, reference


class PaymentEvent(models.Model):
    """One line of a payment's audit trail: who (or which gateway call) changed what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        SENT_TO_GATEWAY = "sent_to_gateway", _("Sent to the gateway")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        UNDER_REVIEW = "under_review", _("Debited, under review by the bank")
        ALERT_HANDLED = "alert_handled", _("Alert handled")
        REFUND_REQUESTED = "refund_requested", _("Refund requested")
        REFUND_FAILED = "refund_failed", _("Refund attempt failed")
        REFUNDED = "refunded", _("Refunded")

    class Source(models.TextChoices):
        DESK = "desk", _("Desk")
        CITIZEN = "citizen", _("Citizen")
        IPN = "ipn", _("Gateway notification")
        RECONCILIATION = "reconciliation", _("Reconciliation")
        SYSTEM = "system", _("System")

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=15, choices=Source.choices)
    actor = models.ForeignKey(
        User,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.get_kind_display()}"  # type: ignore[attr-defined]


class FeeExemption(models.Model):
    """The desk exempts a dossier from its fees (e.g. poor household), with the reason."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="fee_exemption"
    )
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("fee exemption")
        verbose_name_plural = _("fee exemptions")

    def __str__(self) -> str:
        return f"{self.dossier}: {self.reason[:50]}"


class ReceiptSequence(models.Model):
    """The last fee receipt number of an agency in a year (numbered per agency per year)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="receipt_sequence_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.year}: {self.last_number}"


class SandboxTransaction(models.Model):
    """The built-in sandbox gateway's own book (the bank's side), to answer querydr and refund."""

    tmn_code = models.CharField(max_length=20)
    txn_ref = models.CharField(max_length=40, unique=True)
    amount = models.PositiveBigIntegerField(help_text="VND × 100, as the protocol sends it")
    order_info = models.CharField(max_length=255, blank=True)
    create_date = models.CharField(max_length=14)
    transaction_no = models.CharField(max_length=20, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)
    pay_date = models.CharField(max_length=14, blank=True)
    response_code = models.CharField(max_length=2, blank=True)
    transaction_status = models.CharField(max_length=2, blank=True)
    refunded_amount = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.txn_ref
