"""The gateway's IPN (VNPAY.md): order of checks, answers, idempotency, and the return URL."""

import threading

import pytest
from django.db import close_old_connections
from django.urls import reverse

from payments.models import Payment, PaymentEvent
from payments.tests.conftest import SECRET, TMN
from payments.tests.factories import PaymentFactory
from payments.tests.vnpay_fake import sign_query_string
from portal.models import Notification

pytestmark = pytest.mark.django_db

IPN = "/api/thanh-toan/vnpay/ipn/"


def ipn_params(payment, *, response="00", status="00", amount=None, secret=SECRET, **extra):
    params = {
        "vnp_Amount": str((payment.amount if amount is None else amount) * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14226112",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": "Thanh toan phi ho so",
        "vnp_PayDate": "20261124093000",
        "vnp_ResponseCode": response,
        "vnp_TmnCode": TMN,
        "vnp_TransactionNo": "14226112",
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": payment.txn_ref,
        **extra,
    }
    return sign_query_string(secret, params)


def call(client, params):
    response = client.get(IPN, params)
    assert response.status_code == 200
    return response.json()


def test_the_url_is_the_documented_one():
    assert reverse("payments:vnpay_ipn") == IPN


def test_a_valid_success_marks_the_payment_paid_with_a_receipt_number(client):
    payment = PaymentFactory()
    assert call(client, ipn_params(payment)) == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    assert payment.receipt_number.startswith(f"{payment.paid_at.year}-")
    assert payment.reference == "14226112"
    assert payment.gateway_data["bank_code"] == "NCB"
    event = payment.events.get(kind=PaymentEvent.Kind.PAID)
    assert event.source == PaymentEvent.Source.IPN and event.from_state == "pending"
    assert Notification.objects.filter(template="payment_received").exists()


def test_a_forged_signature_answers_97_and_changes_nothing(client):
    payment = PaymentFactory()
    params = ipn_params(payment, secret="not-the-merchant-secret")
    assert call(client, params) == {"RspCode": "97", "Message": "Invalid signature"}
    tampered = ipn_params(payment)
    tampered["vnp_Amount"] = "100"  # changed after signing
    assert call(client, tampered)["RspCode"] == "97"
    unsigned = {k: v for k, v in ipn_params(payment).items() if k != "vnp_SecureHash"}
    assert call(client, unsigned)["RspCode"] == "97"
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    assert not payment.events.exists()


def test_an_unknown_order_answers_01(client):
    payment = PaymentFactory.build(txn_ref="NOSUCHORDER", amount=50000)
    assert call(client, ipn_params(payment)) == {"RspCode": "01", "Message": "Order not found"}


def test_a_wrong_amount_answers_04_and_changes_nothing(client):
    payment = PaymentFactory()
    assert call(client, ipn_params(payment, amount=5000)) == {
        "RspCode": "04",
        "Message": "Invalid amount",
    }
    odd = ipn_params(payment)
    odd = sign_query_string(SECRET, {**odd, "vnp_Amount": "5000050"} | {})
    odd.pop("vnp_SecureHash")
    odd = sign_query_string(SECRET, odd)
    assert call(client, odd)["RspCode"] == "04"
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


def test_a_replayed_notification_answers_02_and_changes_nothing(client):
    payment = PaymentFactory()
    params = ipn_params(payment)
    assert call(client, params)["RspCode"] == "00"
    payment.refresh_from_db()
    number, paid_at = payment.receipt_number, payment.paid_at
    assert call(client, params) == {"RspCode": "02", "Message": "Order already confirmed"}
    # A later contradicting notice for the same order changes nothing either.
    assert call(client, ipn_params(payment, response="51", status="02"))["RspCode"] == "02"
    payment.refresh_from_db()
    assert (payment.state, payment.receipt_number, payment.paid_at) == ("paid", number, paid_at)
    assert payment.events.count() == 1


@pytest.mark.parametrize(
    ("response", "status", "state"),
    [
        ("51", "02", Payment.State.FAILED),
        ("11", "02", Payment.State.FAILED),
        # Debited but suspicious: never "paid" without review, and never "failed" (issue 23).
        ("07", "01", Payment.State.UNDER_REVIEW),
        ("07", "07", Payment.State.UNDER_REVIEW),
        ("00", "01", Payment.State.FAILED),  # response OK but transaction incomplete
        ("24", "02", Payment.State.CANCELLED),
    ],
)
def test_anything_but_00_00_is_not_a_payment(client, response, status, state):
    payment = PaymentFactory()
    assert call(client, ipn_params(payment, response=response, status=status))["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.state == state
    assert payment.receipt_number == ""
    assert payment.gateway_data["response_code"] == response


def test_garbage_answers_97_not_500(client):
    response = client.get(IPN, {"vnp_TxnRef": "x", "vnp_SecureHash": "zz"})
    assert response.json()["RspCode"] == "97"
    response = client.post(IPN, {"anything": "1"})
    assert response.json()["RspCode"] == "97"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_notifications_credit_exactly_once(live_server):
    import json
    import urllib.request
    from urllib.parse import urlencode

    payment = PaymentFactory()
    url = f"{live_server.url}{IPN}?{urlencode(ipn_params(payment))}"
    answers = []
    barrier = threading.Barrier(4)

    def send():
        barrier.wait()
        with urllib.request.urlopen(url, timeout=20) as response:
            answers.append(json.loads(response.read())["RspCode"])
        close_old_connections()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["00", "02", "02", "02"]
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    assert payment.events.filter(kind=PaymentEvent.Kind.PAID).count() == 1
    assert Payment.objects.exclude(receipt_number="").count() == 1


def test_the_return_url_never_changes_state(client):
    payment = PaymentFactory()
    client.force_login(payment.dossier.applicant)
    params = ipn_params(payment)
    response = client.get(reverse("payments:return"), params)
    assert response.status_code == 200
    assert b'data-outcome="success"' in response.content
    assert b'id="payment-confirming"' in response.content  # the IPN has not come yet
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
    assert not payment.events.exists()
    forged = ipn_params(payment, secret="wrong")
    response = client.get(reverse("payments:return"), forged)
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


def test_the_return_url_explains_a_failure(client):
    payment = PaymentFactory()
    response = client.get(
        reverse("payments:return"), ipn_params(payment, response="51", status="02")
    )
    assert b'data-outcome="failure"' in response.content
    assert "không đủ" in response.content.decode()  # "not enough money", in Vietnamese
    # A stranger sees the outcome but not whose dossier it was.
    assert f"/ho-so-cua-toi/{payment.dossier_id}/".encode() not in response.content


# --- Hostile signatures and missing fields ----------------------------------------------------

ODD_SIGNATURES = [
    "é" * 128,  # non-ASCII letters
    "🙂" + "a" * 127,  # emoji
    "²" * 128,  # superscript digits ("²".isdigit() is true)
    "ａ" * 128,  # full-width letters
]


@pytest.mark.parametrize("signature", ODD_SIGNATURES)
def test_a_signature_with_odd_characters_answers_97(client, signature):
    payment = PaymentFactory()
    params = {**ipn_params(payment), "vnp_SecureHash": signature}
    assert call(client, params) == {"RspCode": "97", "Message": "Invalid signature"}
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


@pytest.mark.parametrize("signature", ODD_SIGNATURES)
def test_the_return_url_shows_a_clear_page_for_a_signature_with_odd_characters(client, signature):
    payment = PaymentFactory()
    params = {**ipn_params(payment), "vnp_SecureHash": signature}
    response = client.get(reverse("payments:return"), params)
    assert response.status_code == 400
    assert b'data-outcome="invalid"' in response.content
    assert "Không xác thực được kết quả thanh toán" in response.content.decode()


def test_the_return_url_refuses_a_signed_amount_in_superscript_digits(client):
    payment = PaymentFactory()
    params = {k: v for k, v in ipn_params(payment).items() if k != "vnp_SecureHash"}
    params = sign_query_string(SECRET, {**params, "vnp_Amount": "⁵⁰⁰⁰⁰⁰⁰"})
    response = client.get(reverse("payments:return"), params)
    assert response.status_code == 400
    assert b'data-outcome="invalid"' in response.content
    assert call(client, params) == {"RspCode": "04", "Message": "Invalid amount"}


def test_a_signed_notification_without_an_order_reference_answers_01(client):
    # A cash payment has no order reference: it must not be taken for the missing one.
    cash = PaymentFactory(cash=True)
    params = {k: v for k, v in ipn_params(cash).items() if k not in ("vnp_SecureHash",)}
    params.pop("vnp_TxnRef", None)
    assert call(client, sign_query_string(SECRET, params)) == {
        "RspCode": "01",
        "Message": "Order not found",
    }
    empty = sign_query_string(SECRET, {**params, "vnp_TxnRef": ""})
    assert call(client, empty)["RspCode"] == "01"
    cash.refresh_from_db()
    assert cash.state == Payment.State.PENDING and not cash.events.exists()
