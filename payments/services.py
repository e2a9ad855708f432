"""Every write of payments: typed, atomic, permission-checked, recorded as a `PaymentEvent`.

Payments of a dossier are made under the dossier's row lock (`dossier_for_update`), so two
officers (or an officer and the citizen) never record the same fees twice at once; gateway
notifications lock the payment row, so a replayed or concurrent IPN credits exactly once.

Money the gateway took is never lost: its word that it took it (00/00, or 07 "debited, under
review") counts even after the portal closed the payment as failed, cancelled or expired, and in
whatever order the IPN, the browser's return and reconciliation arrive. Such a payment ends as
paid, or as a refund request when the dossier no longer owes it, and the agency's desk is told
(an alert on the payment and an e-mail). Online refunds are sent to the gateway after commit
and, if that send is lost (broker down) or the gateway is unreachable, again by the refund
sweeper (`payment_refunds_resend`); the row lock and state check make a refund run once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from dossiers.models import Dossier
from dossiers.selectors import dossier_for_update
from portal.models import Agency, User
from portal.roles import Role
from portal.tasks_sending import BROKER_ERRORS
from procedures.presenters import format_vnd

from . import receipts
from .errors import PaymentPermissionError, PaymentStateError, PaymentValidationError
from .gateways import (
    CANCELLED_BY_CUSTOMER,
    GatewayError,
    Outcome,
    PayRequest,
    get_gateway,
    plain_text,
)
from .models import FeeExemption, Payment, PaymentEvent, ReceiptSequence
from .selectors import dossier_fees, refunds_to_resend

logger = logging.getLogger(__name__)

DESK_METHODS = (Payment.Method.CASH, Payment.Method.BANK_TRANSFER, Payment.Method.POST_OFFICE)
# A dossier can be paid for once it is submitted and until it is closed without a result.
PAYABLE_STATES = (
    Dossier.State.RECEIVED,
    Dossier.State.INCOMPLETE,
    Dossier.State.PROCESSING,
    Dossier.State.DONE,
)


# --- Helpers -------------------------------------------------------------------------------


def _record(
    payment: Payment,
    kind: PaymentEvent.Kind,
    *,
    source: PaymentEvent.Source,
    actor: User | None = None,
    from_state: str = "",
    data: dict[str, Any] | None = None,
) -> PaymentEvent:
    event = PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        source=source,
        actor=actor,
        from_state=from_state,
        to_state=payment.state,
        data=data or {},
    )
    audit.record(
        kind=f"payment.{kind}",
        actor=actor,
        dossier_id=payment.dossier_id,
        target=f"payment:{payment.pk}",
        data={
            "source": source,
            "from": from_state,
            "to": payment.state,
            "amount": payment.amount,
            "method": payment.method,
            **(data or {}),
        },
    )
    return event


def next_receipt_number(*, agency: Agency, year: int) -> int:
    """The next fee receipt number of the agency for the year; never twice, even concurrently."""
    table = ReceiptSequence._meta.db_table
    if connection.vendor == "postgresql":
        # One statement: the row lock of the upsert serialises concurrent payments.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (agency_id, year, last_number) VALUES (%s, %s, 1)
                ON CONFLICT (agency_id, year)
                DO UPDATE SET last_number = {table}.last_number + 1
                RETURNING last_number
                """,  # noqa: S608 - table name from the model, values as parameters
                [agency.pk, year],
            )
            return int(cursor.fetchone()[0])
    # SQLite (embedded default) serialises writers itself.
    with transaction.atomic():
        sequence, created = ReceiptSequence.objects.get_or_create(
            agency=agency, year=year, defaults={"last_number": 1}
        )
        if created:
            return 1
        ReceiptSequence.objects.filter(pk=sequence.pk).update(last_number=F("last_number") + 1)
        sequence.refresh_from_db(fields=["last_number"])
        return sequence.last_number


def receipt_number(*, agency: Agency, day: date) -> str:
    return f"{day.year}-{next_receipt_number(agency=agency, year=day.year):06d}"


def _require_desk(dossier: Dossier, officer: User) -> None:
    if not (officer.has_role(Role.DESK_OFFICER) and officer.agency_id == dossier.agency_id):
        raise PaymentPermissionError(
            _("Only the one-stop desk of the receiving agency can record payments of this dossier.")
        )


def _notify(payment: Payment, template: str, **extra: object) -> None:
    from portal.notifications import notify  # the outbox lives in the core app

    dossier = payment.dossier
    notify(
        template=template,
        context={
            "code": dossier.code or "",
            "procedure_name": dossier.procedure_version.data.get("name", ""),
            "applicant_name": dossier.applicant_name,
            "amount": format_vnd(payment.amount),
            "lookup_url": f"{settings.PORTAL_BASE_URL}/tra-cuu/?ma={dossier.code}",
            **extra,
        },
        dedupe_key=f"payment:{payment.pk}:{template}",
        user=dossier.applicant,
        email=dossier.applicant_email,
        phone=dossier.applicant_phone,
    )


def _raise_alert(payment: Payment, message: str) -> None:
    """Tell the agency's desk and leaders about this payment: an open alert and an e-mail."""
    from portal.notifications import notify

    now = timezone.now()
    payment.raise_alert(at=now, message=message)
    payment.save(update_fields=["alert", "alert_at", "alert_handled_at", "alert_handled_by"])
    dossier = payment.dossier
    url = reverse("payments:desk", kwargs={"pk": payment.dossier_id})
    staff = (
        User.objects.filter(
            agency_id=payment.agency_id,
            is_active=True,
            groups__name__in=[Role.DESK_OFFICER, Role.LEADER],
        )
        .distinct()
        .order_by("pk")
    )
    for user in staff:
        notify(
            template="payment_alert",
            context={
                "code": dossier.code or "",
                "procedure_name": dossier.procedure_version.data.get("name", ""),
                "amount": format_vnd(payment.amount),
                "alert": message,
                "url": f"{settings.PORTAL_BASE_URL}{url}",
                "applicant_name": user.full_name,
            },
            dedupe_key=f"payment:{payment.pk}:alert:{now.timestamp():.6f}:{user.pk}",
            user=user,
            channels=("email",),
        )


def _in_portal_language() -> translation.override:
    # Alerts are stored on the payment and read by every officer: in the portal's language.
    return translation.override(settings.LANGUAGE_CODE)


def _mark_paid(
    payment: Payment,
    *,
    source: PaymentEvent.Source,
    actor: User | None,
    data: dict[str, Any],
) -> None:
    now = timezone.now()
    previous = payment.state
    payment.mark_paid(
        at=now,
        receipt_number=receipt_number(agency=payment.agency, day=timezone.localdate(now)),
        data=data,
    )
    payment.save()
    _record(
        payment,
        PaymentEvent.Kind.PAID,
        source=source,
        actor=actor,
        from_state=previous,
        data=data,
    )
    _notify(payment, "payment_received")
    receipts.schedule_receipt(payment)
    _refund_if_not_owed(payment, actor=actor)


def _refund_if_not_owed(payment: Payment, *, actor: User | None) -> None:
    """Money that arrives for a closed dossier, or twice for the same fees, goes back."""
    dossier = Dossier.objects.get(pk=payment.dossier_id)
    reason = ""
    if dossier.state in (Dossier.State.RETURNED, Dossier.State.WITHDRAWN):
        reason = _("The dossier was closed without a result before this payment arrived.")
    else:
        fees = dossier_fees(dossier)
        if fees.exempt or fees.paid > fees.total:
            reason = _("The fees of this dossier had already been paid or exempted.")
    if reason:
        _request_refund(payment, actor=actor, reason=reason, source=PaymentEvent.Source.SYSTEM)


# --- Online payment ------------------------------------------------------------------------


def _refuse_while_under_review(under_review: list[Payment]) -> None:
    # The citizen's money is already at the bank: paying again would take it twice.
    if under_review:
        raise PaymentStateError(
            _(
                "A payment of this dossier was debited and is being checked by the bank; "
                "wait for its outcome before paying again."
            )
        )


def _new_txn_ref(dossier: Dossier, now: datetime) -> str:
    # Unique, alphanumeric, and readable in the gateway's back office.
    return f"{dossier.pk}{timezone.localtime(now):%y%m%d%H%M%S}{secrets.token_hex(3).upper()}"


@transaction.atomic
def payment_start_online(
    *, dossier_id: int, actor: User, client_ip: str, return_url: str
) -> tuple[Payment, str]:
    """The citizen pays the outstanding fees online: a pending payment and the gateway URL."""
    dossier = dossier_for_update(dossier_id=dossier_id)
    if dossier.applicant_id != actor.pk:
        raise PaymentPermissionError(_("This dossier is not yours."))
    if dossier.state not in PAYABLE_STATES:
        raise PaymentStateError(_("The fees of this dossier can no longer be paid."))
    fees = dossier_fees(dossier)
    if not fees.can_pay_online:
        raise PaymentStateError(_("The fees of this procedure cannot be paid online."))
    if fees.outstanding <= 0:
        raise PaymentStateError(_("Nothing is left to pay for this dossier."))
    _refuse_while_under_review(fees.under_review)
    now = timezone.now()
    payment = Payment.objects.create(
        dossier=dossier,
        agency_id=dossier.agency_id,
        due=fees.due,
        amount=fees.outstanding,
        items=[item.__dict__ for item in fees.items],
        method=Payment.Method.ONLINE,
        payer_name=dossier.applicant_name,
        txn_ref=_new_txn_ref(dossier, now),
        gateway=get_gateway().name,
        client_ip=client_ip or None,
        gateway_created_at=now,
        expires_at=now + timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES),
    )
    _record(
        payment,
        PaymentEvent.Kind.SENT_TO_GATEWAY,
        source=PaymentEvent.Source.CITIZEN,
        actor=actor,
        data={"txn_ref": payment.txn_ref},
    )
    url = get_gateway().pay_url(
        PayRequest(
            txn_ref=payment.txn_ref or "",
            amount=payment.amount,
            order_info=order_info(payment),
            return_url=return_url,
            client_ip=client_ip or "127.0.0.1",
            created_at=now,
            expires_at=payment.expires_at or now,
        )
    )
    return payment, url


def order_info(payment: Payment) -> str:
    return plain_text(f"Thanh toan phi le phi ho so {payment.dossier.code}")


@dataclass(frozen=True)
class IpnAnswer:
    code: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"RspCode": self.code, "Message": self.message}


def _apply_outcome(payment: Payment, outcome: Outcome, *, source: PaymentEvent.Source) -> bool:
    """Record a gateway's verdict on a payment (the caller holds the row lock).

    Returns False when the verdict changes nothing: the payment is already settled, or the
    verdict is a failure for a payment no longer pending. Money taken (00/00) marks any payment
    not yet paid as paid, even one closed meanwhile; a suspicious debit (07) holds it for review.
    """
    previous = payment.state
    data = {
        "response_code": outcome.response_code,
        "transaction_status": outcome.transaction_status,
        "transaction_no": outcome.transaction_no,
        "bank_code": outcome.bank_code,
        "pay_date": outcome.pay_date,
    }
    now = timezone.now()
    if outcome.is_paid:
        if previous not in (
            Payment.State.PENDING,
            Payment.State.UNDER_REVIEW,
            *Payment.CLOSED_UNPAID_STATES,
        ):
            return False
        payment.reference = outcome.transaction_no
        if previous == Payment.State.UNDER_REVIEW:
            payment.handle_alert(at=now, by=None)  # the bank cleared it: nothing left to decide
        _mark_paid(payment, source=source, actor=None, data=data)
        if previous in Payment.CLOSED_UNPAID_STATES:
            _alert_late_confirmation(payment, previous=previous)
        return True
    if outcome.is_under_review:
        if previous not in (Payment.State.PENDING, *Payment.CLOSED_UNPAID_STATES):
            return False
        payment.hold_for_review(at=now, data=data)
        payment.save()
        _record(
            payment, PaymentEvent.Kind.UNDER_REVIEW, source=source, from_state=previous, data=data
        )
        with _in_portal_language():
            message = _(
                "The gateway debited %(amount)s but the bank flags the transaction as "
                "suspicious (code 07). Check it with the bank, then confirm it as paid or "
                "refund it."
            ) % {"amount": format_vnd(payment.amount)}
        _raise_alert(payment, message)
        return True
    if previous != Payment.State.PENDING:
        return False
    if outcome.response_code == CANCELLED_BY_CUSTOMER:
        payment.cancel(at=now, data=data)
        kind = PaymentEvent.Kind.CANCELLED
    else:
        payment.mark_failed(at=now, data=data)
        kind = PaymentEvent.Kind.FAILED
    payment.save()
    _record(payment, kind, source=source, from_state=Payment.State.PENDING, data=data)
    return True


def _alert_late_confirmation(payment: Payment, *, previous: str) -> None:
    with _in_portal_language():
        values = {
            "amount": format_vnd(payment.amount),
            "state": str(Payment.State(previous).label).lower(),
            "receipt": payment.receipt_number,
        }
        if payment.state == Payment.State.REFUND_REQUESTED:
            message = (
                _(
                    "The gateway confirmed this payment of %(amount)s after the portal had marked "
                    "it %(state)s. The dossier no longer owes it, so a refund has been requested."
                )
                % values
            )
        else:
            message = (
                _(
                    "The gateway confirmed this payment of %(amount)s after the portal had marked "
                    "it %(state)s. It is now recorded as paid, with receipt %(receipt)s."
                )
                % values
            )
    _raise_alert(payment, message)


def payment_record_ipn(*, params: dict[str, str]) -> IpnAnswer:
    """The gateway's server-to-server notification (VNPAY.md, IPN): checks in the given order."""
    try:
        gateway = get_gateway()
        if not gateway.verify(params):
            return IpnAnswer("97", "Invalid signature")
        txn_ref = params.get("vnp_TxnRef", "")
        if not txn_ref:
            # Never look up NULL: that would match the desk's payments, which have no reference.
            return IpnAnswer("01", "Order not found")
        with transaction.atomic():
            payment = (
                Payment.objects.select_for_update()
                .select_related("dossier__procedure_version", "agency")
                .filter(txn_ref=txn_ref)
                .first()
            )
            if payment is None:
                return IpnAnswer("01", "Order not found")
            try:
                outcome = gateway.outcome(params)
            except ValueError:
                return IpnAnswer("04", "Invalid amount")
            if outcome.amount != payment.amount:
                return IpnAnswer("04", "Invalid amount")
            if not _apply_outcome(payment, outcome, source=PaymentEvent.Source.IPN):
                return IpnAnswer("02", "Order already confirmed")
        return IpnAnswer("00", "Confirm Success")
    except Exception:
        logger.exception("IPN could not be processed")
        return IpnAnswer("99", "Unknown error")


# --- Reconciliation --------------------------------------------------------------------------

RECONCILED_STATES = (
    Payment.State.PENDING,
    Payment.State.UNDER_REVIEW,
    *Payment.CLOSED_UNPAID_STATES,
)


def _expire(payment: Payment, *, now: datetime, data: dict[str, Any]) -> None:
    payment.expire(at=now)
    payment.checked_at = now
    payment.save()
    _record(
        payment,
        PaymentEvent.Kind.EXPIRED,
        source=PaymentEvent.Source.RECONCILIATION,
        from_state=Payment.State.PENDING,
        data=data,
    )


def payment_reconcile(*, payment_id: int) -> Payment | None:
    """Ask the gateway (querydr) about a payment not known to be settled; safe to run twice.

    A pending payment gets the gateway's verdict (or expires); one under review or closed
    without money is paid (or held for review) if the gateway now says it took the money.
    """
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(skip_locked=True)
            .select_related("dossier__procedure_version", "agency")
            .filter(pk=payment_id)
            .first()
        )
        if (
            payment is None
            or payment.state not in RECONCILED_STATES
            or not payment.is_online
            or not payment.txn_ref
        ):
            return payment
        now = timezone.now()
        try:
            result = get_gateway().query(
                txn_ref=payment.txn_ref,
                order_info=order_info(payment),
                transaction_date=payment.gateway_created_at or payment.created_at,
                client_ip="127.0.0.1",
            )
        except GatewayError as error:
            logger.warning("payment %s: querydr failed: %s", payment_id, error)
            return payment
        outcome = result.outcome
        source = PaymentEvent.Source.RECONCILIATION
        if payment.state != Payment.State.PENDING:
            payment.checked_at = now  # asked again only after PAYMENT_RECHECK_MINUTES
            payment.save(update_fields=["checked_at"])
        if outcome is not None and outcome.amount != payment.amount:
            logger.error("payment %s: gateway reports another amount", payment_id)
            return payment
        if payment.state != Payment.State.PENDING:
            if outcome is not None:
                _apply_outcome(payment, outcome, source=source)
            return payment
        expired = payment.expires_at is not None and now > payment.expires_at
        if outcome is None:
            if expired:
                _expire(payment, now=now, data={"querydr": result.response_code})
            return payment
        if (
            outcome.is_paid
            or outcome.is_under_review
            or outcome.transaction_status not in ("", "01")
        ):
            _apply_outcome(payment, outcome, source=source)
        elif expired:
            _expire(payment, now=now, data={"transaction_status": outcome.transaction_status})
        return payment


# --- At the desk -------------------------------------------------------------------------------


@transaction.atomic
def payment_record_desk(
    *,
    dossier_id: int,
    officer: User,
    method: str,
    reference: str = "",
    payer_name: str = "",
    note: str = "",
) -> Payment:
    """The desk records fees paid in cash, by bank transfer or at the post office."""
    dossier = dossier_for_update(dossier_id=dossier_id)
    _require_desk(dossier, officer)
    if method not in DESK_METHODS:
        raise PaymentValidationError(
            _("Choose how the fees were paid."), field_errors={"method": _("Choose a method.")}
        )
    reference = reference.strip()
    if method != Payment.Method.CASH and not reference:
        message = _("Give the reference of the transfer or of the post office receipt.")
        raise PaymentValidationError(message, field_errors={"reference": message})
    agency = dossier.agency
    account: dict[str, str] = {}
    if method == Payment.Method.BANK_TRANSFER:
        if not agency.bank_account_number:
            raise PaymentValidationError(
                _("The agency has no published bank account: record the payment another way."),
                field_errors={"method": _("No bank account is published for this agency.")},
            )
        account = {
            "account_number": agency.bank_account_number,
            "account_name": agency.bank_account_name,
            "bank": agency.bank_name,
        }
    if dossier.state not in PAYABLE_STATES:
        raise PaymentStateError(_("The fees of this dossier can no longer be paid."))
    fees = dossier_fees(dossier)
    if fees.outstanding <= 0:
        raise PaymentStateError(_("Nothing is left to pay for this dossier."))
    _refuse_while_under_review(fees.under_review)
    payment = Payment.objects.create(
        dossier=dossier,
        agency=agency,
        due=fees.due,
        amount=fees.outstanding,
        items=[item.__dict__ for item in fees.items],
        method=method,
        payer_name=payer_name.strip() or dossier.applicant_name,
        reference=reference,
        recorded_by=officer,
        note=note.strip(),
    )
    source = PaymentEvent.Source.DESK
    _record(payment, PaymentEvent.Kind.CREATED, source=source, actor=officer)
    _mark_paid(payment, source=source, actor=officer, data={"account": account} if account else {})
    return payment


@transaction.atomic
def fee_exemption_record(*, dossier_id: int, officer: User, reason: str) -> FeeExemption:
    """The desk exempts the dossier from its fees, giving the reason (e.g. the legal basis)."""
    dossier = dossier_for_update(dossier_id=dossier_id)
    _require_desk(dossier, officer)
    if not reason.strip():
        message = _("Give the reason for the exemption.")
        raise PaymentValidationError(message, field_errors={"reason": message})
    if dossier.state not in PAYABLE_STATES:
        raise PaymentStateError(_("The fees of this dossier can no longer be changed."))
    fees = dossier_fees(dossier)
    if fees.exempt:
        raise PaymentStateError(_("This dossier is already exempted from its fees."))
    if fees.paid:
        raise PaymentStateError(
            _("Fees have already been paid for this dossier; an exemption is no longer possible.")
        )
    if not fees.has_fees:
        raise PaymentStateError(_("This dossier has no fees to exempt."))
    exemption = FeeExemption.objects.create(
        dossier=dossier, reason=reason.strip(), recorded_by=officer
    )
    audit.record(
        kind="payment.fee_exempted",
        actor=officer,
        dossier_id=dossier.pk,
        target=f"fee-exemption:{exemption.pk}",
        data={"reason": exemption.reason},
    )
    return exemption


# --- Refunds ----------------------------------------------------------------------------------


def _request_refund(
    payment: Payment, *, actor: User | None, reason: str, source: PaymentEvent.Source
) -> None:
    previous = payment.state
    now = timezone.now()
    payment.request_refund(at=now, reason=reason)
    if payment.is_online:
        # The sweeper's fallback, should the task sent after commit never arrive.
        payment.refund_retry_at = now + timedelta(minutes=settings.PAYMENT_REFUND_SWEEP_MINUTES)
    payment.save()
    _record(
        payment,
        PaymentEvent.Kind.REFUND_REQUESTED,
        source=source,
        actor=actor,
        from_state=previous,
        data={"reason": reason},
    )
    if payment.is_online:
        transaction.on_commit(partial(send_refund, payment.pk), robust=True)


def send_refund(payment_id: int) -> bool:
    """Hand an online refund to the workers; False when the broker cannot be reached.

    Runs after commit: a broker outage is logged, never raised into the request that asked
    for the refund; the refund sweeper sends it later.
    """
    from .tasks import refund_payment  # tasks import this module

    try:
        refund_payment.delay(payment_id)
    except BROKER_ERRORS as error:
        logger.warning(
            "Broker unreachable, refund of payment %s left for the sweeper: %r", payment_id, error
        )
        return False
    except Exception:
        logger.exception("Refund of payment %s could not be sent; left for the sweeper", payment_id)
        return False
    return True


def payment_refunds_resend(*, now: datetime | None = None) -> int:
    """Beat: send again the online refunds whose next attempt is due; safe to run twice.

    Each is claimed (its next attempt moved PAYMENT_REFUND_SWEEP_MINUTES on) before it is
    sent, so a later sweep leaves it alone while it runs; the refund itself locks the row and
    checks the state, so a refund sent twice is made once. Returns how many were sent.
    """
    now = now or timezone.now()
    sent = 0
    for payment_id in refunds_to_resend(now=now):
        claimed = Payment.objects.filter(
            pk=payment_id, state=Payment.State.REFUND_REQUESTED, refund_retry_at__lte=now
        ).update(refund_retry_at=now + timedelta(minutes=settings.PAYMENT_REFUND_SWEEP_MINUTES))
        if not claimed:
            continue
        if not send_refund(payment_id):
            break  # the broker is down: the next sweep tries again
        sent += 1
    return sent


@transaction.atomic
def payment_refund_request_for_dossier(
    *, dossier: Dossier, actor: User | None, reason: str
) -> list[Payment]:
    """Rule 11: the agency could not deliver, so what was paid goes back.

    Call it when a dossier is refused or rejected. No refund when the result was produced (even
    if it was never collected): then it does nothing. Online payments are refunded through the
    gateway after commit; the others wait for the desk to record the refund.
    """
    state = Dossier.objects.filter(pk=dossier.pk).values_list("state", flat=True).first()
    if state == Dossier.State.DONE:
        return []
    payments = list(
        Payment.objects.select_for_update()
        .select_related("dossier__procedure_version", "agency")
        .filter(dossier_id=dossier.pk, state=Payment.State.PAID)
    )
    for payment in payments:
        _request_refund(payment, actor=actor, reason=reason, source=PaymentEvent.Source.DESK)
    return payments


def _complete_refund(
    payment: Payment, *, reference: str, actor: User | None, source: PaymentEvent.Source
) -> None:
    payment.complete_refund(at=timezone.now(), reference=reference)
    payment.refund_retry_at = None
    payment.save()
    _record(
        payment,
        PaymentEvent.Kind.REFUNDED,
        source=source,
        actor=actor,
        from_state=Payment.State.REFUND_REQUESTED,
        data={"reference": reference},
    )
    _notify(payment, "payment_refunded", reason=payment.refund_reason)
    receipts.schedule_receipt(payment)  # the receipt marked refunded, signed anew


def payment_refund_via_gateway(*, payment_id: int) -> Payment | None:
    """Refund an online payment through the gateway's refund call; safe to run twice.

    The row lock (skip locked: a refund in progress elsewhere is left to finish) and the state
    check make the gateway call happen once per refund. A failed attempt is recorded; an
    unreachable gateway is tried again by the sweeper, with a growing delay; a refusal, or too
    many failures, alert the desk, who can refund by hand.
    """
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(skip_locked=True)
            .select_related("dossier__procedure_version", "agency")
            .filter(pk=payment_id)
            .first()
        )
        if payment is None or payment.state != Payment.State.REFUND_REQUESTED:
            return payment
        if not payment.is_online:
            return payment
        try:
            result = get_gateway().refund(
                txn_ref=payment.txn_ref or "",
                amount=payment.amount,
                transaction_no=str(payment.gateway_data.get("transaction_no", "")),
                transaction_date=payment.gateway_created_at or payment.created_at,
                created_by=payment.agency.name,
                order_info=f"Hoan tien ho so {payment.dossier.code}",
                client_ip="127.0.0.1",
            )
        except GatewayError as error:
            logger.warning("payment %s: refund call failed: %s", payment_id, error)
            _refund_attempt_failed(payment, data={"error": str(error)[:500]}, retry=True)
        else:
            if result.ok:
                _complete_refund(
                    payment,
                    reference=result.transaction_no or payment.reference,
                    actor=None,
                    source=PaymentEvent.Source.SYSTEM,
                )
            else:
                data = {"response_code": result.response_code, "message": result.message}
                _refund_attempt_failed(payment, data=data, retry=False)
    return payment


def _refund_attempt_failed(payment: Payment, *, data: dict[str, Any], retry: bool) -> None:
    """Record a failed refund attempt; `retry`: the gateway was unreachable, not refusing."""
    payment.refund_attempts += 1
    if retry:
        minutes = min(2**payment.refund_attempts, settings.PAYMENT_REFUND_MAX_DELAY_MINUTES)
        payment.refund_retry_at = timezone.now() + timedelta(minutes=minutes)
    else:
        payment.refund_retry_at = None  # a refusal is final: the desk refunds by hand
    payment.save(update_fields=["refund_attempts", "refund_retry_at"])
    _record(
        payment,
        PaymentEvent.Kind.REFUND_FAILED,
        source=PaymentEvent.Source.SYSTEM,
        from_state=payment.state,
        data=data,
    )
    if retry and payment.refund_attempts != settings.PAYMENT_REFUND_ALERT_AFTER_ATTEMPTS:
        return
    with _in_portal_language():
        if retry:
            message = _(
                "The gateway could not be reached for this refund of %(amount)s after "
                "%(attempts)s attempts; the portal keeps trying. You can also refund it by "
                "hand and record it here."
            ) % {"amount": format_vnd(payment.amount), "attempts": payment.refund_attempts}
        else:
            message = _(
                "The gateway refused this refund of %(amount)s (code %(code)s). Refund it by "
                "hand and record it here."
            ) % {"amount": format_vnd(payment.amount), "code": data.get("response_code", "")}
    _raise_alert(payment, message)


@transaction.atomic
def payment_refund_record(
    *, payment_id: int, officer: User, reference: str, note: str = ""
) -> Payment:
    """The desk records a refund made by hand (cash back, transfer back)."""
    payment = (
        Payment.objects.select_for_update()
        .select_related("dossier__procedure_version", "agency")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        raise PaymentStateError(_("This payment does not exist."))
    _require_desk(payment.dossier, officer)
    if payment.state != Payment.State.REFUND_REQUESTED:
        raise PaymentStateError(_("No refund is waiting for this payment."))
    reference = reference.strip()
    if not reference:
        message = _("Give the reference of the refund (transfer number or cash voucher).")
        raise PaymentValidationError(message, field_errors={"reference": message})
    if note.strip():
        payment.note = f"{payment.note}\n{note.strip()}".strip()
    if payment.alert_open:
        payment.handle_alert(at=timezone.now(), by=officer)
    _complete_refund(payment, reference=reference, actor=officer, source=PaymentEvent.Source.DESK)
    return payment


# --- Alerts and reviews at the desk -------------------------------------------------------------


def _payment_for_desk(*, payment_id: int, officer: User) -> Payment:
    payment = (
        Payment.objects.select_for_update()
        .select_related("dossier__procedure_version", "agency")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None:
        raise PaymentStateError(_("This payment does not exist."))
    _require_desk(payment.dossier, officer)
    return payment


@transaction.atomic
def payment_review_confirm(*, payment_id: int, officer: User, note: str) -> Payment:
    """The desk confirms a debit the bank held for review (07) as paid, saying how it knows."""
    payment = _payment_for_desk(payment_id=payment_id, officer=officer)
    if payment.state != Payment.State.UNDER_REVIEW:
        raise PaymentStateError(_("This payment is not under review."))
    note = note.strip()
    if not note:
        message = _("Say how the bank confirmed the payment (for example its reference).")
        raise PaymentValidationError(message, field_errors={"note": message})
    payment.note = f"{payment.note}\n{note}".strip()
    payment.handle_alert(at=timezone.now(), by=officer)
    _mark_paid(payment, source=PaymentEvent.Source.DESK, actor=officer, data={"review": note})
    return payment


@transaction.atomic
def payment_review_refund(*, payment_id: int, officer: User, reason: str) -> Payment:
    """The desk decides a debit held for review (07) goes back to the citizen."""
    payment = _payment_for_desk(payment_id=payment_id, officer=officer)
    if payment.state != Payment.State.UNDER_REVIEW:
        raise PaymentStateError(_("This payment is not under review."))
    reason = reason.strip()
    if not reason:
        message = _("Give the reason for the refund.")
        raise PaymentValidationError(message, field_errors={"reason": message})
    payment.handle_alert(at=timezone.now(), by=officer)
    _request_refund(payment, actor=officer, reason=reason, source=PaymentEvent.Source.DESK)
    return payment


@transaction.atomic
def payment_alert_handle(*, payment_id: int, officer: User) -> Payment:
    """The desk has seen a payment's alert and dealt with it."""
    payment = _payment_for_desk(payment_id=payment_id, officer=officer)
    if not payment.alert_open:
        raise PaymentStateError(_("This alert has already been handled."))
    if payment.state == Payment.State.UNDER_REVIEW:
        raise PaymentStateError(_("Confirm this payment as paid or refund it first."))
    payment.handle_alert(at=timezone.now(), by=officer)
    payment.save(update_fields=["alert_handled_at", "alert_handled_by"])
    _record(
        payment,
        PaymentEvent.Kind.ALERT_HANDLED,
        source=PaymentEvent.Source.DESK,
        actor=officer,
        from_state=payment.state,
        data={"alert": payment.alert},
    )
    return payment
