"""The citizen's e-form page, submission with the printed form, and the staff's view of it."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from dossiers import services as dossier_services
from dossiers.errors import DossierValidationError
from dossiers.models import Attachment, Dossier
from dossiers.tests.factories import DossierFactory, desk_officer_for, specialist_for
from eforms.models import EFormEntry
from procedures.models import ReturnMethod
from tests.factories import DepartmentFactory, UserFactory

from .factories import BIRTH_ANSWERS, eform_draft

pytestmark = pytest.mark.django_db


def fill_url(dossier, document):
    return reverse("eforms:fill", kwargs={"pk": dossier.pk, "document_id": document.pk})


def pdf_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(out, format="PDF")
    return out.getvalue()


def complete_draft(client, dossier, document):
    client.force_login(dossier.applicant)
    response = client.post(fill_url(dossier, document), BIRTH_ANSWERS)
    assert response.status_code == 302, response.content.decode()[:3000]
    from django.core.files.uploadedfile import SimpleUploadedFile

    other = next(
        d["id"] for d in dossier.procedure_version.data["documents"] if d["id"] != document.pk
    )
    dossier_services.attachment_add(
        dossier_id=dossier.pk,
        actor=dossier.applicant,
        document_id=other,
        upload=SimpleUploadedFile("giay-chung-sinh.pdf", pdf_bytes(), "application/pdf"),
    )
    Dossier.objects.filter(pk=dossier.pk).update(return_method=ReturnMethod.ONLINE)


def test_the_snapshot_carries_the_form_and_the_draft_links_to_it(client):
    dossier, document = eform_draft()
    documents = {d["id"]: d for d in dossier.procedure_version.data["documents"]}
    assert documents[document.pk]["eform"]["title"] == "TỜ KHAI ĐĂNG KÝ KHAI SINH"
    assert all("eform" not in d for i, d in documents.items() if i != document.pk)
    client.force_login(dossier.applicant)
    with translation.override("vi"):
        page = client.get(
            reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})
        ).content.decode()
    assert fill_url(dossier, document) in page
    assert "Khai trực tuyến" in page
    assert f'name="document_{document.pk}"' not in page  # nothing to upload for it


def test_the_form_is_prefilled_from_the_account(client):
    dossier, document = eform_draft(
        applicant=UserFactory(full_name="Trần Văn Bình", address="12 Lê Duẩn, Tuy Hòa")
    )
    client.force_login(dossier.applicant)
    response = client.get(fill_url(dossier, document))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Trần Văn Bình"' in page
    assert 'value="12 Lê Duẩn, Tuy Hòa"' in page
    assert f'value="{dossier.applicant.national_id}"' in page
    assert "TỜ KHAI ĐĂNG KÝ KHAI SINH" in page


def test_errors_are_shown_in_vietnamese_and_what_was_typed_is_kept(client):
    dossier, document = eform_draft()
    client.force_login(dossier.applicant)
    answers = {**BIRTH_ANSWERS, "child_name": "", "child_birth_date": "31/02/2026"}
    with translation.override("vi"):
        response = client.post(fill_url(dossier, document), answers, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hãy nhập ngày theo dạng 25/12/2026." in page
    assert "Trường này là bắt buộc." in page
    assert 'href="#id_child_name"' in page  # the summary links to the field
    assert 'value="31/02/2026"' in page
    assert 'value="Bệnh viện Sản - Nhi Phú Yên"' in page
    entry = EFormEntry.objects.get(dossier=dossier, document_id=document.pk)
    assert not entry.is_complete
    assert entry.values["birth_place"] == "Bệnh viện Sản - Nhi Phú Yên"
    # Coming back later shows what was typed, not the account's details.
    again = client.get(fill_url(dossier, document)).content.decode()
    assert 'value="Bệnh viện Sản - Nhi Phú Yên"' in again


def test_a_complete_form_goes_back_to_the_draft(client):
    dossier, document = eform_draft()
    client.force_login(dossier.applicant)
    response = client.post(fill_url(dossier, document), BIRTH_ANSWERS)
    draft = reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})
    assert response["Location"] == f"{draft}#eform-{document.pk}"
    entry = EFormEntry.objects.get(dossier=dossier, document_id=document.pk)
    assert entry.is_complete and entry.values["child_birth_date"] == "2026-11-20"


def test_add_a_row_keeps_the_typed_values(client):
    from .factories import HOUSEHOLD_BUSINESS, demo_definition

    dossier, document = eform_draft(demo_definition(HOUSEHOLD_BUSINESS))
    client.force_login(dossier.applicant)
    response = client.post(
        fill_url(dossier, document),
        {
            "business_name": "CỬA HÀNG AN",
            "business_lines__rows": "1",
            "members__rows": "1",
            "business_lines__0__line_name": "Bán lẻ",
            "add_row": "business_lines",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#group-business_lines")
    page = client.get(fill_url(dossier, document)).content.decode()
    assert 'name="business_lines__1__line_name"' in page
    assert 'value="Bán lẻ"' in page and 'value="CỬA HÀNG AN"' in page


def test_nobody_else_reaches_the_form(client):
    dossier, document = eform_draft()
    client.force_login(UserFactory())
    assert client.get(fill_url(dossier, document)).status_code == 404
    assert client.post(fill_url(dossier, document), BIRTH_ANSWERS).status_code == 404
    assert not EFormEntry.objects.exists()
    client.logout()
    assert client.get(fill_url(dossier, document)).status_code == 302  # to log in


def test_a_document_without_an_eform_is_not_found(client):
    dossier, document = eform_draft()
    other = next(
        d["id"] for d in dossier.procedure_version.data["documents"] if d["id"] != document.pk
    )
    client.force_login(dossier.applicant)
    url = reverse("eforms:fill", kwargs={"pk": dossier.pk, "document_id": other})
    assert client.get(url).status_code == 404


def test_a_submitted_dossier_cannot_be_changed(client):
    dossier, document = eform_draft(received=True)
    client.force_login(dossier.applicant)
    response = client.post(fill_url(dossier, document), BIRTH_ANSWERS)
    assert response["Location"] == reverse("dossiers:detail", kwargs={"pk": dossier.pk})
    assert not EFormEntry.objects.exists()


def test_submission_needs_the_form_then_attaches_the_printed_pdf(client):
    dossier, document = eform_draft()
    with translation.override("vi"), pytest.raises(DossierValidationError) as caught:
        dossier_services.dossier_submit(
            dossier_id=dossier.pk, actor=dossier.applicant, declaration=True
        )
    assert caught.value.field_errors["eform"] == (
        "Hãy điền biểu mẫu trực tuyến: TỜ KHAI ĐĂNG KÝ KHAI SINH"
    )
    complete_draft(client, dossier, document)
    dossier_services.dossier_submit(
        dossier_id=dossier.pk, actor=dossier.applicant, declaration=True
    )
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED
    printed = Attachment.objects.get(dossier=dossier, document_id=document.pk)
    assert printed.content_type == "application/pdf"
    assert printed.document_name == document.name
    text = "\n".join(page.extract_text() for page in PdfReader(printed.file.open("rb")).pages)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
        f"Kính gửi: {dossier.agency.name}",
        "Trần Minh An",
        "20/11/2026",
        "Bệnh viện Sản - Nhi Phú Yên",
        "Người yêu cầu",
        "(Ký, ghi rõ họ, chữ đệm, tên)",
        "Tôi cam đoan",
    ):
        assert expected in text, expected


def test_the_submit_button_of_the_draft_reports_the_missing_form(client):
    dossier, _document = eform_draft()
    Dossier.objects.filter(pk=dossier.pk).update(return_method=ReturnMethod.ONLINE)
    client.force_login(dossier.applicant)
    with translation.override("vi"):
        response = client.post(
            reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk}),
            {
                "applicant_name": dossier.applicant_name,
                "applicant_national_id": dossier.applicant_national_id,
                "return_method": "online",
                "declaration": "on",
                "action": "submit",
            },
            HTTP_ACCEPT_LANGUAGE="vi",
        )
    assert response.status_code == 200
    assert "Hãy điền biểu mẫu trực tuyến: TỜ KHAI ĐĂNG KÝ KHAI SINH" in response.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).state == Dossier.State.DRAFT


def test_a_scanned_form_attached_stands_in_for_the_online_one():
    """Walk-in and signed paper forms: a file for the form's document is enough."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier, document = eform_draft(return_method=ReturnMethod.ONLINE)
    for item in dossier.procedure_version.data["documents"]:
        dossier_services.attachment_add(
            dossier_id=dossier.pk,
            actor=dossier.applicant,
            document_id=item["id"],
            upload=SimpleUploadedFile("scan.pdf", pdf_bytes(), "application/pdf"),
        )
    dossier_services.dossier_submit(
        dossier_id=dossier.pk, actor=dossier.applicant, declaration=True
    )
    assert Attachment.objects.filter(dossier=dossier, document_id=document.pk).count() == 1


def test_desk_and_specialist_see_the_fields_as_data(client, login_staff):
    dossier, document = eform_draft()
    complete_draft(client, dossier, document)
    dossier_services.dossier_submit(
        dossier_id=dossier.pk, actor=dossier.applicant, declaration=True
    )
    client.logout()
    desk = login_staff(desk_officer_for(dossier))
    page = desk.get(reverse("desk:dossier", args=[dossier.pk])).content.decode()
    assert f'id="eform-data-{document.pk}"' in page
    assert "Trần Minh An" in page and "20/11/2026" in page and "Nguyễn Thị Hoa" in page
    assert "<dd>1996</dd>" in page  # a year, not "1.996"
    desk.logout()

    department = DepartmentFactory(agency=dossier.agency)
    Dossier.objects.filter(pk=dossier.pk).update(
        state=Dossier.State.PROCESSING, department=department
    )
    dossier.refresh_from_db()
    specialist = login_staff(specialist_for(dossier))
    page = specialist.get(reverse("desk:processing_dossier", args=[dossier.pk])).content.decode()
    assert "Trần Minh An" in page and "Bệnh viện Sản - Nhi Phú Yên" in page


def test_a_desk_of_another_agency_sees_nothing(client, login_staff):
    dossier, document = eform_draft()
    complete_draft(client, dossier, document)
    dossier_services.dossier_submit(
        dossier_id=dossier.pk, actor=dossier.applicant, declaration=True
    )
    client.logout()
    stranger = login_staff(desk_officer_for(DossierFactory(received=True)))
    response = stranger.get(reverse("desk:dossier", args=[dossier.pk]))
    assert response.status_code == 404
    assert "Trần Minh An" not in response.content.decode()
