"""The built-in sandbox gateway over real HTTP: pay page, IPN call, return, querydr, refund."""

import re
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from payments import services
from payments.models import Payment, SandboxTransaction
from payments.tests.factories import fee_dossier

pytestmark = pytest.mark.django_db(transaction=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_sandbox_plays_the_bank_and_answers_querydr_and_refund(live_server, settings):
    settings.VNPAY_PAY_URL = ""  # the sandbox's own page
    settings.VNPAY_API_URL = (
        f"{live_server.url}/thanh-toan-thu-nghiem/merchant_webapi/api/transaction"
    )
    dossier = fee_dossier(amount=135000)
    payment, url = services.payment_start_online(
        dossier_id=dossier.pk,
        actor=dossier.applicant,
        client_ip="127.0.0.1",
        return_url=f"{live_server.url}/thanh-toan/ket-qua/",
    )
    assert url.startswith("/thanh-toan-thu-nghiem/vpcpay.html?")
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect()
    )
    with opener.open(f"{live_server.url}{url}") as response:
        page = response.read().decode()
    assert "135.000" in page
    # Before a choice, the gateway knows the order as incomplete.
    assert services.payment_reconcile(payment_id=payment.pk).state == Payment.State.PENDING
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="(vnp_[^"]+)" value="([^"]*)"', page))
    body = urlencode({**fields, "csrfmiddlewaretoken": token, "choice": "success"}).encode()
    request = urllib.request.Request(
        f"{live_server.url}{url.split('?')[0]}",
        data=body,
        headers={"Referer": f"{live_server.url}{url}"},
    )
    try:
        opener.open(request)
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        location = redirect.headers["Location"]
    assert location.startswith(f"{live_server.url}/thanh-toan/ket-qua/?")
    back = dict(parse_qsl(urlsplit(location).query))
    assert back["vnp_ResponseCode"] == "00" and back["vnp_TransactionStatus"] == "00"
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID  # through the IPN, before the browser is back
    assert payment.reference == SandboxTransaction.objects.get().transaction_no
    # The merchant API refunds it.
    services.payment_refund_request_for_dossier(dossier=dossier, actor=None, reason="Sai")
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    assert SandboxTransaction.objects.get().refunded_amount == 13500000


def test_the_sandbox_refuses_a_forged_request(client):
    response = client.get(
        "/thanh-toan-thu-nghiem/vpcpay.html", {"vnp_TxnRef": "X", "vnp_Amount": "100"}
    )
    assert response.status_code == 400
    assert not SandboxTransaction.objects.exists()


def test_the_sandbox_is_off_when_disabled(client, settings):
    settings.PAYMENT_SANDBOX_ENABLED = False
    assert client.get("/thanh-toan-thu-nghiem/vpcpay.html").status_code == 404


def _choose(live_server, url, choice):
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirect()
    )
    with opener.open(f"{live_server.url}{url}") as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="(vnp_[^"]+)" value="([^"]*)"', page))
    body = urlencode({**fields, "csrfmiddlewaretoken": token, "choice": choice}).encode()
    request = urllib.request.Request(
        f"{live_server.url}{url.split('?')[0]}", data=body, headers={"Referer": live_server.url}
    )
    try:
        opener.open(request)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        return dict(parse_qsl(urlsplit(redirect.headers["Location"]).query))
    raise AssertionError("expected a redirect")


def test_a_suspicious_debit_at_the_sandbox_is_held_for_review_never_failed(live_server, settings):
    settings.VNPAY_PAY_URL = ""
    settings.VNPAY_API_URL = (
        f"{live_server.url}/thanh-toan-thu-nghiem/merchant_webapi/api/transaction"
    )
    dossier = fee_dossier(amount=135000)
    payment, url = services.payment_start_online(
        dossier_id=dossier.pk,
        actor=dossier.applicant,
        client_ip="127.0.0.1",
        return_url=f"{live_server.url}/thanh-toan/ket-qua/",
    )
    back = _choose(live_server, url, "suspicious")
    assert back["vnp_ResponseCode"] == "07" and back["vnp_TransactionNo"] != "0"
    payment.refresh_from_db()
    assert payment.state == Payment.State.UNDER_REVIEW  # through the sandbox's IPN
    assert payment.alert_open and payment.reference == ""
    # Reconciliation asks the sandbox: still under review, nothing changes.
    assert services.payment_reconcile(payment_id=payment.pk).state == Payment.State.UNDER_REVIEW
    # The bank clears it: the next query marks it paid.
    SandboxTransaction.objects.filter(txn_ref=payment.txn_ref).update(
        response_code="00", transaction_status="00"
    )
    assert services.payment_reconcile(payment_id=payment.pk).state == Payment.State.PAID
    payment.refresh_from_db()
    assert payment.receipt_number and not payment.alert_open
