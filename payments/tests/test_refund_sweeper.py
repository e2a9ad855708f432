"""Online refunds are never lost (issue 23 item 2): sent after commit, swept when that fails.

The broker is pointed at a closed port to play "Redis is down"; the gateway is the loopback
fake speaking the merchant API. A refund sent twice (sweeper and task, two workers) reaches
the gateway once.
"""

import logging
import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.tests.factories import desk_officer_for
from payments import services, tasks
from payments.models import Payment, PaymentEvent
from payments.tests.factories import PaymentFactory
from portal.celery import app
from portal.models import Notification

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def _refunds(fake):
    return [r for r in fake.requests if r["vnp_Command"] == "refund"]


def _paid_online(fake):
    payment = PaymentFactory(paid=True)
    fake.book[payment.txn_ref] = {"amount": str(payment.amount * 100), "status": "00"}
    return payment


def _use_broker(url):
    app.conf.broker_url = url
    app._pool = None  # forget connections to the previous broker
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    previous = app.conf.broker_url
    _use_broker(CLOSED_PORT_BROKER)
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = True
        _use_broker(previous)


@pytest.mark.django_db(transaction=True)
def test_a_refusal_while_the_broker_is_down_is_refunded_later_by_the_sweeper(
    fake_vnpay, broker_down, caplog
):
    payment = _paid_online(fake_vnpay)
    officer = desk_officer_for(payment.dossier)
    caplog.set_level(logging.WARNING, logger="payments.services")
    started = time.monotonic()
    dossier_services.dossier_refuse(
        dossier_id=payment.dossier_id, officer=officer, reason="Không thuộc thẩm quyền"
    )  # commits; the refund task cannot be sent
    assert time.monotonic() - started < 10
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUND_REQUESTED
    assert "left for the sweeper" in caplog.text
    assert _refunds(fake_vnpay) == []

    # Not due yet: a sweep right away leaves it (the send after commit may still arrive).
    assert services.payment_refunds_resend() == 0
    # The broker is back (tasks run in this process); a few minutes later beat sweeps.
    app.conf.task_always_eager = True
    later = timezone.now() + timedelta(minutes=6)
    assert services.payment_refunds_resend(now=later) == 1
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    assert len(_refunds(fake_vnpay)) == 1
    assert payment.refund_retry_at is None
    # Sweeping again, or a late duplicate of the task, refunds nothing more.
    assert services.payment_refunds_resend(now=later + timedelta(hours=1)) == 0
    assert tasks.refund_payment(payment.pk) == Payment.State.REFUNDED
    assert len(_refunds(fake_vnpay)) == 1


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_itself_survives_the_broker_being_down(fake_vnpay, broker_down, caplog):
    # An earlier in-process Celery worker may have raised the root logger's level.
    caplog.set_level(logging.WARNING)
    payment = _paid_online(fake_vnpay)
    services.payment_refund_request_for_dossier(dossier=payment.dossier, actor=None, reason="x")
    later = timezone.now() + timedelta(minutes=6)
    assert services.payment_refunds_resend(now=later) == 0  # logged, nothing raised
    assert "left for the sweeper" in caplog.text
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUND_REQUESTED
    assert payment.refund_retry_at > later  # claimed, and due again at a later sweep


@pytest.mark.django_db
def test_an_unreachable_gateway_is_retried_with_growing_delays_then_the_desk_is_told(
    fake_vnpay, settings, django_capture_on_commit_callbacks
):
    payment = _paid_online(fake_vnpay)
    desk = desk_officer_for(payment.dossier)
    reachable = settings.VNPAY_API_URL
    settings.VNPAY_API_URL = "http://127.0.0.1:9/merchant_webapi/api/transaction"
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund_request_for_dossier(dossier=payment.dossier, actor=None, reason="x")
    payment.refresh_from_db()
    assert payment.refund_attempts == 1
    first_retry = payment.refund_retry_at
    assert timedelta(minutes=1) < first_retry - timezone.now() <= timedelta(minutes=2)
    assert services.payment_refunds_resend() == 0  # not due
    assert services.payment_refunds_resend(now=first_retry) == 1
    payment.refresh_from_db()
    assert payment.refund_attempts == 2
    assert payment.refund_retry_at - timezone.now() > timedelta(minutes=3)  # 4 minutes
    assert not payment.alert_open
    assert services.payment_refunds_resend(now=payment.refund_retry_at) == 1
    payment.refresh_from_db()
    assert (
        payment.refund_attempts == 3 and payment.alert_open
    )  # PAYMENT_REFUND_ALERT_AFTER_ATTEMPTS
    assert Notification.objects.filter(template="payment_alert", user=desk).exists()
    assert payment.events.filter(kind=PaymentEvent.Kind.REFUND_FAILED).count() == 3

    settings.VNPAY_API_URL = reachable
    assert services.payment_refunds_resend(now=payment.refund_retry_at) == 1
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    assert len(_refunds(fake_vnpay)) == 1


@pytest.mark.django_db
def test_a_refund_the_gateway_refuses_is_not_retried_and_the_desk_is_told(
    fake_vnpay, django_capture_on_commit_callbacks
):
    payment = _paid_online(fake_vnpay)
    fake_vnpay.book[payment.txn_ref]["status"] = "02"  # the gateway cannot refund it
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_refund_request_for_dossier(dossier=payment.dossier, actor=None, reason="x")
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUND_REQUESTED
    assert payment.refund_retry_at is None
    assert payment.alert_open and "02" in payment.alert
    assert services.payment_refunds_resend(now=timezone.now() + timedelta(days=1)) == 0
    assert len(_refunds(fake_vnpay)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_refunding_at_once_reach_the_gateway_once(fake_vnpay):
    payment = _paid_online(fake_vnpay)
    services.payment_refund_request_for_dossier(dossier=payment.dossier, actor=None, reason="x")
    fake_vnpay.delay = 0.5  # the first call is still at the gateway when the second starts
    barrier = threading.Barrier(3)
    errors = []

    def worker():
        try:
            barrier.wait()
            tasks.refund_payment(payment.pk)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert not errors
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    assert len(_refunds(fake_vnpay)) == 1
    assert payment.events.filter(kind=PaymentEvent.Kind.REFUNDED).count() == 1


def test_beat_runs_the_refund_sweeper():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-refunds"]
    assert entry["task"] == tasks.sweep_refunds.name == "payments.tasks.sweep_refunds"
    assert entry["schedule"] <= 300
    assert tasks.sweep_refunds.name in app.tasks
    assert tasks.refund_payment.ignore_result  # never waits on the result backend
