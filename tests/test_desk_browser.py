"""The one-stop desk in a real browser: log in with a one-time code, work a dossier through.

Selectors use ids, names and URLs rather than the (translated) text of the page.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers import services
from dossiers.models import Dossier
from dossiers.tests.factories import pdf_upload
from portal.roles import Role
from procedures import services as procedure_services
from procedures.models import RequiredDocument
from procedures.tests.factories import ProcedureFactory
from tests.conftest import shot
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    DepartmentFactory,
    UserFactory,
    staff_user,
    totp_device,
)
from tests.helpers import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submitted_dossier():
    agency = AgencyFactory(name="UBND thành phố Tuy Hòa", code="000.00.21.H45")
    DepartmentFactory(agency=agency, name="Phòng Tài chính - Kế hoạch")
    procedure = ProcedureFactory(
        agency=agency, level4=True, name="Đăng ký thành lập hộ kinh doanh", processing_time=3
    )
    procedure.documents.create(name="Giấy đề nghị đăng ký hộ kinh doanh", position=1)
    procedure.documents.create(
        name="Bản sao giấy tờ pháp lý của chủ hộ", position=2, form=RequiredDocument.Form.COPY
    )
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    citizen = UserFactory(full_name="Nguyễn Văn An")
    draft = services.dossier_create_draft(procedure=procedure, applicant=citizen)
    for document in procedure.current_version.data["documents"]:
        services.attachment_add(
            dossier_id=draft.pk,
            actor=citizen,
            document_id=document["id"],
            upload=pdf_upload(f"scan-{document['id']}.pdf"),
        )
    dossier = services.dossier_submit(dossier_id=draft.pk, actor=citizen, declaration=True)
    # A second one waiting, so the queue has more than one row.
    other = services.dossier_create_draft(procedure=procedure, applicant=UserFactory())
    for document in procedure.current_version.data["documents"]:
        services.attachment_add(
            dossier_id=other.pk,
            actor=other.applicant,
            document_id=document["id"],
            upload=pdf_upload(),
        )
    services.dossier_submit(dossier_id=other.pk, actor=other.applicant, declaration=True)
    return dossier, citizen


def log_in(page, officer):
    device = totp_device(officer)
    page.goto("/tai-khoan/dang-nhap/?next=/can-bo/")
    page.locator("#id_auth-username").fill(officer.username)
    page.locator("#id_auth-password").fill(PASSWORD)
    page.locator("#id_auth-password").press("Enter")
    page.locator("#id_token-otp_token").fill(totp_now(device))
    page.locator("#id_token-otp_token").press("Enter")


def test_desk_officer_checks_asks_for_a_supplement_accepts_and_forwards(page):
    dossier, citizen = submitted_dossier()
    officer = staff_user(Role.DESK_OFFICER, agency=dossier.agency, full_name="Trần Thị Bình")
    log_in(page, officer)
    page.goto("/can-bo/")
    row = page.locator(f'#desk-queue tr[data-code="{dossier.code}"]')
    expect(row).to_be_visible()
    expect(page.locator("#tab-received .desk-count")).to_have_text("2")
    shot(page, "desk-queue")

    row.locator(f'a[href="/can-bo/ho-so/{dossier.pk}/"]').click()
    expect(page.locator("#dossier-code")).to_have_text(dossier.code)
    expect(page.locator(".desk-file-link")).to_have_count(2)
    shot(page, "desk-dossier-received")

    # Incomplete: the copy is unreadable.
    documents = dossier.procedure_version.data["documents"]
    form = page.locator("#form-supplement")
    form.locator(f'input[name="supplement-documents"][value="{documents[1]["id"]}"]').check()
    form.locator("#id_supplement-note").fill("Bản sao giấy tờ pháp lý bị mờ, đề nghị nộp lại.")
    form.locator('button[type="submit"]').click()
    expect(page.locator('#timeline li[data-kind="supplement_requested"]')).to_be_visible()
    expect(page.locator("#form-accept")).to_have_count(0)
    shot(page, "desk-supplement-requested")

    # The citizen sends the new scan from their own pages.
    services.dossier_supplement(
        dossier_id=dossier.pk,
        actor=citizen,
        files={documents[1]["id"]: pdf_upload("ban-sao-moi.pdf")},
    )
    page.reload()
    expect(page.locator('#timeline li[data-kind="supplemented"]')).to_be_visible()
    page.locator('#form-accept button[type="submit"]').click()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    due = timezone.localtime(dossier.appointment_at).strftime("%d/%m/%Y %H:%M")
    expect(page.locator("#appointment")).to_contain_text(due)
    expect(page.locator(".message.success")).to_contain_text(due)
    shot(page, "desk-accepted")

    page.locator("#id_forward-department").select_option(label="Phòng Tài chính - Kế hoạch")
    page.locator('#form-forward button[type="submit"]').click()
    expect(page.locator('#timeline li[data-kind="forwarded"]')).to_be_visible()
    expect(page.locator("#no-action")).to_be_visible()
    shot(page, "desk-forwarded")
    dossier.refresh_from_db()
    assert dossier.forwarded_at is not None and dossier.department.name.startswith("Phòng")

    # Back in the queue it has left the desk's list; the "forwarded" tab shows it.
    page.locator("#nav-queue").click()
    expect(page.locator(f'#desk-queue tr[data-code="{dossier.code}"]')).to_have_count(0)
    page.locator("#tab-forwarded").click()
    expect(page.locator(f'#desk-queue tr[data-code="{dossier.code}"]')).to_be_visible()
    shot(page, "desk-queue-forwarded")


def test_walk_in_registration_and_filters(page):
    dossier, _citizen = submitted_dossier()
    officer = staff_user(Role.DESK_OFFICER, agency=dossier.agency)
    log_in(page, officer)
    page.goto("/can-bo/tiep-nhan/")
    page.locator(f'a[href="?thu-tuc={dossier.procedure.code}"]').click()
    page.locator("#id_name").fill("Đinh Thị Hoa")
    page.locator("#id_national_id").fill("0541")  # too short: the page says so, keeps the name
    page.locator('#form-walk-in button[type="submit"]').click()
    expect(page.locator("#id_name")).to_have_value("Đinh Thị Hoa")
    expect(page.locator(".field.has-error #id_national_id")).to_be_visible()
    shot(page, "desk-walk-in-error")
    page.locator("#id_national_id").fill("054190000777")
    documents = dossier.procedure_version.data["documents"]
    page.locator(f"#id_document_{documents[0]['id']}").set_input_files(
        files=[{"name": "don.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.locator("#id_originals_checked").check()
    page.locator('#form-walk-in button[type="submit"]').click()
    expect(page).to_have_url(re.compile(r"/can-bo/ho-so/\d+/$"))
    expect(page.locator("#form-accept")).to_be_visible()
    shot(page, "desk-walk-in-registered")

    page.goto("/can-bo/?q=dinh+thi+hoa")
    expect(page.locator("#desk-queue tbody tr")).to_have_count(1)
    page.goto("/can-bo/?kenh=online")
    expect(page.locator("#desk-queue tbody tr")).to_have_count(2)


def pdf_bytes():
    from dossiers.tests.factories import PDF_BYTES

    return PDF_BYTES
