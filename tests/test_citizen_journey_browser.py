"""The whole journey in a real browser, as the national portal offers it.

A citizen signs in through the local VNeID-style OpenID Connect provider (tests/oidc_provider),
keeps two documents in the personal store, fills the online application form (e-form) of the
demo birth registration, takes both documents from the store in one click each and submits;
the desk accepts; the department issues the Giấy khai sinh (through services: their own pages
are tested in test_processing_browser.py); the result is in the citizen's store, next to the
two documents and the application, now kept with the dossier's code. Screenshots of every
step land in test-artifacts/vneid-journey-*.png; every citizen page passes axe-core.
"""

import re

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from documents.models import StoredDocument
from dossiers import processing
from dossiers import services as dossier_services
from dossiers.models import Attachment, Dossier
from dossiers.tests.factories import leader_for, pdf_upload, specialist_for
from eforms.models import EForm, EFormEntry
from portal.models import ExternalIdentity, User
from portal.roles import Role
from procedures.models import Procedure
from tests.accessibility import assert_accessible
from tests.conftest import shot
from tests.factories import staff_user
from tests.oidc_provider import CALLBACK_PATH, start_provider, use_provider
from tests.test_desk_browser import log_in as staff_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh, with its demo e-form


@pytest.fixture
def provider(settings, tmp_path, live_server):
    local = start_provider(tmp_path, redirect_uris=[live_server.url + CALLBACK_PATH])
    use_provider(settings, local)
    yield local
    local.stop()


def keep_in_store(page, path, *, kind: str, issuer: str, issued_on: str) -> None:
    page.locator("#id_file").set_input_files(path)
    page.locator("#id_kind").fill(kind)
    page.locator("#id_issuer").fill(issuer)
    page.locator("#id_issued_on").fill(issued_on)
    page.locator("#store-upload-button").click()
    expect(page.locator(".message.success")).to_contain_text(kind)


def test_vneid_citizen_e_form_and_store_documents_to_the_result_in_the_store(
    browser, live_server, provider, page, tmp_path
):
    call_command("seed_demo")
    procedure = Procedure.objects.get(code=BIRTH)
    form_document = EForm.objects.get(document__procedure=procedure).document
    documents = procedure.versions.order_by("-number").first().data["documents"]
    by_name = {d["name"].split(";")[0].split(" (")[0]: d["id"] for d in documents}
    certificate_id = by_name["Giấy chứng sinh"]
    authorisation_id = next(v for k, v in by_name.items() if k.startswith("Văn bản ủy quyền"))
    certificate = tmp_path / "giay-chung-sinh.pdf"
    Image.new("RGB", (300, 420), "white").save(certificate, format="PDF")
    authorisation = tmp_path / "giay-uy-quyen.png"
    Image.new("RGB", (160, 220), (240, 240, 230)).save(authorisation, format="PNG")

    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 1280, "height": 900}
    )
    mine = context.new_page()
    mine.set_default_timeout(15_000)

    # 1. Sign in with VNeID: a new account from the provider's claims, no password typed.
    mine.goto("/tai-khoan/dang-nhap/")
    mine.get_by_role("link", name="Đăng nhập bằng VNeID/định danh điện tử").click()
    mine.wait_for_url(provider.issuer + "/**")
    shot(mine, "vneid-journey-1-provider")
    mine.locator("input[name=login]").fill("vneid-an")
    mine.locator("input[name=password]").fill("any")
    mine.locator("button[type=submit]").first.click()
    mine.wait_for_url(live_server.url + "/tai-khoan/")
    expect(mine.locator("body")).to_contain_text("Chào mừng Trần Thị An")
    shot(mine, "vneid-journey-1-signed-in")
    citizen = User.objects.get(national_id="054195001234")
    assert ExternalIdentity.objects.filter(user=citizen, subject="vneid-an").exists()

    # 2. Two documents kept in the store ahead of time.
    mine.goto("/kho-du-lieu/")
    keep_in_store(
        mine,
        certificate,
        kind="Giấy chứng sinh",
        issuer="Bệnh viện Sản - Nhi Phú Yên",
        issued_on="2026-11-20",
    )
    keep_in_store(
        mine,
        authorisation,
        kind="Văn bản ủy quyền",
        issuer="Nguyễn Thị Hoa",
        issued_on="2026-11-25",
    )
    expect(mine.locator("#store-table tbody tr")).to_have_count(2)
    assert_accessible(mine)
    shot(mine, "vneid-journey-2-store")

    # 3. The demo birth registration: the application form is filled online.
    mine.goto(f"/thu-tuc/{BIRTH}/")
    mine.locator(f'a[href="/nop-ho-so/{BIRTH}/"]').first.click()
    expect(mine).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/$"))
    draft = Dossier.objects.get(applicant=citizen)
    shot(mine, "vneid-journey-3-draft")
    mine.locator(f"#eform-{form_document.pk}").get_by_role(
        "link", name=re.compile("Khai trực tuyến")
    ).click()
    expect(mine.locator("h1")).to_have_text("TỜ KHAI ĐĂNG KÝ KHAI SINH")
    expect(mine.locator("#id_requester_name")).to_have_value("Trần Thị An")  # from VNeID
    expect(mine.locator("#id_requester_national_id")).to_have_value("054195001234")
    mine.locator("#id_requester_residence").fill("12 Lê Duẩn, phường 7, Tuy Hòa, Phú Yên")
    mine.locator("#id_relationship").select_option("Người được ủy quyền")
    mine.locator("#id_child_name").fill("Trần Minh Khang")
    mine.locator("#id_child_birth_date").fill("2026-11-20")
    mine.locator("#id_child_birth_date_words").fill("Ngày hai mươi, tháng mười một, năm 2026")
    mine.locator("#id_child_sex_0").check()
    mine.locator("#id_child_ethnicity").fill("Kinh")
    mine.locator("#id_child_nationality").fill("Việt Nam")
    mine.locator("#id_birth_place").fill("Bệnh viện Sản - Nhi Phú Yên")
    mine.locator("#id_home_town").fill("Tuy An, Phú Yên")
    mine.locator("#id_mother_name").fill("Nguyễn Thị Hoa")
    mine.locator("#id_mother_birth_year").fill("1996")
    assert_accessible(mine)
    shot(mine, "vneid-journey-3-eform")
    mine.locator("#eform-save").click()
    expect(mine).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/#eform-\d+$"))
    expect(mine.locator(f"#eform-{form_document.pk}")).to_contain_text("Đã khai trực tuyến")

    # 4. Both documents from the store, one click each: each is offered where it fits.
    for document_id, kind in (
        (certificate_id, "Giấy chứng sinh"),
        (authorisation_id, "Văn bản ủy quyền"),
    ):
        suggested = mine.locator(
            f'.store-choices[data-document="{document_id}"] .store-choices-list li'
        )
        expect(suggested).to_have_count(1)
        expect(suggested).to_contain_text(kind)
        suggested.locator("button").click()
    expect(mine.locator(".store-origin")).to_have_count(2)
    assert_accessible(mine)
    shot(mine, "vneid-journey-4-taken-from-store")
    mine.locator("input[name=return_method][value=online]").check()
    mine.locator("#id_declaration").check()
    mine.locator("#submit-dossier").click()
    expect(mine).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/da-nop/(#.*)?$"))
    shot(mine, "vneid-journey-4-submitted")
    draft.refresh_from_db()
    assert draft.state == Dossier.State.RECEIVED
    assert EFormEntry.objects.get(dossier=draft).values["child_name"] == "Trần Minh Khang"
    printed = Attachment.objects.get(dossier=draft, document_id=form_document.pk)
    assert printed.content_type == "application/pdf"  # the application rendered from the form
    taken = {
        a.document_id: a.original_name
        for a in draft.attachments.filter(document_id__in=[certificate_id, authorisation_id])
    }
    assert taken == {certificate_id: "giay-chung-sinh.pdf", authorisation_id: "giay-uy-quyen.png"}

    # 5. The desk reads the form as data, sees where both files came from, and accepts.
    officer = staff_user(Role.DESK_OFFICER, agency=draft.agency)
    staff_log_in(page, officer)
    page.goto(f"/can-bo/ho-so/{draft.pk}/")
    expect(page.locator(f"#eform-data-{form_document.pk}")).to_contain_text("Trần Minh Khang")
    expect(page.locator(".store-origin")).to_have_count(2)
    shot(page, "vneid-journey-5-desk")
    page.locator('#form-accept button[type="submit"]').click()
    expect(page.locator("#form-forward")).to_be_visible()
    shot(page, "vneid-journey-5-accepted")
    draft.refresh_from_db()
    assert draft.state == Dossier.State.PROCESSING

    # 6. The department issues the result.
    department = procedure.department or draft.agency.departments.first()
    dossier_services.dossier_forward(dossier_id=draft.pk, officer=officer, department=department)
    draft.refresh_from_db()
    leader, specialist = leader_for(draft), specialist_for(draft)
    processing.dossier_assign(dossier_id=draft.pk, actor=leader, assignee=specialist)
    proposal = processing.dossier_propose_result(
        dossier_id=draft.pk,
        actor=specialist,
        result_text="Giấy khai sinh số 112/2026",
        files=[pdf_upload("giay-khai-sinh.pdf")],
    )
    processing.proposal_approve(dossier_id=draft.pk, proposal_id=proposal.pk, leader=leader)

    # 7. The result is in the citizen's store, beside the two documents kept with the dossier.
    mine.goto("/kho-du-lieu/")
    result_row = mine.locator('#store-table tr[data-source="result"]')
    expect(result_row).to_have_count(1)
    expect(result_row).to_contain_text("Giấy khai sinh")
    expect(result_row).to_contain_text(draft.agency.name)
    expect(result_row.locator("form")).to_have_count(0)  # an issued result cannot be deleted
    # Every accepted file is kept with the dossier's code: the two documents and the
    # application rendered from the e-form; nothing is left as a mere upload.
    accepted = mine.locator('#store-table tr[data-source="accepted"]')
    expect(accepted).to_have_count(3)
    for row in accepted.all():
        expect(row).to_contain_text(draft.code)
    expect(mine.locator('#store-table tr[data-source="upload"]')).to_have_count(0)
    assert_accessible(mine)
    shot(mine, "vneid-journey-7-result-in-store")
    response = mine.request.get(result_row.locator("a[target=_blank]").get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    assert StoredDocument.objects.filter(owner=citizen).count() == 4
    context.close()
