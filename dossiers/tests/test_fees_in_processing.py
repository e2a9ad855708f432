"""Fees meet processing: a refusal after payment is refunded (rule 11); fees due at the result
are paid before the result is handed over (online download, post or at the desk)."""

import pytest
from django.urls import reverse
from django.utils import translation

from dossiers import processing
from dossiers.errors import FeesOutstandingError
from dossiers.models import Dossier
from dossiers.tests.factories import (
    desk_officer_for,
    leader_for,
    pdf_upload,
    specialist_for,
)
from payments import services as payment_services
from payments.models import Payment
from payments.tests.factories import PaymentFactory, fee_dossier
from procedures.models import ReturnMethod
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def processing_fee_dossier(*, fee_due, return_method=ReturnMethod.ONLINE, amount=120000):
    dossier = fee_dossier(
        fee_due=fee_due, amount=amount, processing=True, return_method=return_method
    )
    department = DepartmentFactory(agency=dossier.agency)
    Dossier.objects.filter(pk=dossier.pk).update(department=department)
    dossier.refresh_from_db()
    return dossier


def finish(dossier):
    specialist = specialist_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    proposal = processing.dossier_propose_result(
        dossier_id=dossier.pk, actor=specialist, result_text="Giấy phép số 12", files=[pdf_upload()]
    )
    processing.proposal_approve(
        dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader_for(dossier)
    )
    dossier.refresh_from_db()
    return proposal.result_files.get()


def test_a_rejection_after_processing_requests_the_refund_of_paid_fees(
    django_capture_on_commit_callbacks,
):
    dossier = processing_fee_dossier(fee_due="submission")
    paid = PaymentFactory(
        dossier=dossier, agency=dossier.agency, paid=True, amount=120000, method=Payment.Method.CASH
    )
    specialist = specialist_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    proposal = processing.dossier_propose_refusal(
        dossier_id=dossier.pk, actor=specialist, reasons="Không đủ điều kiện cấp phép"
    )
    with django_capture_on_commit_callbacks(execute=True):
        processing.proposal_approve(
            dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader_for(dossier)
        )
    dossier.refresh_from_db()
    paid.refresh_from_db()
    assert dossier.state == Dossier.State.RETURNED
    assert paid.state == Payment.State.REFUND_REQUESTED
    assert paid.refund_reason == "Không đủ điều kiện cấp phép"


def test_a_produced_result_is_not_refunded():
    dossier = processing_fee_dossier(fee_due="submission")
    paid = PaymentFactory(
        dossier=dossier, agency=dossier.agency, paid=True, amount=120000, method=Payment.Method.CASH
    )
    finish(dossier)
    paid.refresh_from_db()
    assert paid.state == Payment.State.PAID


def test_the_desk_cannot_hand_over_before_fees_due_at_the_result_are_paid(login_staff):
    dossier = processing_fee_dossier(fee_due="result", return_method=ReturnMethod.DESK)
    finish(dossier)
    desk = desk_officer_for(dossier)
    client = login_staff(desk)
    typed = {
        "collect-collector_name": "Trần Văn Bảy",
        "collect-collector_id_number": "054090001111",
        "collect-id_check_note": "Đối chiếu CCCD bản gốc.",
    }
    refused = client.post(reverse("desk:deliver_desk", args=[dossier.pk]), typed)
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Trần Văn Bảy" in html and "054090001111" in html  # nothing typed is lost
    dossier.refresh_from_db()
    assert dossier.delivered_at is None

    payment_services.payment_record_desk(
        dossier_id=dossier.pk, officer=desk, method=Payment.Method.CASH
    )
    accepted = client.post(reverse("desk:deliver_desk", args=[dossier.pk]), typed)
    assert accepted.status_code == 302
    dossier.refresh_from_db()
    assert dossier.delivered_at is not None


def test_the_citizen_is_asked_to_pay_before_downloading_the_result(client):
    dossier = processing_fee_dossier(fee_due="result", return_method=ReturnMethod.ONLINE)
    result = finish(dossier)
    client.force_login(dossier.applicant)
    url = reverse("dossiers:result", kwargs={"pk": dossier.pk, "file_pk": result.pk})
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dossiers:detail", kwargs={"pk": dossier.pk})
    # The page speaks Vietnamese (the portal's language unless the visitor chose another).
    assert "phải được nộp phí, lệ phí trước khi trả kết quả" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.delivered_at is None

    PaymentFactory(dossier=dossier, agency=dossier.agency, due="result", paid=True, amount=120000)
    download = client.get(url)
    assert download.status_code == 200
    dossier.refresh_from_db()
    assert dossier.delivered_at is not None


def test_the_service_refuses_delivery_with_fees_outstanding():
    dossier = processing_fee_dossier(fee_due="result", return_method=ReturnMethod.POST)
    finish(dossier)
    with pytest.raises(FeesOutstandingError):
        processing.dossier_deliver(
            dossier_id=dossier.pk,
            actor=desk_officer_for(dossier),
            method=ReturnMethod.POST,
            postal=processing.PostalDetails("RR123456789VN", "VNPost", None),
        )
