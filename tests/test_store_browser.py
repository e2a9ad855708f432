"""The document store in a real browser, without JavaScript on the citizen's side.

A citizen uploads two documents to the store, starts a dossier and takes both from the store
in one click each, submits; the desk sees where the files came from and accepts; once the
result is issued it is in the citizen's store beside the accepted documents. Every page passes
axe-core (no serious or critical violation).
"""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from documents.models import StoredDocument
from dossiers import processing
from dossiers import services as dossier_services
from dossiers.models import Dossier
from dossiers.tests.factories import leader_for, pdf_upload, specialist_for
from portal.roles import Role
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory, RequiredDocumentFactory
from tests.accessibility import assert_accessible
from tests.conftest import shot
from tests.factories import PASSWORD, AgencyFactory, DepartmentFactory, UserFactory, staff_user
from tests.test_desk_browser import log_in as staff_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def birth_procedure():
    agency = AgencyFactory(name="UBND phường Tuy Hòa", code="000.00.31.H45")
    DepartmentFactory(agency=agency, name="Phòng Tư pháp")
    procedure = ProcedureFactory(
        agency=agency, level4=True, name="Đăng ký khai sinh", result="Giấy khai sinh (bản chính)"
    )
    RequiredDocumentFactory(procedure=procedure, name="Giấy chứng sinh do cơ sở y tế cấp")
    RequiredDocumentFactory(
        procedure=procedure, name="Căn cước công dân của người đi khai sinh", copy=True
    )
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure


def check_axe(browser, live_server, context, path):
    """axe-core needs JavaScript: the same page, same session, in a context that runs it."""
    checker = browser.new_context(
        base_url=live_server.url, locale="vi-VN", storage_state=context.storage_state()
    )
    try:
        page = checker.new_page()
        page.goto(path)
        assert_accessible(page)
    finally:
        checker.close()


def test_citizen_uses_the_store_for_a_dossier_and_receives_the_result_there(
    page, browser, live_server, tmp_path
):
    procedure = birth_procedure()
    citizen = UserFactory(full_name="Trần Thị Mai")
    certificate = tmp_path / "giay-chung-sinh.pdf"
    Image.new("RGB", (300, 420), "white").save(certificate, format="PDF")
    id_card = tmp_path / "cccd.png"
    Image.new("RGB", (160, 100), (30, 90, 160)).save(id_card, format="PNG")

    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=False,
    )
    mine = context.new_page()
    mine.set_default_timeout(15_000)
    mine.goto("/tai-khoan/dang-nhap/")
    mine.locator("input[name='auth-username']").fill(citizen.national_id)
    mine.locator("input[name='auth-password']").fill(PASSWORD)
    mine.locator("form button[type=submit].btn-primary").click()
    expect(mine.locator(".user-name")).to_contain_text("Trần Thị Mai")

    # The store, reached from My dossiers; empty at first.
    mine.goto("/ho-so-cua-toi/")
    mine.locator("#my-document-store").click()
    expect(mine).to_have_url(re.compile(r"/kho-du-lieu/$"))
    expect(mine.locator("#store-empty")).to_be_visible()
    check_axe(browser, live_server, context, "/kho-du-lieu/")

    # A wrong date first: the reason in Vietnamese, what was typed kept.
    mine.locator("#id_file").set_input_files(certificate)
    mine.locator("#id_kind").fill("Giấy chứng sinh")
    mine.locator("#id_issuer").fill("Bệnh viện Sản Nhi Phú Yên")
    mine.locator("#id_issued_on").fill("2099-01-01")
    mine.locator("#store-upload-button").click()
    expect(mine.locator("#error-summary")).to_be_visible()
    expect(mine.locator("#id_kind")).to_have_value("Giấy chứng sinh")
    expect(mine.locator("#store-upload")).to_contain_text("Ngày cấp không thể ở tương lai")
    shot(mine, "store-upload-error")
    check_axe(browser, live_server, context, "/kho-du-lieu/")  # GET: the form page itself

    mine.locator("#id_file").set_input_files(certificate)
    mine.locator("#id_issued_on").fill("2026-11-20")
    mine.locator("#store-upload-button").click()
    expect(mine.locator(".message.success")).to_contain_text("Giấy chứng sinh")
    mine.locator("#id_file").set_input_files(id_card)
    mine.locator("#id_kind").fill("Căn cước công dân")
    mine.locator("#id_issuer").fill("Cục Cảnh sát QLHC về TTXH")
    mine.locator("#id_valid_until").fill("2036-05-01")
    mine.locator("#store-upload-button").click()
    expect(mine.locator("#store-table tbody tr")).to_have_count(2)
    shot(mine, "store-two-uploads")
    check_axe(browser, live_server, context, "/kho-du-lieu/")

    # A new dossier: each document taken from the store with one click.
    mine.goto(f"/thu-tuc/{procedure.code}/")
    mine.locator(f'a[href="/nop-ho-so/{procedure.code}/"]').click()
    expect(mine).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/$"))
    draft = Dossier.objects.get(applicant=citizen)
    first, second = (d["id"] for d in draft.procedure_version.data["documents"])
    expect(
        mine.locator(f'.store-choices[data-document="{first}"] .store-choices-list button')
    ).to_have_count(1)
    shot(mine, "store-draft-choices")
    check_axe(browser, live_server, context, f"/ho-so-cua-toi/{draft.pk}/soan/")
    mine.locator(f'.store-choices[data-document="{first}"] .store-choices-list button').click()
    expect(mine.locator("#document-1 .uploaded-file")).to_contain_text("giay-chung-sinh.pdf")
    expect(mine.locator("#document-1 .store-origin")).to_be_visible()
    mine.locator(f'.store-choices[data-document="{second}"] .store-choices-list button').click()
    expect(mine.locator("#document-2 .uploaded-file")).to_contain_text("cccd.png")
    shot(mine, "store-draft-taken")
    mine.locator("input[name=return_method][value=online]").check()
    mine.locator("#id_declaration").check()
    mine.locator("#submit-dossier").click()
    expect(mine).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/da-nop/$"))
    draft.refresh_from_db()
    assert draft.state == Dossier.State.RECEIVED
    stored = {item.file.name for item in StoredDocument.objects.filter(owner=citizen)}
    assert {a.file.name for a in draft.attachments.all()} == stored  # no bytes copied

    # The desk sees the origin of each file, then accepts.
    officer = staff_user(Role.DESK_OFFICER, agency=procedure.agency)
    staff_log_in(page, officer)
    page.goto(f"/can-bo/ho-so/{draft.pk}/")
    expect(page.locator(".store-origin")).to_have_count(2)
    expect(page.locator(".store-origin").first).to_contain_text("kho dữ liệu của công dân")
    shot(page, "store-desk-origin")
    assert_accessible(page)
    page.locator('#form-accept button[type="submit"]').click()
    draft.refresh_from_db()
    assert draft.state == Dossier.State.PROCESSING

    # The department issues the result (its own journeys are in test_processing_browser.py).
    department = draft.agency.departments.get(name="Phòng Tư pháp")
    dossier_services.dossier_forward(dossier_id=draft.pk, officer=officer, department=department)
    draft.refresh_from_db()
    leader, specialist = leader_for(draft), specialist_for(draft)
    processing.dossier_assign(dossier_id=draft.pk, actor=leader, assignee=specialist)
    proposal = processing.dossier_propose_result(
        dossier_id=draft.pk,
        actor=specialist,
        result_text="Giấy khai sinh số 45/2026",
        files=[pdf_upload("giay-khai-sinh.pdf")],
    )
    processing.proposal_approve(dossier_id=draft.pk, proposal_id=proposal.pk, leader=leader)

    mine.goto("/kho-du-lieu/")
    result_row = mine.locator('#store-table tr[data-source="result"]')
    expect(result_row).to_have_count(1)
    expect(result_row).to_contain_text("Giấy khai sinh (bản chính)")
    expect(result_row).to_contain_text("UBND phường Tuy Hòa")
    expect(result_row.locator("form")).to_have_count(0)  # results cannot be deleted
    # The two uploads were accepted with the dossier: kept for good now, with its code.
    expect(mine.locator('#store-table tr[data-source="accepted"]')).to_have_count(2)
    expect(mine.locator('#store-table tr[data-source="upload"]')).to_have_count(0)
    expect(mine.locator('#store-table tr[data-source="accepted"]').first).to_contain_text(
        draft.code
    )
    shot(mine, "store-with-result")
    check_axe(browser, live_server, context, "/kho-du-lieu/")
    response = mine.request.get(result_row.locator("a[target=_blank]").get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    mine.set_viewport_size({"width": 360, "height": 800})
    shot(mine, "store-with-result-phone")
    context.close()


def test_a_requested_document_is_sent_again_from_the_store(browser, live_server):
    from documents.tests.helpers import BIRTH, asked_for_supplement_in_processing
    from documents.tests.test_views import upload

    citizen = UserFactory(full_name="Phan Văn Tú")
    dossier, certificate = asked_for_supplement_in_processing(citizen)
    clearer = upload(citizen, name="giay-chung-sinh-ro.pdf", kind=BIRTH)
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=False,
    )
    mine = context.new_page()
    mine.set_default_timeout(15_000)
    mine.goto("/tai-khoan/dang-nhap/")
    mine.locator("input[name='auth-username']").fill(citizen.national_id)
    mine.locator("input[name='auth-password']").fill(PASSWORD)
    mine.locator("form button[type=submit].btn-primary").click()
    expect(mine.locator(".user-name")).to_contain_text("Phan Văn Tú")

    mine.goto(f"/ho-so-cua-toi/{dossier.pk}/")
    supplement = mine.locator("#supplement")
    expect(supplement).to_contain_text("Giấy chứng sinh mờ")
    # Asked for by the department after acceptance, and said so.
    expect(supplement.locator(".desk-note")).to_contain_text(
        "Ghi chú của phòng chuyên môn giải quyết hồ sơ"
    )
    choice = supplement.locator(f'select[name="store_{certificate}"]')
    expect(choice.locator(f'option[value="{clearer.pk}"]')).to_have_count(1)
    shot(mine, "store-supplement-choice")
    check_axe(browser, live_server, context, f"/ho-so-cua-toi/{dossier.pk}/")

    choice.select_option(str(clearer.pk))
    supplement.locator("textarea[name=note]").fill("Đã gửi lại bản rõ từ kho dữ liệu.")
    mine.locator("#send-supplement").click()
    expect(mine.locator(".message.success")).to_be_visible()
    expect(mine.locator("#supplement")).to_have_count(0)
    shot(mine, "store-supplement-sent")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    sent = dossier.attachments.get(kind="supplement")
    assert sent.document_id == certificate and sent.file.name == clearer.file.name
    context.close()
