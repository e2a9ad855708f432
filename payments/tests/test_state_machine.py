"""The payment state machine in one table: which transition is allowed from which state."""

import pytest
from django.utils import timezone
from django_fsm import can_proceed

from payments.models import Payment

ACTIONS = {
    "mark_paid": {"receipt_number": "2026-000001", "data": {}},
    "mark_failed": {"data": {}},
    "cancel": {"data": {}},
    "expire": {},
    "hold_for_review": {"data": {}},
    "request_refund": {"reason": "x"},
    "complete_refund": {"reference": "x"},
}
TARGETS = {
    "mark_paid": "paid",
    "mark_failed": "failed",
    "cancel": "cancelled",
    "expire": "expired",
    "hold_for_review": "under_review",
    "request_refund": "refund_requested",
    "complete_refund": "refunded",
}
ALLOWED = {
    ("pending", "mark_paid"),
    ("pending", "mark_failed"),
    ("pending", "cancel"),
    ("pending", "expire"),
    ("pending", "hold_for_review"),
    # The gateway's word that it took the money counts even after the portal closed it.
    ("failed", "mark_paid"),
    ("cancelled", "mark_paid"),
    ("expired", "mark_paid"),
    ("failed", "hold_for_review"),
    ("cancelled", "hold_for_review"),
    ("expired", "hold_for_review"),
    # A debit under review (07) ends paid or refunded, never failed.
    ("under_review", "mark_paid"),
    ("under_review", "request_refund"),
    ("paid", "request_refund"),
    ("refund_requested", "complete_refund"),
}


@pytest.mark.parametrize("state", Payment.State.values)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transition_table(state, action):
    payment = Payment(state=state, amount=1000, method="online")
    method = getattr(payment, action)
    allowed = (state, action) in ALLOWED
    assert can_proceed(method) is allowed
    if allowed:
        method(at=timezone.now(), **ACTIONS[action])
        assert payment.state == TARGETS[action]


def test_the_state_cannot_be_set_directly():
    payment = Payment(amount=1000, method="online")
    with pytest.raises(AttributeError):
        payment.state = Payment.State.PAID
