"""A citizen submits a level-4 dossier online in a real browser, with a bad file on the way."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from dossiers.models import Dossier
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory, RequiredDocumentFactory
from tests.conftest import shot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def level4_procedure():
    procedure = ProcedureFactory(level4=True, name="Đăng ký khai sinh có yếu tố nước ngoài")
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai đăng ký khai sinh theo mẫu")
    RequiredDocumentFactory(
        procedure=procedure, name="Giấy chứng sinh do cơ sở y tế cấp", copy=True
    )
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure


def test_citizen_submits_a_dossier_online(page, tmp_path):
    citizen = UserFactory(full_name="Phạm Thị Lan", address="45 Nguyễn Huệ, phường 5, Tuy Hòa")
    procedure = level4_procedure()
    real_pdf = tmp_path / "to-khai.pdf"
    Image.new("RGB", (300, 420), "white").save(real_pdf, format="PDF")
    photo = tmp_path / "giay-chung-sinh.png"
    Image.new("RGB", (120, 80), (30, 90, 160)).save(photo, format="PNG")
    fake = tmp_path / "to-khai-gia.pdf"
    fake.write_text("Đây không phải là một tệp PDF")

    # Log in through the real form.
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='auth-username']").fill(citizen.national_id)
    page.locator("input[name='auth-password']").fill(PASSWORD)
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".user-name")).to_contain_text("Phạm Thị Lan")

    page.goto(f"/thu-tuc/{procedure.code}/")
    page.locator(f'a[href="/nop-ho-so/{procedure.code}/"]').click()
    expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/$"))
    dossier = Dossier.objects.get(applicant=citizen)
    documents = [d["id"] for d in dossier.procedure_version.data["documents"]]
    expect(page.locator("#id_applicant_name")).to_have_value("Phạm Thị Lan")
    expect(page.locator("#id_applicant_national_id")).to_have_value(citizen.national_id)
    shot(page, "submit-form")

    # A text file renamed .pdf for the first document, a real photo for the second.
    page.locator("#id_applicant_address").fill("12 Lê Duẩn, phường 7, Tuy Hòa")
    page.locator("input[name=return_method][value=online]").check()
    page.locator(f"#id_document_{documents[0]}").set_input_files(fake)
    page.locator(f"#id_document_{documents[1]}").set_input_files(photo)
    page.locator("#id_declaration").check()
    page.locator("#submit-dossier").click()

    first_row = page.locator("#document-1")
    expect(first_row).to_have_class(re.compile("has-error"))
    expect(first_row.locator(".errorlist")).to_contain_text("to-khai-gia.pdf")
    expect(page.locator("#document-2")).not_to_have_class(re.compile("has-error"))
    expect(page.locator("#document-2 .uploaded-file")).to_contain_text("giay-chung-sinh.png")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_applicant_address")).to_have_value("12 Lê Duẩn, phường 7, Tuy Hòa")
    expect(page.locator("input[name=return_method][value=online]")).to_be_checked()
    expect(page.locator("#id_declaration")).to_be_checked()
    shot(page, "submit-fake-pdf-error")

    page.locator(f"#id_document_{documents[0]}").set_input_files(real_pdf)
    page.locator("#submit-dossier").click()
    expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/da-nop/$"))
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED
    assert dossier.applicant_address == "12 Lê Duẩn, phường 7, Tuy Hòa"
    assert dossier.return_method == "online"
    expect(page.locator("#dossier-code")).to_have_text(dossier.code)
    expect(page.locator("#level4-note")).to_be_visible()
    shot(page, "submit-confirmation")

    page.locator("#my-dossiers").click()
    expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/$"))
    row = page.locator(f'tr[data-dossier="{dossier.pk}"]')
    expect(row).to_contain_text(dossier.code)
    shot(page, "submit-my-dossiers")

    row.locator("a.dossier-code").click()
    expect(page.locator("#dossier-code")).to_have_text(dossier.code)
    expect(page.locator("#timeline > li")).to_have_count(2)
    expect(page.locator("#dossier-files tbody tr")).to_have_count(2)
    shot(page, "submit-dossier-detail")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/ho-so-cua-toi/{dossier.pk}/")
    shot(page, "submit-dossier-detail-mobile")


def log_in(page, user):
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='auth-username']").fill(user.national_id)
    page.locator("input[name='auth-password']").fill(PASSWORD)
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".user-name")).to_be_visible()


def test_citizen_adds_a_requested_supplement(page, tmp_path):
    from dossiers import services
    from dossiers.tests.factories import desk_officer_for, pdf_upload

    citizen = UserFactory(full_name="Võ Minh Tâm")
    procedure = level4_procedure()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=citizen)
    documents = [d["id"] for d in dossier.procedure_version.data["documents"]]
    for document_id in documents:
        services.attachment_add(
            dossier_id=dossier.pk, actor=citizen, document_id=document_id, upload=pdf_upload()
        )
    services.dossier_submit(dossier_id=dossier.pk, actor=citizen, declaration=True)
    services.dossier_request_supplement(
        dossier_id=dossier.pk,
        officer=desk_officer_for(dossier),
        document_ids=[documents[1]],
        note="Giấy chứng sinh chụp bị mờ, không đọc được số. Đề nghị chụp lại bản rõ nét.",
    )
    photo = tmp_path / "giay-chung-sinh-ro.png"
    Image.new("RGB", (160, 100), (20, 120, 60)).save(photo, format="PNG")

    log_in(page, citizen)
    page.goto("/ho-so-cua-toi/")
    page.locator(f'tr[data-dossier="{dossier.pk}"] a.dossier-code').click()
    expect(page.locator("#supplement-form")).to_be_visible()
    expect(page.locator("#dossier-status")).to_have_class(re.compile("status-incomplete"))
    shot(page, "submit-supplement-requested")

    page.locator(f"#id_document_{documents[1]}").set_input_files(photo)
    page.locator("#send-supplement").click()
    expect(page.locator("#supplement-form")).to_have_count(0)
    expect(page.locator("#timeline > li")).to_have_count(4)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED
    shot(page, "submit-supplement-sent")
