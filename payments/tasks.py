"""Celery tasks of payments: thin wrappers that take IDs, call one service, and are idempotent.

None of them needs its result stored: `ignore_result` keeps a send from waiting on the result
backend (Redis) when it is down.
"""

from __future__ import annotations

from celery import shared_task

from . import selectors, services


@shared_task(ignore_result=True)
def reconcile_payment(payment_id: int) -> str:
    payment = services.payment_reconcile(payment_id=payment_id)
    return payment.state if payment else "missing"


@shared_task(ignore_result=True)
def reconcile_pending_payments() -> int:
    """Beat: ask the gateway (querydr) about payments pending too long, under review, or
    closed without money lately (a confirmation may still come)."""
    ids = selectors.payments_to_reconcile()
    for payment_id in ids:
        services.payment_reconcile(payment_id=payment_id)
    return len(ids)


@shared_task(ignore_result=True, acks_late=True)
def refund_payment(payment_id: int) -> str:
    """Refund an online payment through the gateway; a refunded payment is left alone.

    No Celery retry: a failed attempt is rescheduled on the payment and the sweeper sends it
    again, so an outage of the broker loses nothing either.
    """
    payment = services.payment_refund_via_gateway(payment_id=payment_id)
    return payment.state if payment else "missing"


@shared_task(ignore_result=True)
def sweep_refunds() -> int:
    """Beat: send again the online refunds still requested whose next attempt is due."""
    return services.payment_refunds_resend()
