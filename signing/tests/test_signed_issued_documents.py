"""Fee receipts, result files and reports are signed in the worker, like the notices."""

import io

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.contrib.messages import get_messages
from django.urls import reverse
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from dossiers import processing
from dossiers.models import Dossier
from dossiers.tests.factories import (
    PDF_BYTES,
    desk_officer_for,
    forwarded_dossier,
    leader_for,
    pdf_upload,
    specialist_for,
)
from payments import services as payments
from payments.models import Payment
from payments.tests.factories import fee_dossier
from portal.roles import Role
from procedures.models import ReturnMethod
from reporting import exports
from reporting import services as reports
from reporting.figures import Scope
from reporting.periods import Period
from signing import ca, issuing
from signing.models import SignedDocument
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def _status(data: bytes, keys_dir):
    roots = [asn1_x509.Certificate.load(pem.unarmor((keys_dir / ca.ROOT_CERT).read_bytes())[2])]
    signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert len(signatures) == 1
    return validate_pdf_signature(signatures[0], ValidationContext(trust_roots=roots))


def _text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def _paid(django_capture_on_commit_callbacks):
    dossier = fee_dossier(amount=120_000)
    officer = desk_officer_for(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        payment = payments.payment_record_desk(
            dossier_id=dossier.pk, officer=officer, method="cash"
        )
    return dossier, officer, payment


# --- Fee receipts --------------------------------------------------------------------------


def test_the_fee_receipt_is_signed_in_the_worker_with_its_own_verification_link(
    client, django_capture_on_commit_callbacks, demo_signing_keys
):
    dossier, _officer, payment = _paid(django_capture_on_commit_callbacks)
    document = SignedDocument.objects.get(payment=payment)
    # Signed when paid, before anyone asks for it.
    assert document.kind == "fee_receipt" and document.status == "issued" and document.file
    client.force_login(dossier.applicant)
    response = client.get(
        reverse("payments:receipt", kwargs={"pk": dossier.pk, "payment_pk": payment.pk})
    )
    assert response.status_code == 200
    status = _status(response.content, demo_signing_keys)
    assert status.bottom_line
    text = _text(response.content)
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text and "ĐÃ KÝ SỐ" in text
    assert f"/xac-thuc/{document.token}/" in text
    # The same file twice: the hash the verification page knows.
    again = client.get(
        reverse("payments:receipt", kwargs={"pk": dossier.pk, "payment_pk": payment.pk})
    )
    assert again.content == response.content
    upload = io.BytesIO(response.content)
    upload.name = "bien-lai.pdf"
    body = client.post(reverse("signing:api_verify"), {"file": upload}).json()
    assert body["outcome"] == "valid" and body["matches_issued_copy"] is True
    assert body["document"]["kind"] == "fee_receipt"
    assert body["document"]["dossier_code"] == dossier.code


def test_a_refunded_receipt_is_a_new_signed_document_marked_refunded(
    client, django_capture_on_commit_callbacks, demo_signing_keys
):
    dossier, officer, payment = _paid(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        payments.payment_refund_request_for_dossier(
            dossier=dossier, actor=officer, reason="Không giải quyết được"
        )
        payments.payment_refund_record(payment_id=payment.pk, officer=officer, reference="PC-01")
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    paid, refunded = SignedDocument.objects.filter(payment=payment).order_by("pk")
    assert (paid.variant, refunded.variant) == ("paid", "refunded")
    assert refunded.status == "issued"
    client.force_login(dossier.applicant)
    data = client.get(
        reverse("payments:receipt", kwargs={"pk": dossier.pk, "payment_pk": payment.pk})
    ).content
    assert "Đã hoàn trả" in _text(data)
    assert _status(data, demo_signing_keys).bottom_line
    with paid.file.open("rb") as handle:
        assert "Đã hoàn trả" not in _text(handle.read())  # what was issued stays as issued


def test_a_receipt_that_cannot_be_signed_is_not_handed_out_and_the_desk_sees_why(
    client, login_staff, settings, tmp_path, django_capture_on_commit_callbacks, demo_signing_keys
):
    settings.SIGNING_KEYS_DIR = tmp_path  # no key at all
    dossier, officer, payment = _paid(django_capture_on_commit_callbacks)
    document = SignedDocument.objects.get(payment=payment)
    assert document.status == "failed" and not document.file
    assert dossier.agency.name in document.error
    url = reverse("payments:receipt", kwargs={"pk": dossier.pk, "payment_pk": payment.pk})
    client.force_login(dossier.applicant)
    response = client.get(url)
    assert response.status_code == 302  # back to the dossier, with a message; no unsigned PDF
    assert "đang được ký số" in " ".join(str(m) for m in get_messages(response.wsgi_request))

    login_staff(officer)
    desk = client.get(
        reverse("payments:desk_receipt", kwargs={"pk": dossier.pk, "payment_pk": payment.pk})
    )
    assert desk.status_code == 302
    shown = " ".join(str(m) for m in get_messages(desk.wsgi_request))
    assert "chưa được phát hành" in shown and dossier.agency.name in shown

    settings.SIGNING_KEYS_DIR = demo_signing_keys  # the key is installed: the sweep issues it
    SignedDocument.objects.filter(pk=document.pk).update(
        created_at=document.created_at.replace(year=document.created_at.year - 1)
    )
    assert issuing.issue_pending() == 1
    document.refresh_from_db()
    assert document.status == "issued" and document.file and not document.error


# --- Result files --------------------------------------------------------------------------


def _approved(files, *, return_method=ReturnMethod.ONLINE, capture):
    dossier = forwarded_dossier(return_method=return_method)
    specialist = specialist_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    proposal = processing.dossier_propose_result(
        dossier_id=dossier.pk, actor=specialist, result_text="Quyết định số 45", files=files
    )
    leader = leader_for(dossier)
    with capture(execute=True):
        processing.proposal_approve(dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader)
    dossier.refresh_from_db()
    return dossier, list(proposal.result_files.order_by("pk")), leader


def test_a_pdf_result_is_signed_on_approval_by_the_approving_agency(
    client, django_capture_on_commit_callbacks, demo_signing_keys
):
    dossier, (result,), leader = _approved(
        [pdf_upload("quyet-dinh.pdf")], capture=django_capture_on_commit_callbacks
    )
    document = SignedDocument.objects.get(attachment=result)
    assert document.kind == "result" and document.status == "issued"
    assert document.agency == leader.agency
    client.force_login(dossier.applicant)
    page = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert 'data-signature="signed"' in page
    response = client.get(
        reverse("dossiers:result", kwargs={"pk": dossier.pk, "file_pk": result.pk})
    )
    data = b"".join(response.streaming_content)
    assert data.startswith(PDF_BYTES) and data != PDF_BYTES  # the upload, plus the signature
    assert _status(data, demo_signing_keys).bottom_line
    upload = io.BytesIO(data)
    upload.name = "ket-qua.pdf"
    body = client.post(reverse("signing:api_verify"), {"file": upload}).json()
    assert body["outcome"] == "valid" and body["document"]["kind"] == "result"


def test_a_result_pdf_with_small_departures_from_the_standard_is_signed_too(
    client, django_capture_on_commit_callbacks, demo_signing_keys
):
    # Pillow's "save as PDF" numbers the head of the free list 65536 (the standard says 65535):
    # strict readers refuse it, though every viewer opens it.
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 420), "white").save(buffer, format="PDF")
    assert b"0000000000 65536 f" in buffer.getvalue()
    upload = SimpleUploadedFile("giay-chung-nhan.pdf", buffer.getvalue(), "application/pdf")
    dossier, (result,), _leader = _approved([upload], capture=django_capture_on_commit_callbacks)
    document = SignedDocument.objects.get(attachment=result)
    assert document.status == "issued", document.error
    client.force_login(dossier.applicant)
    response = client.get(
        reverse("dossiers:result", kwargs={"pk": dossier.pk, "file_pk": result.pk})
    )
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    roots = [
        asn1_x509.Certificate.load(pem.unarmor((demo_signing_keys / ca.ROOT_CERT).read_bytes())[2])
    ]
    assert validate_pdf_signature(signatures[0], ValidationContext(trust_roots=roots)).bottom_line


def test_a_result_that_is_not_a_pdf_is_handed_over_as_uploaded_and_says_so(
    client, django_capture_on_commit_callbacks
):
    from dossiers.tests.test_citizen_pages import png_upload

    dossier, (result,), _leader = _approved(
        [png_upload("ban-ve.png")], capture=django_capture_on_commit_callbacks
    )
    assert not SignedDocument.objects.filter(attachment=result).exists()
    client.force_login(dossier.applicant)
    page = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert 'data-signature="unsigned"' in page
    assert "không có chữ ký số" in page
    response = client.get(
        reverse("dossiers:result", kwargs={"pk": dossier.pk, "file_pk": result.pk})
    )
    with result.file.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()


def test_a_result_that_cannot_be_signed_is_not_delivered_and_staff_see_why(
    client, login_staff, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SIGNING_KEYS_DIR = tmp_path
    dossier, (result,), _leader = _approved(
        [pdf_upload("quyet-dinh.pdf")], capture=django_capture_on_commit_callbacks
    )
    assert SignedDocument.objects.get(attachment=result).status == "failed"
    client.force_login(dossier.applicant)
    response = client.get(
        reverse("dossiers:result", kwargs={"pk": dossier.pk, "file_pk": result.pk})
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.delivered_at is None  # nothing was handed over
    login_staff(desk_officer_for(dossier))
    staff_page = client.get(reverse("desk:handover", kwargs={"pk": dossier.pk}))
    assert 'data-signature="failed"' in staff_page.content.decode()
    assert "ký số" in staff_page.content.decode()


# --- Reports -------------------------------------------------------------------------------


def test_the_report_pdf_is_signed_invisibly_by_the_portal_operator(demo_signing_keys):
    from datetime import date

    report = reports.report_request(
        period=Period(date(2025, 12, 15), date(2026, 6, 14), "6 tháng đầu năm 2026"),
        scope=Scope(),
        actor=staff_user(Role.IT_ADMIN),
    )
    reports.report_generate(report_id=report.pk)
    report.refresh_from_db()
    data = exports.report_pdf(report)
    status = _status(data, demo_signing_keys)
    assert status.bottom_line
    document = SignedDocument.objects.get(report=report)
    assert document.kind == "report" and document.agency is None
    assert exports.report_pdf(report) == data  # stored once, the same copy every time
    page = PdfReader(io.BytesIO(data)).pages[0]
    widgets = [a.get_object() for a in page.get("/Annots", [])]
    assert all(float(w["/Rect"][2]) - float(w["/Rect"][0]) == 0 for w in widgets)  # invisible
    assert f"/xac-thuc/{document.token}/" in _text(data)
