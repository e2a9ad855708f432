"""The VNPay adapter: the signed pay URL, and querydr/refund over real HTTP to a loopback fake."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.utils import timezone

from payments import services, tasks
from payments.gateways import GatewayError, PayRequest, VNPayGateway, get_gateway
from payments.models import Payment, PaymentEvent
from payments.tests.conftest import SECRET, TMN
from payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def test_the_pay_url_is_signed_as_the_protocol_says():
    gateway = VNPayGateway(
        tmn_code=TMN, hash_secret=SECRET, pay_url="https://pay.example.test/vpcpay.html", api_url=""
    )
    created = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # 09:30 in GMT+7
    url = gateway.pay_url(
        PayRequest(
            txn_ref="123261124093000AB",
            amount=1_250_000,
            order_info="Thanh toán lệ phí hồ sơ 000.00.21.H45-261124-0001",
            return_url="https://dvc.example/thanh-toan/ket-qua/",
            client_ip="203.0.113.9",
            created_at=created,
            expires_at=created + timedelta(minutes=15),
        )
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://pay.example.test/vpcpay.html"
    params = dict(parse_qsl(parts.query))
    assert params["vnp_Amount"] == "125000000"
    assert params["vnp_CreateDate"] == "20261124093000"
    assert params["vnp_ExpireDate"] == "20261124094500"
    assert params["vnp_Version"] == "2.1.0" and params["vnp_Command"] == "pay"
    assert params["vnp_CurrCode"] == "VND" and params["vnp_TmnCode"] == TMN
    assert params["vnp_OrderInfo"] == "Thanh toan le phi ho so 000.00.21.H45-261124-0001"
    # Recompute the hash independently: sorted keys, form encoding (space → +), HMAC-SHA512.
    given = params.pop("vnp_SecureHash")
    data = urlencode(sorted(params.items()))
    assert "+" in data  # spaces of the order info
    assert given == hmac.new(SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()


def _stale(**kwargs):
    created = timezone.now() - timedelta(minutes=40)
    payment = PaymentFactory(**kwargs)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=created, gateway_created_at=created, expires_at=created + timedelta(minutes=15)
    )
    payment.refresh_from_db()
    return payment


def test_reconciliation_records_a_payment_whose_ipn_never_came(fake_vnpay):
    payment = _stale()
    fake_vnpay.book[payment.txn_ref] = {"amount": "5000000", "status": "00"}
    assert tasks.reconcile_pending_payments() == 1
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.receipt_number
    event = payment.events.get(kind=PaymentEvent.Kind.PAID)
    assert event.source == PaymentEvent.Source.RECONCILIATION
    [request] = fake_vnpay.requests
    assert request["vnp_Command"] == "querydr" and request["vnp_TxnRef"] == payment.txn_ref
    assert request["vnp_TransactionDate"] == timezone.localtime(
        payment.gateway_created_at
    ).strftime("%Y%m%d%H%M%S")
    # Safe to run twice: nothing more to ask, nothing changes.
    assert tasks.reconcile_pending_payments() == 0
    assert payment.events.count() == 1


def test_reconciliation_expires_what_the_gateway_never_saw(fake_vnpay):
    payment = _stale()
    recent = PaymentFactory()  # not pending long enough to ask about
    assert tasks.reconcile_pending_payments() == 1
    payment.refresh_from_db()
    recent.refresh_from_db()
    assert payment.state == Payment.State.EXPIRED
    assert recent.state == Payment.State.PENDING


def test_reconciliation_records_failures_and_leaves_unfinished_ones_until_they_expire(fake_vnpay):
    failed = _stale()
    fake_vnpay.book[failed.txn_ref] = {"amount": "5000000", "status": "02"}
    unfinished = PaymentFactory()
    fake_vnpay.book[unfinished.txn_ref] = {"amount": "5000000", "status": "01"}
    services.payment_reconcile(payment_id=failed.pk)
    services.payment_reconcile(payment_id=unfinished.pk)
    failed.refresh_from_db()
    unfinished.refresh_from_db()
    assert failed.state == Payment.State.FAILED
    assert unfinished.state == Payment.State.PENDING


def test_a_tampered_or_unreachable_gateway_changes_nothing(fake_vnpay, settings):
    payment = _stale()
    fake_vnpay.book[payment.txn_ref] = {"amount": "5000000", "status": "00"}
    fake_vnpay.tamper = True
    with pytest.raises(GatewayError):
        get_gateway().query(
            txn_ref=payment.txn_ref,
            order_info="x",
            transaction_date=payment.created_at,
            client_ip="127.0.0.1",
        )
    services.payment_reconcile(payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    settings.VNPAY_API_URL = "http://127.0.0.1:9/nothing"
    services.payment_reconcile(payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


def test_a_wrong_secret_is_refused_by_the_gateway(fake_vnpay, settings):
    settings.VNPAY_HASH_SECRET = "another-secret"
    with pytest.raises(GatewayError, match="97"):
        get_gateway().query(
            txn_ref="T1", order_info="x", transaction_date=timezone.now(), client_ip="127.0.0.1"
        )


def test_the_beat_schedule_runs_reconciliation():
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["reconcile-pending-payments"]
    assert entry["task"] == "payments.tasks.reconcile_pending_payments"
