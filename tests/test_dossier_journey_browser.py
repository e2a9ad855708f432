"""The whole first half of a dossier's life, with three people in three browsers.

A citizen submits online with uploads; the desk asks for a supplement; the citizen adds it; the
desk accepts; the citizen sees the appointment and downloads the receipt; anyone looks the
dossier up by its code. Selectors use ids, names and URLs, not translated text.
"""

import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from dossiers.models import Dossier, Notice
from portal.roles import Role
from procedures import services as procedure_services
from procedures.models import RequiredDocument
from procedures.tests.factories import ProcedureFactory
from tests.conftest import ARTIFACTS, shot
from tests.factories import PASSWORD, AgencyFactory, UserFactory, staff_user, totp_device
from tests.helpers import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(browser, live_server):
    contexts = []

    def open_context():
        context = browser.new_context(
            base_url=live_server.url, locale="vi-VN", viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_context
    ARTIFACTS.mkdir(exist_ok=True)
    for context in contexts:
        context.close()


def procedure_of_the_city():
    agency = AgencyFactory(name="UBND thành phố Tuy Hòa", code="000.00.21.H45")
    procedure = ProcedureFactory(
        agency=agency, level4=True, name="Đăng ký thành lập hộ kinh doanh", processing_time=3
    )
    procedure.documents.create(name="Giấy đề nghị đăng ký hộ kinh doanh", position=1)
    procedure.documents.create(
        name="Bản sao giấy tờ pháp lý của chủ hộ", position=2, form=RequiredDocument.Form.COPY
    )
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure


def test_submit_supplement_accept_receipt_and_lookup(people, tmp_path):
    procedure = procedure_of_the_city()
    documents = [d["id"] for d in procedure.current_version.data["documents"]]
    citizen_user = UserFactory(full_name="Nguyễn Văn An")
    officer_user = staff_user(Role.DESK_OFFICER, agency=procedure.agency)
    device = totp_device(officer_user)
    form_pdf = tmp_path / "giay-de-nghi.pdf"
    Image.new("RGB", (300, 420), "white").save(form_pdf, format="PDF")
    blurred = tmp_path / "ban-sao-mo.png"
    Image.new("RGB", (60, 40), (200, 200, 200)).save(blurred, format="PNG")
    sharp = tmp_path / "ban-sao-ro.png"
    Image.new("RGB", (600, 400), (20, 60, 120)).save(sharp, format="PNG")

    # 1. The citizen submits online.
    citizen = people()
    citizen.goto("/tai-khoan/dang-nhap/")
    citizen.locator("input[name='auth-username']").fill(citizen_user.national_id)
    citizen.locator("input[name='auth-password']").fill(PASSWORD)
    citizen.locator("form button[type=submit].btn-primary").click()
    expect(citizen.locator(".user-name")).to_contain_text("Nguyễn Văn An")
    citizen.goto(f"/thu-tuc/{procedure.code}/")
    citizen.locator(f'a[href="/nop-ho-so/{procedure.code}/"]').click()
    expect(citizen).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/$"))
    citizen.locator(f"#id_document_{documents[0]}").set_input_files(form_pdf)
    citizen.locator(f"#id_document_{documents[1]}").set_input_files(blurred)
    citizen.locator("input[name=return_method][value=online]").check()
    citizen.locator("#id_declaration").check()
    citizen.locator("#submit-dossier").click()
    dossier = Dossier.objects.get(applicant=citizen_user)
    expect(citizen.locator("#dossier-code")).to_have_text(dossier.code)
    shot(citizen, "journey-1-submitted")

    # 2. The desk asks for a sharper copy.
    officer = people()
    officer.goto("/tai-khoan/dang-nhap/?next=/can-bo/")
    officer.locator("#id_auth-username").fill(officer_user.username)
    officer.locator("#id_auth-password").fill(PASSWORD)
    officer.locator("#id_auth-password").press("Enter")
    officer.locator("#id_token-otp_token").fill(totp_now(device))
    officer.locator("#id_token-otp_token").press("Enter")
    expect(officer).to_have_url(re.compile(r"/can-bo/$"))
    officer.locator(f'#desk-queue tr[data-code="{dossier.code}"] a').first.click()
    expect(officer.locator("#dossier-code")).to_have_text(dossier.code)
    form = officer.locator("#form-supplement")
    form.locator(f'input[name="supplement-documents"][value="{documents[1]}"]').check()
    form.locator("#id_supplement-note").fill("Bản sao bị mờ, đề nghị chụp lại rõ nét.")
    form.locator('button[type="submit"]').click()
    expect(officer.locator('#timeline li[data-kind="supplement_requested"]')).to_be_visible()
    shot(officer, "journey-2-supplement-requested")

    # 3. The citizen adds it from "My dossiers".
    citizen.goto("/ho-so-cua-toi/")
    citizen.locator(f'tr[data-dossier="{dossier.pk}"] a.dossier-code').click()
    expect(citizen.locator("#supplement-form")).to_be_visible()
    citizen.locator(f"#id_document_{documents[1]}").set_input_files(sharp)
    citizen.locator("#send-supplement").click()
    expect(citizen.locator("#supplement-form")).to_have_count(0)
    shot(citizen, "journey-3-supplement-sent")

    # 4. The desk accepts; the appointment is set.
    officer.reload()
    expect(officer.locator('#timeline li[data-kind="supplemented"]')).to_be_visible()
    officer.locator('#form-accept button[type="submit"]').click()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    appointment = timezone.localtime(dossier.appointment_at)
    expect(officer.locator("#appointment")).to_contain_text(appointment.strftime("%d/%m/%Y"))
    shot(officer, "journey-4-accepted")

    # 5. The citizen sees the appointment and downloads the receipt.
    citizen.reload()
    expect(citizen.locator("#dossier-status")).to_contain_text(appointment.strftime("%d/%m/%Y"))
    receipt = Notice.objects.get(dossier=dossier, kind=Notice.Kind.RECEIPT)
    link = citizen.locator("#notices a.download-link").first
    expect(link).to_be_visible()
    response = citizen.request.get(link.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    assert receipt.status == Notice.Status.READY or receipt.file
    shot(citizen, "journey-5-appointment")

    # 6. Anyone looks it up by its code: state, agency, masked name, nothing personal.
    stranger = people()
    stranger.goto("/tra-cuu/")
    stranger.locator("#lookup-ma").fill(dossier.code.lower())
    stranger.locator("#lookup-ma").press("Enter")
    result = stranger.locator(".lookup-result")
    expect(result).to_have_attribute("data-state", "processing")
    expect(result).to_contain_text("Nguyễn V** A**")
    expect(result).to_contain_text(appointment.strftime("%d/%m/%Y"))
    html = stranger.content()
    assert citizen_user.national_id not in html and citizen_user.phone not in html
    shot(stranger, "journey-6-lookup")
