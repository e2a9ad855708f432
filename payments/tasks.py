"""Celery tasks of payments: thin wrappers that take IDs, call one service, and are idempotent."""

from __future__ import annotations

from celery import shared_task

from . import services
from .gateways import GatewayError


@shared_task
def reconcile_payment(payment_id: int) -> str:
    payment = services.payment_reconcile(payment_id=payment_id)
    return payment.state if payment else "missing"


@shared_task
def reconcile_pending_payments() -> int:
    """Beat: ask the gateway about online payments pending too long (querydr)."""
    ids = services.stale_pending_payments()
    for payment_id in ids:
        services.payment_reconcile(payment_id=payment_id)
    return len(ids)


@shared_task(bind=True, max_retries=8, acks_late=True)
def refund_payment(self, payment_id: int) -> str:  # type: ignore[no-untyped-def]
    """Refund an online payment through the gateway; a refunded payment is left alone."""
    try:
        payment = services.payment_refund_via_gateway(payment_id=payment_id)
    except GatewayError:
        if self.request.is_eager:
            # In-process (embedded demo, tests): the desk can still record it by hand.
            return "gateway_unreachable"
        raise self.retry(countdown=60 * 2**self.request.retries) from None
    return payment.state if payment else "missing"
