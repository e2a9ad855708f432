"""Desk payments, exemptions, the acceptance guard, refunds, receipt numbers and who may act."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from dossiers import services as dossier_services
from dossiers.errors import DossierStateError
from dossiers.models import Dossier
from dossiers.tests.factories import desk_officer_for
from payments import services
from payments.errors import PaymentPermissionError, PaymentStateError, PaymentValidationError
from payments.models import FeeExemption, Payment, PaymentEvent
from payments.selectors import dossier_fees, dossier_fees_settled
from payments.tests.factories import PaymentFactory, fee_dossier
from portal.models import Notification
from portal.roles import Role
from procedures.models import FeeDue
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


def test_what_is_owed_comes_from_the_version_the_dossier_was_filed_under():
    dossier = fee_dossier(amount=75000)
    procedure = dossier.procedure
    procedure.fees.update(amount=999000)  # edited and republished after filing
    from procedures import services as procedure_services

    procedure_services.procedure_publish(procedure=procedure, actor=None)
    fees = dossier_fees(dossier)
    assert fees.total == 75000 and fees.outstanding == 75000
    assert [item.name for item in fees.items] == ["Lệ phí cấp giấy phép"]
    assert fees.due == FeeDue.AT_SUBMISSION and not fees.settled


def test_the_desk_records_cash_with_a_receipt_number_and_the_dossier_can_then_be_accepted():
    dossier = fee_dossier(amount=150000)
    officer = desk_officer_for(dossier)
    with pytest.raises(DossierStateError):
        dossier_services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    payment = services.payment_record_desk(
        dossier_id=dossier.pk, officer=officer, method=Payment.Method.CASH
    )
    assert payment.state == Payment.State.PAID and payment.amount == 150000
    assert payment.recorded_by == officer and payment.receipt_number
    assert list(payment.events.values_list("kind", flat=True)) == ["created", "paid"]
    assert dossier_fees_settled(dossier, due=FeeDue.AT_SUBMISSION)
    accepted = dossier_services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    assert accepted.state == Dossier.State.PROCESSING
    with pytest.raises(PaymentStateError):  # nothing left to pay
        services.payment_record_desk(
            dossier_id=dossier.pk, officer=officer, method=Payment.Method.CASH
        )


def test_fees_due_at_result_do_not_hold_acceptance_but_do_hold_delivery():
    dossier = fee_dossier(fee_due=FeeDue.AT_RESULT)
    officer = desk_officer_for(dossier)
    dossier_services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    assert not dossier_fees_settled(dossier, due=FeeDue.AT_RESULT)
    services.payment_record_desk(dossier_id=dossier.pk, officer=officer, method="cash")
    assert dossier_fees_settled(dossier, due=FeeDue.AT_RESULT)


def test_no_fees_never_hold_anything():
    from dossiers.tests.factories import DossierFactory

    dossier = DossierFactory(received=True)
    assert dossier_fees_settled(dossier, due=FeeDue.AT_SUBMISSION)
    assert dossier_fees_settled(dossier, due=FeeDue.AT_RESULT)


def test_a_transfer_needs_a_reference_and_the_published_account():
    dossier = fee_dossier()
    officer = desk_officer_for(dossier)
    with pytest.raises(PaymentValidationError) as error:
        services.payment_record_desk(
            dossier_id=dossier.pk, officer=officer, method=Payment.Method.BANK_TRANSFER
        )
    assert "reference" in error.value.field_errors
    with pytest.raises(PaymentValidationError) as no_account:
        services.payment_record_desk(
            dossier_id=dossier.pk, officer=officer, method="bank_transfer", reference="FT26328"
        )
    assert "method" in no_account.value.field_errors
    agency = dossier.agency
    agency.bank_account_number, agency.bank_account_name = "3711.0.1234567", "UBND TP Tuy Hòa"
    agency.bank_name = "Kho bạc Nhà nước Phú Yên"
    agency.save()
    payment = services.payment_record_desk(
        dossier_id=dossier.pk, officer=officer, method="bank_transfer", reference="FT26328"
    )
    assert payment.reference == "FT26328"
    assert payment.gateway_data["account"]["account_number"] == "3711.0.1234567"


def test_an_exemption_settles_the_fees_and_is_recorded_with_its_reason():
    dossier = fee_dossier()
    officer = desk_officer_for(dossier)
    with pytest.raises(PaymentValidationError):
        services.fee_exemption_record(dossier_id=dossier.pk, officer=officer, reason="  ")
    services.fee_exemption_record(
        dossier_id=dossier.pk, officer=officer, reason="Hộ nghèo (Giấy chứng nhận số 12/2026)"
    )
    exemption = FeeExemption.objects.get(dossier=dossier)
    assert exemption.recorded_by == officer and "Hộ nghèo" in exemption.reason
    assert dossier_fees(dossier).outstanding == 0
    dossier_services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    with pytest.raises(PaymentStateError):
        services.fee_exemption_record(dossier_id=dossier.pk, officer=officer, reason="again")


def test_only_the_desk_of_the_receiving_agency_records_payments():
    dossier = fee_dossier()
    other_desk = staff_user(Role.DESK_OFFICER)  # another agency
    specialist = staff_user(Role.SPECIALIST, agency=dossier.agency)
    for person in (other_desk, specialist, dossier.applicant):
        with pytest.raises(PaymentPermissionError):
            services.payment_record_desk(dossier_id=dossier.pk, officer=person, method="cash")
        with pytest.raises(PaymentPermissionError):
            services.fee_exemption_record(dossier_id=dossier.pk, officer=person, reason="x")
    assert not Payment.objects.exists()


def test_refusal_at_the_desk_requests_refunds_of_what_was_paid():
    dossier = fee_dossier()
    officer = desk_officer_for(dossier)
    cash = services.payment_record_desk(dossier_id=dossier.pk, officer=officer, method="cash")
    dossier_services.dossier_refuse(
        dossier_id=dossier.pk, officer=officer, reason="Không thuộc thẩm quyền"
    )
    cash.refresh_from_db()
    assert cash.state == Payment.State.REFUND_REQUESTED
    assert cash.refund_reason == "Không thuộc thẩm quyền"
    with pytest.raises(PaymentValidationError):
        services.payment_refund_record(payment_id=cash.pk, officer=officer, reference=" ")
    services.payment_refund_record(payment_id=cash.pk, officer=officer, reference="PC-0001")
    cash.refresh_from_db()
    assert cash.state == Payment.State.REFUNDED and cash.refund_reference == "PC-0001"
    assert Notification.objects.filter(template="payment_refunded").exists()
    kinds = list(cash.events.values_list("kind", flat=True))
    assert kinds == ["created", "paid", "refund_requested", "refunded"]


def test_no_refund_when_the_result_was_produced():
    payment = PaymentFactory(paid=True, dossier=fee_dossier(done=True))
    requested = services.payment_refund_request_for_dossier(
        dossier=payment.dossier, actor=None, reason="Không đến nhận kết quả"
    )
    assert requested == []
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID


def test_an_online_refund_goes_through_the_gateway(fake_vnpay, django_capture_on_commit_callbacks):
    payment = PaymentFactory(paid=True)
    fake_vnpay.book[payment.txn_ref] = {"amount": str(payment.amount * 100), "status": "00"}
    officer = desk_officer_for(payment.dossier)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_refuse(
            dossier_id=payment.dossier_id, officer=officer, reason="Sai cơ quan"
        )
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    [request] = [r for r in fake_vnpay.requests if r["vnp_Command"] == "refund"]
    assert request["vnp_Amount"] == str(payment.amount * 100)
    assert request["vnp_TransactionType"] == "02"
    assert request["vnp_TransactionNo"] == "14000001"


def test_an_unreachable_gateway_leaves_the_refund_for_the_desk(
    django_capture_on_commit_callbacks,
):
    payment = PaymentFactory(paid=True)
    officer = desk_officer_for(payment.dossier)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_refuse(dossier_id=payment.dossier_id, officer=officer, reason="x")
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUND_REQUESTED
    assert payment.events.filter(kind=PaymentEvent.Kind.REFUND_FAILED).exists()
    services.payment_refund_record(payment_id=payment.pk, officer=officer, reference="UNC-77")
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED


def test_money_arriving_twice_is_refunded_automatically(client):
    from payments.tests.test_ipn import ipn_params

    first = PaymentFactory()
    second = PaymentFactory(dossier=first.dossier)
    client.get("/api/thanh-toan/vnpay/ipn/", ipn_params(first))
    client.get("/api/thanh-toan/vnpay/ipn/", ipn_params(second))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == Payment.State.PAID
    assert second.state == Payment.State.REFUND_REQUESTED


def test_online_payment_is_for_the_owner_of_a_level_4_dossier_only():
    dossier = fee_dossier()
    stranger = UserFactory()
    with pytest.raises(PaymentPermissionError):
        services.payment_start_online(
            dossier_id=dossier.pk, actor=stranger, client_ip="1.2.3.4", return_url="http://x/"
        )
    level3 = fee_dossier(level4=False)
    with pytest.raises(PaymentStateError):
        services.payment_start_online(
            dossier_id=level3.pk,
            actor=level3.applicant,
            client_ip="1.2.3.4",
            return_url="http://x/",
        )
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_receipt_numbers_never_repeat_under_concurrency():
    from tests.factories import AgencyFactory

    agency = AgencyFactory()
    numbers: list[int] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(2)

    def take(count):
        try:
            barrier.wait()
            for _ in range(count):
                numbers.append(services.next_receipt_number(agency=agency, year=2026))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(25,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert not errors
    assert sorted(numbers) == list(range(1, 51))
    assert services.next_receipt_number(agency=agency, year=2027) == 1


def test_receipt_numbers_are_per_agency_and_year_and_unique():
    dossier = fee_dossier()
    other = fee_dossier()
    a = services.payment_record_desk(
        dossier_id=dossier.pk, officer=desk_officer_for(dossier), method="cash"
    )
    b = services.payment_record_desk(
        dossier_id=other.pk, officer=desk_officer_for(other), method="cash"
    )
    assert a.receipt_number.endswith("-000001") and b.receipt_number.endswith("-000001")
    assert a.agency_id != b.agency_id


def test_the_desk_page_records_cash_and_keeps_typed_values_on_errors(login_staff):
    dossier = fee_dossier()
    officer = desk_officer_for(dossier)
    client = login_staff(officer)
    url = reverse("payments:desk", kwargs={"pk": dossier.pk})
    response = client.post(
        url, {"action": "pay", "pay-method": "post_office", "pay-payer_name": "Trần Văn Bưu"}
    )
    assert response.status_code == 400
    assert "Trần Văn Bưu" in response.content.decode()
    assert not Payment.objects.exists()
    response = client.post(url, {"action": "pay", "pay-method": "cash", "next": "dossier"})
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:dossier", kwargs={"pk": dossier.pk})
    assert Payment.objects.get().state == Payment.State.PAID
    page = client.get(reverse("desk:dossier", kwargs={"pk": dossier.pk}))
    assert b'id="desk-fees"' in page.content


def test_desk_of_another_agency_can_neither_see_nor_record(login_staff):
    payment = PaymentFactory(paid=True, method="cash")
    client = login_staff(staff_user(Role.DESK_OFFICER))
    url = reverse("payments:desk", kwargs={"pk": payment.dossier_id})
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "pay", "pay-method": "cash"}).status_code == 404
    receipt = reverse(
        "payments:desk_receipt", kwargs={"pk": payment.dossier_id, "payment_pk": payment.pk}
    )
    assert client.get(receipt).status_code == 404


def test_a_citizen_cannot_pay_for_or_see_another_citizens_payments(client):
    payment = PaymentFactory(paid=True)
    stranger = UserFactory()
    client.force_login(stranger)
    dossier_id = payment.dossier_id
    response = client.post(reverse("payments:pay_online", kwargs={"pk": dossier_id}))
    assert response.status_code == 404
    receipt = reverse("payments:receipt", kwargs={"pk": dossier_id, "payment_pk": payment.pk})
    assert client.get(receipt).status_code == 404
    assert Payment.objects.count() == 1
    client.force_login(payment.dossier.applicant)
    assert client.get(receipt).status_code == 200
