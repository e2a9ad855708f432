"""Every write of payments: typed, atomic, permission-checked, recorded as a `PaymentEvent`.

Payments of a dossier are made under the dossier's row lock (`dossier_for_update`), so two
officers (or an officer and the citizen) never record the same fees twice at once; gateway
notifications lock the payment row, so a replayed or concurrent IPN credits exactly once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier
from dossiers.selectors import dossier_for_update
from portal.models import Agency, User
from portal.roles import Role
from procedures.presenters import format_vnd

from .errors import PaymentPermissionError, PaymentStateError, PaymentValidationError
from .gateways import (
    CANCELLED_BY_CUSTOMER,
    GatewayError,
    Outcome,
    PayRequest,
    RefundResult,
    get_gateway,
    plain_text,
)
from .models import FeeExemption, Payment, PaymentEvent, ReceiptSequence
from .selectors import dossier_fees

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
    return PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        source=source,
        actor=actor,
        from_state=from_state,
        to_state=payment.state,
        data=data or {},
    )


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


def _mark_paid(
    payment: Payment,
    *,
    source: PaymentEvent.Source,
    actor: User | None,
    data: dict[str, Any],
) -> None:
    now = timezone.now()
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
        from_state=Payment.State.PENDING,
        data=data,
    )
    _notify(payment, "payment_received")
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


def _apply_outcome(payment: Payment, outcome: Outcome, *, source: PaymentEvent.Source) -> None:
    """Record a gateway's verdict on a pending payment (the caller holds the row lock)."""
    data = {
        "response_code": outcome.response_code,
        "transaction_status": outcome.transaction_status,
        "transaction_no": outcome.transaction_no,
        "bank_code": outcome.bank_code,
        "pay_date": outcome.pay_date,
    }
    if outcome.is_paid:
        payment.reference = outcome.transaction_no
        _mark_paid(payment, source=source, actor=None, data=data)
        return
    now = timezone.now()
    if outcome.response_code == CANCELLED_BY_CUSTOMER:
        payment.cancel(at=now, data=data)
        kind = PaymentEvent.Kind.CANCELLED
    else:
        payment.mark_failed(at=now, data=data)
        kind = PaymentEvent.Kind.FAILED
    payment.save()
    _record(payment, kind, source=source, from_state=Payment.State.PENDING, data=data)


def payment_record_ipn(*, params: dict[str, str]) -> IpnAnswer:
    """The gateway's server-to-server notification (VNPAY.md, IPN): checks in the given order."""
    try:
        gateway = get_gateway()
        if not gateway.verify(params):
            return IpnAnswer("97", "Invalid signature")
        with transaction.atomic():
            payment = (
                Payment.objects.select_for_update()
                .select_related("dossier__procedure_version", "agency")
                .filter(txn_ref=params.get("vnp_TxnRef") or None)
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
            if payment.state != Payment.State.PENDING:
                return IpnAnswer("02", "Order already confirmed")
            _apply_outcome(payment, outcome, source=PaymentEvent.Source.IPN)
        return IpnAnswer("00", "Confirm Success")
    except Exception:
        logger.exception("IPN could not be processed")
        return IpnAnswer("99", "Unknown error")


# --- Reconciliation --------------------------------------------------------------------------


def payment_reconcile(*, payment_id: int) -> Payment | None:
    """Ask the gateway (querydr) about a payment still pending; safe to run twice."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update(skip_locked=True)
            .select_related("dossier__procedure_version", "agency")
            .filter(pk=payment_id)
            .first()
        )
        if payment is None or payment.state != Payment.State.PENDING or not payment.is_online:
            return payment
        now = timezone.now()
        try:
            result = get_gateway().query(
                txn_ref=payment.txn_ref or "",
                order_info=order_info(payment),
                transaction_date=payment.gateway_created_at or payment.created_at,
                client_ip="127.0.0.1",
            )
        except GatewayError as error:
            logger.warning("payment %s: querydr failed: %s", payment_id, error)
            return payment
        outcome = result.outcome
        expired = payment.expires_at is not None and now > payment.expires_at
        source = PaymentEvent.Source.RECONCILIATION
        if outcome is None:
            if expired:
                payment.expire(at=now)
                payment.save()
                _record(
                    payment,
                    PaymentEvent.Kind.EXPIRED,
                    source=source,
                    from_state=Payment.State.PENDING,
                    data={"querydr": result.response_code},
                )
            return payment
        if outcome.amount != payment.amount:
            logger.error("payment %s: gateway reports another amount", payment_id)
            return payment
        if outcome.is_paid or outcome.transaction_status not in ("", "01"):
            _apply_outcome(payment, outcome, source=source)
        elif expired:
            payment.expire(at=now)
            payment.save()
            _record(
                payment,
                PaymentEvent.Kind.EXPIRED,
                source=source,
                from_state=Payment.State.PENDING,
                data={"transaction_status": outcome.transaction_status},
            )
        return payment


def stale_pending_payments(*, now: datetime | None = None) -> list[int]:
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    return list(
        Payment.objects.filter(
            state=Payment.State.PENDING, method=Payment.Method.ONLINE, created_at__lt=cutoff
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


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
    return FeeExemption.objects.create(dossier=dossier, reason=reason.strip(), recorded_by=officer)


# --- Refunds ----------------------------------------------------------------------------------


def _request_refund(
    payment: Payment, *, actor: User | None, reason: str, source: PaymentEvent.Source
) -> None:
    payment.request_refund(at=timezone.now(), reason=reason)
    payment.save()
    _record(
        payment,
        PaymentEvent.Kind.REFUND_REQUESTED,
        source=source,
        actor=actor,
        from_state=Payment.State.PAID,
        data={"reason": reason},
    )
    if payment.is_online:
        payment_id = payment.pk

        def refund() -> None:
            from .tasks import refund_payment  # tasks import this module

            refund_payment.delay(payment_id)

        transaction.on_commit(refund, robust=True)


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


def payment_refund_via_gateway(*, payment_id: int) -> Payment | None:
    """Refund an online payment through the gateway's refund call; safe to run twice.

    Raises GatewayError when the gateway cannot be reached (the task retries), after the
    failed attempt is recorded.
    """
    failure: GatewayError | None = None
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
            _record(
                payment,
                PaymentEvent.Kind.REFUND_FAILED,
                source=PaymentEvent.Source.SYSTEM,
                from_state=payment.state,
                data={"error": str(error)[:500]},
            )
            failure = error
        else:
            _apply_refund_result(payment, result)
    if failure is not None:
        raise failure
    return payment


def _apply_refund_result(payment: Payment, result: RefundResult) -> None:
    if result.ok:
        _complete_refund(
            payment,
            reference=result.transaction_no or payment.reference,
            actor=None,
            source=PaymentEvent.Source.SYSTEM,
        )
    else:
        _record(
            payment,
            PaymentEvent.Kind.REFUND_FAILED,
            source=PaymentEvent.Source.SYSTEM,
            from_state=payment.state,
            data={"response_code": result.response_code, "message": result.message},
        )


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
    _complete_refund(payment, reference=reference, actor=officer, source=PaymentEvent.Source.DESK)
    return payment
