"""The fee receipt PDF (Biên lai thu phí, lệ phí): what a person reads on it."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from dossiers.tests.factories import desk_officer_for
from payments import services
from payments.tests.factories import fee_dossier

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_receipt_shows_agency_payer_items_amount_in_words_method_and_qr(client, login_staff):
    dossier = fee_dossier(amount=2_005_000, code="000.00.21.H45-261124-0042")
    agency = dossier.agency
    agency.name = "UBND thành phố Tuy Hòa"
    agency.bank_account_number, agency.bank_name = "3711.0.1055555", "Kho bạc Nhà nước Phú Yên"
    agency.tax_code, agency.fee_receipt_form, agency.fee_receipt_series = (
        "4400123456",
        "01BLP0-001",
        "AA-26T",
    )
    agency.save()
    officer = desk_officer_for(dossier, full_name="Trần Thị Bình")
    payment = services.payment_record_desk(
        dossier_id=dossier.pk, officer=officer, method="bank_transfer", reference="FT26328XYZ"
    )
    client.force_login(dossier.applicant)
    response = client.get(
        reverse("payments:receipt", kwargs={"pk": dossier.pk, "payment_pk": payment.pk})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    flat = " ".join(text.split())
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in flat
    assert f"Số: {payment.receipt_number}" in flat
    # Decree 123/2020/NĐ-CP: the form symbol, the series and the collecting body's tax code.
    assert "Mẫu số: 01BLP0-001" in flat and "Ký hiệu: AA-26T" in flat
    assert "Mã số thuế: 4400123456" in flat
    assert "UBND thành phố Tuy Hòa" in flat
    assert dossier.applicant_name in flat
    assert "Lệ phí cấp giấy phép" in flat
    assert "2.005.000" in flat
    assert "Hai triệu không trăm linh năm nghìn đồng" in flat
    assert "Chuyển khoản ngân hàng" in flat and "FT26328XYZ" in flat
    assert "3711.0.1055555" in flat
    assert "Trần Thị Bình" in flat
    assert "tra-cuu/?ma=000.00.21.H45-261124-0042" in flat
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.pages[0].images or "/XObject" in str(reader.pages[0].get("/Resources"))  # QR


def test_no_receipt_for_a_payment_that_was_not_paid(client):
    from payments.tests.factories import PaymentFactory

    payment = PaymentFactory()
    client.force_login(payment.dossier.applicant)
    url = reverse("payments:receipt", kwargs={"pk": payment.dossier_id, "payment_pk": payment.pk})
    assert client.get(url).status_code == 404
