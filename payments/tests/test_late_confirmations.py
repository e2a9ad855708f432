"""Money the gateway took is never lost, whatever order its messages come in (issues 22 and 23).

Each row plays a sequence of what can happen to one online payment: the gateway's IPN (success,
failure, cancellation, a suspicious debit "07"), the citizen's browser coming back, the
reconciliation query (querydr) against the loopback fake gateway, the payment expiring, and the
dossier closing or being paid another way meanwhile. Whatever the order, money debited at the
gateway ends as paid or as a refund request, and the desk is told.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers import services as dossier_services
from dossiers.tests.factories import desk_officer_for
from payments import selectors, services, tasks
from payments.models import Payment, PaymentEvent
from payments.tests.factories import PaymentFactory
from payments.tests.test_ipn import IPN, ipn_params
from portal.models import Notification
from portal.roles import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

PAID, REVIEW = Payment.State.PAID, Payment.State.UNDER_REVIEW
REFUND, EXPIRED = Payment.State.REFUND_REQUESTED, Payment.State.EXPIRED
FAILED, CANCELLED = Payment.State.FAILED, Payment.State.CANCELLED


def _past_expiry_payment():
    """A pending online payment whose 15-minute link ran out 25 minutes ago."""
    payment = PaymentFactory()
    started = timezone.now() - timedelta(minutes=40)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=started, gateway_created_at=started, expires_at=started + timedelta(minutes=15)
    )
    payment.refresh_from_db()
    return payment


class Story:
    """Plays the steps of one row against one payment."""

    def __init__(self, client, fake, payment):
        self.client, self.fake, self.payment = client, fake, payment
        self.answers: list[str] = []

    def _ipn(self, response, status):
        answer = self.client.get(IPN, ipn_params(self.payment, response=response, status=status))
        self.answers.append(answer.json()["RspCode"])

    def _query(self, status):
        amount = str(self.payment.amount * 100)
        self.fake.book[self.payment.txn_ref] = {"amount": amount, "status": status}
        services.payment_reconcile(payment_id=self.payment.pk)

    def ipn_paid(self):
        self._ipn("00", "00")

    def ipn_failed(self):
        self._ipn("51", "02")

    def ipn_cancelled(self):
        self._ipn("24", "02")

    def ipn_review(self):
        self._ipn("07", "07")

    def query_paid(self):
        self._query("00")

    def query_review(self):
        self._query("07")

    def expire(self):
        # The gateway does not know the order yet (91): past its expiry, the portal closes it.
        self.fake.book.pop(self.payment.txn_ref, None)
        services.payment_reconcile(payment_id=self.payment.pk)
        self.payment.refresh_from_db()
        assert self.payment.state == EXPIRED

    def browser_returns(self):
        response = self.client.get(reverse("payments:return"), ipn_params(self.payment))
        assert response.status_code == 200

    def dossier_refused(self):
        dossier = self.payment.dossier
        dossier_services.dossier_refuse(
            dossier_id=dossier.pk, officer=desk_officer_for(dossier), reason="Sai thẩm quyền"
        )

    def cash_at_the_desk(self):
        dossier = self.payment.dossier
        services.payment_record_desk(
            dossier_id=dossier.pk, officer=desk_officer_for(dossier), method="cash"
        )


@pytest.mark.parametrize(
    ("steps", "state", "alert"),
    [
        # Confirmed after the portal closed the payment: paid all the same, staff told.
        (["expire", "ipn_paid"], PAID, True),
        (["expire", "query_paid"], PAID, True),
        (["ipn_failed", "ipn_paid"], PAID, True),
        (["ipn_cancelled", "ipn_paid"], PAID, True),
        (["ipn_failed", "query_paid"], PAID, True),
        (["expire", "ipn_paid", "ipn_paid"], PAID, True),
        (["expire", "query_paid", "ipn_paid"], PAID, True),
        # ... and refunded when the dossier no longer owes it.
        (["expire", "dossier_refused", "ipn_paid"], REFUND, True),
        (["expire", "dossier_refused", "query_paid"], REFUND, True),
        (["expire", "cash_at_the_desk", "ipn_paid"], REFUND, True),
        (["ipn_cancelled", "cash_at_the_desk", "query_paid"], REFUND, True),
        # In order, or out of order while pending: paid once, nothing unusual to tell.
        (["ipn_paid"], PAID, False),
        (["browser_returns", "ipn_paid"], PAID, False),
        (["ipn_paid", "browser_returns"], PAID, False),
        (["ipn_paid", "ipn_paid"], PAID, False),
        (["ipn_paid", "query_paid"], PAID, False),
        (["query_paid", "ipn_paid"], PAID, False),
        (["ipn_paid", "ipn_failed"], PAID, False),
        (["query_paid", "ipn_cancelled"], PAID, False),
        # Nothing taken: a late failure changes nothing.
        (["expire", "ipn_failed"], EXPIRED, False),
        (["ipn_failed", "ipn_cancelled"], FAILED, False),
        (["ipn_cancelled", "query_paid"], PAID, True),
        # 07: debited but suspicious — held for review, never "failed".
        (["ipn_review"], REVIEW, True),
        (["ipn_review", "ipn_review"], REVIEW, True),
        (["ipn_review", "ipn_failed"], REVIEW, True),
        (["expire", "ipn_review"], REVIEW, True),
        (["ipn_failed", "query_review"], REVIEW, True),
        (["query_review"], REVIEW, True),
        # The bank clears it: paid, and nothing is left for staff to decide.
        (["ipn_review", "query_paid"], PAID, False),
        (["ipn_review", "ipn_paid"], PAID, False),
        (["expire", "ipn_review", "query_paid"], PAID, False),
    ],
)
def test_money_taken_by_the_gateway_ends_paid_or_refunded(client, fake_vnpay, steps, state, alert):
    payment = _past_expiry_payment()
    desk = desk_officer_for(payment.dossier)
    story = Story(client, fake_vnpay, payment)
    for step in steps:
        getattr(story, step)()
    payment.refresh_from_db()
    assert payment.state == state, steps
    events = payment.events.filter(kind=PaymentEvent.Kind.PAID)
    if state in (PAID, REFUND):
        # Credited exactly once, with a receipt, whatever came twice.
        assert events.count() == 1
        assert payment.receipt_number and payment.paid_at
    else:
        assert not events.exists() and not payment.receipt_number
    assert payment.alert_open is alert, payment.alert
    told = Notification.objects.filter(template="payment_alert", user=desk)
    assert told.exists() is (alert or (state == PAID and "review" in "".join(steps)))
    if alert:
        assert payment.alert in told.first().context["alert"]
    # Every IPN that changed something was answered 00, the others 02; never 99.
    assert set(story.answers) <= {"00", "02"}


def test_a_late_confirmation_keeps_the_gateway_details_and_answers_00(client, fake_vnpay):
    payment = _past_expiry_payment()
    Story(client, fake_vnpay, payment).expire()
    answer = client.get(IPN, ipn_params(payment)).json()
    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.reference == "14226112" and payment.gateway_data["bank_code"] == "NCB"
    event = payment.events.get(kind=PaymentEvent.Kind.PAID)
    assert (event.from_state, event.source) == ("expired", "ipn")
    assert "hết hạn" in payment.alert  # "expired", in the portal's language
    assert Notification.objects.filter(template="payment_received").exists()  # the citizen
    assert client.get(IPN, ipn_params(payment)).json()["RspCode"] == "02"


def test_a_late_confirmation_with_another_amount_is_refused(client, fake_vnpay):
    payment = _past_expiry_payment()
    Story(client, fake_vnpay, payment).expire()
    answer = client.get(IPN, ipn_params(payment, amount=payment.amount + 1000)).json()
    assert answer["RspCode"] == "04"
    payment.refresh_from_db()
    assert payment.state == EXPIRED and not payment.alert


def test_reconciliation_asks_again_about_payments_closed_lately(fake_vnpay):
    payment = _past_expiry_payment()
    Story(None, fake_vnpay, payment).expire()
    # Asked at most every PAYMENT_RECHECK_MINUTES: not again right away.
    assert payment.pk not in selectors.payments_to_reconcile()
    later = timezone.now() + timedelta(minutes=61)
    assert payment.pk in selectors.payments_to_reconcile(now=later)
    # Closed more than PAYMENT_LATE_CONFIRMATION_HOURS ago: left alone.
    long_ago = timezone.now() + timedelta(hours=25)
    assert payment.pk not in selectors.payments_to_reconcile(now=long_ago)

    Payment.objects.filter(pk=payment.pk).update(checked_at=timezone.now() - timedelta(hours=2))
    fake_vnpay.book[payment.txn_ref] = {"amount": str(payment.amount * 100), "status": "00"}
    assert tasks.reconcile_pending_payments() == 1
    payment.refresh_from_db()
    assert payment.state == PAID and payment.alert_open
    assert tasks.reconcile_pending_payments() == 0


def test_under_review_the_citizen_is_not_asked_to_pay_again(client, fake_vnpay):
    payment = PaymentFactory()
    client.get(IPN, ipn_params(payment, response="07", status="07"))
    dossier = payment.dossier
    with pytest.raises(services.PaymentStateError):
        services.payment_start_online(
            dossier_id=dossier.pk, actor=dossier.applicant, client_ip="1.2.3.4", return_url="x"
        )
    with pytest.raises(services.PaymentStateError):
        services.payment_record_desk(
            dossier_id=dossier.pk, officer=desk_officer_for(dossier), method="cash"
        )
    client.force_login(dossier.applicant)
    page = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert 'id="fees-under-review"' in page and 'id="pay-online"' not in page
    back = client.get(reverse("payments:return"), ipn_params(payment, response="07", status="07"))
    assert b'data-outcome="review"' in back.content
    assert "Không thanh toán lại" in back.content.decode()


def _under_review(client):
    payment = PaymentFactory()
    client.get(IPN, ipn_params(payment, response="07", status="07"))
    payment.refresh_from_db()
    assert payment.state == REVIEW
    return payment


def test_the_desk_confirms_a_reviewed_debit_as_paid(client, login_staff):
    payment = _under_review(client)
    officer = desk_officer_for(payment.dossier)
    desk = login_staff(officer)
    url = reverse("payments:desk", kwargs={"pk": payment.dossier_id})
    page = desk.get(url).content.decode()
    assert f'id="payment-alert-{payment.pk}"' in page and "07" in page
    dossier_page = desk.get(reverse("desk:dossier", kwargs={"pk": payment.dossier_id}))
    assert b'id="desk-payment-alert"' in dossier_page.content
    queue = desk.get(reverse("desk:queue")).content.decode()
    assert f'id="alert-payment-{payment.pk}"' in queue and "cần xử lý" in queue
    # Without saying how the bank confirmed it: refused, nothing changes.
    response = desk.post(
        url, {"action": "review_confirm", "review-payment": payment.pk, "review-note": " "}
    )
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.state == REVIEW
    response = desk.post(
        url,
        {
            "action": "review_confirm",
            "review-payment": payment.pk,
            "review-note": "VNPay xác nhận qua điện thoại, mã GD 14226112",
        },
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.state == PAID and payment.receipt_number
    assert not payment.alert_open and payment.alert_handled_by == officer
    assert "VNPay xác nhận" in payment.note
    event = payment.events.get(kind=PaymentEvent.Kind.PAID)
    assert (event.from_state, event.actor) == ("under_review", officer)
    assert (
        b"desk-payment-alert"
        not in desk.get(reverse("desk:dossier", kwargs={"pk": payment.dossier_id})).content
    )
    queue = desk.get(reverse("desk:queue")).content.decode()
    assert f'id="alert-payment-{payment.pk}"' not in queue


def test_the_desk_refunds_a_reviewed_debit(client, login_staff):
    payment = _under_review(client)
    officer = desk_officer_for(payment.dossier)
    desk = login_staff(officer)
    url = reverse("payments:desk", kwargs={"pk": payment.dossier_id})
    response = desk.post(
        url,
        {
            "action": "review_refund",
            "review-refund-payment": payment.pk,
            "review-refund-reason": "Ngân hàng báo giao dịch nghi ngờ gian lận",
        },
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.state == REFUND and "gian lận" in payment.refund_reason
    assert not payment.alert_open
    event = payment.events.get(kind=PaymentEvent.Kind.REFUND_REQUESTED)
    assert event.from_state == "under_review"


def test_the_desk_marks_a_late_confirmation_as_handled(client, fake_vnpay, login_staff):
    payment = _past_expiry_payment()
    Story(client, fake_vnpay, payment).expire()
    client.get(IPN, ipn_params(payment))
    officer = desk_officer_for(payment.dossier)
    desk = login_staff(officer)
    url = reverse("payments:desk", kwargs={"pk": payment.dossier_id})
    assert f'id="form-alert-{payment.pk}"'.encode() in desk.get(url).content
    response = desk.post(url, {"action": "alert_handled", "alert-payment": payment.pk})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert not payment.alert_open and payment.alert_handled_by == officer
    assert payment.events.filter(kind=PaymentEvent.Kind.ALERT_HANDLED, actor=officer).exists()
    assert f'id="payment-alert-{payment.pk}"'.encode() not in desk.get(url).content
    # Twice: a clear message, not a 500.
    again = desk.post(url, {"action": "alert_handled", "alert-payment": payment.pk})
    assert again.status_code == 302


def test_another_agency_cannot_act_on_a_payment_under_review(client, login_staff):
    payment = _under_review(client)
    stranger = login_staff(staff_user(Role.DESK_OFFICER))
    url = reverse("payments:desk", kwargs={"pk": payment.dossier_id})
    response = stranger.post(
        url, {"action": "review_confirm", "review-payment": payment.pk, "review-note": "ok"}
    )
    assert response.status_code == 404
    with pytest.raises(services.PaymentPermissionError):
        services.payment_review_confirm(
            payment_id=payment.pk, officer=staff_user(Role.DESK_OFFICER), note="ok"
        )
    payment.refresh_from_db()
    assert payment.state == REVIEW


def test_the_admin_shows_payments_that_need_attention(client, login_staff):
    payment = _under_review(client)
    admin = login_staff(staff_user(Role.IT_ADMIN))
    response = admin.get("/admin/payments/payment/", follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 khoản thanh toán cần xử lý" in page
    filtered = admin.get("/admin/payments/payment/?alert=open")
    assert payment.dossier.code in filtered.content.decode()
