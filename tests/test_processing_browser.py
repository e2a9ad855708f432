"""Processing in a real browser: the desk forwards, the specialist takes the dossier and records
the result with its file, the leader approves, the citizen downloads the result.

Each person has their own browser context and logs in the way they would (staff with a
one-time code). Selectors use ids, names, data attributes and URLs, not translated text.
"""

from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from dossiers import services
from dossiers.models import Dossier, DossierEvent
from dossiers.tests.factories import pdf_upload
from portal.demo import DEMO_PASSWORD
from portal.models import User
from portal.roles import Role
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory
from tests.conftest import ARTIFACTS, shot
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


def staff_log_in(page, user, *, password=PASSWORD):
    device = user.totpdevice_set.first() or totp_device(user)
    page.goto("/tai-khoan/dang-nhap/?next=/can-bo/")
    page.locator("#id_auth-username").fill(user.username)
    page.locator("#id_auth-password").fill(password)
    page.locator("#id_auth-password").press("Enter")
    page.locator("#id_token-otp_token").fill(totp_now(device))
    page.locator("#id_token-otp_token").press("Enter")


def accepted_online_dossier():
    agency = AgencyFactory(name="UBND thành phố Tuy Hòa", code="000.00.21.H45")
    department = DepartmentFactory(agency=agency, name="Phòng Tài chính - Kế hoạch")
    procedure = ProcedureFactory(
        agency=agency, level4=True, name="Đăng ký thành lập hộ kinh doanh", processing_time=10
    )
    procedure.documents.create(name="Giấy đề nghị đăng ký hộ kinh doanh", position=1)
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    citizen = UserFactory(full_name="Nguyễn Văn An")
    draft = services.dossier_create_draft(procedure=procedure, applicant=citizen)
    services.dossier_update_draft(
        dossier_id=draft.pk,
        actor=citizen,
        applicant_details=services.Applicant(
            name=citizen.full_name, national_id=citizen.national_id, phone=citizen.phone
        ),
        return_method="online",
    )
    document = procedure.current_version.data["documents"][0]
    services.attachment_add(
        dossier_id=draft.pk, actor=citizen, document_id=document["id"], upload=pdf_upload()
    )
    dossier = services.dossier_submit(dossier_id=draft.pk, actor=citizen, declaration=True)
    return dossier, department, citizen


def test_forward_take_complete_approve_and_download(people, tmp_path):
    dossier, department, citizen_user = accepted_online_dossier()
    desk_user = staff_user(Role.DESK_OFFICER, agency=dossier.agency, full_name="Trần Thị Bình")
    specialist_user = staff_user(
        Role.SPECIALIST, agency=dossier.agency, department=department, full_name="Lê Văn Cường"
    )
    leader_user = staff_user(Role.LEADER, agency=dossier.agency, full_name="Phạm Thị Dung")
    services.dossier_accept(dossier_id=dossier.pk, officer=desk_user)
    result_pdf = tmp_path / "giay-chung-nhan.pdf"
    Image.new("RGB", (300, 420), "white").save(result_pdf, format="PDF")

    # 1. The desk forwards the accepted dossier to the department.
    desk = people()
    staff_log_in(desk, desk_user)
    desk.goto(f"/can-bo/ho-so/{dossier.pk}/")
    desk.locator("#id_forward-department").select_option(label="Phòng Tài chính - Kế hoạch")
    desk.locator('#form-forward button[type="submit"]').click()
    expect(desk.locator('#timeline li[data-kind="forwarded"]')).to_be_visible()

    # 2. The specialist lands on their queue, sees it with its deadline badge and takes it.
    specialist = people()
    staff_log_in(specialist, specialist_user)
    expect(specialist).to_have_url(f"{specialist.url.split('/can-bo/')[0]}/can-bo/xu-ly/")
    row = specialist.locator(f'#processing-queue tr[data-code="{dossier.code}"]')
    expect(row).to_be_visible()
    expect(row).to_have_attribute("data-status", "on_time")
    shot(specialist, "processing-1-specialist-queue")
    row.locator(f'a[href="/can-bo/xu-ly/ho-so/{dossier.pk}/"]').click()
    specialist.locator("#take").click()
    expect(specialist.locator("#assignee")).to_contain_text("Lê Văn Cường")

    # 3. An empty result is refused with the typed text kept; then the result with its file.
    specialist.locator("#id_result-result_text").fill("Giấy chứng nhận đăng ký hộ kinh doanh số 45")
    specialist.locator("#submit-result").click()
    expect(specialist.locator("#id_result-result_text")).to_have_value(
        "Giấy chứng nhận đăng ký hộ kinh doanh số 45"
    )
    expect(specialist.locator("#form-result .errorlist")).to_be_visible()
    shot(specialist, "processing-2-result-error")
    specialist.locator("#id_result-result_files").set_input_files(str(result_pdf))
    specialist.locator("#submit-result").click()
    expect(specialist.locator("#awaiting-leader")).to_be_visible()
    expect(specialist.locator("#pending-badge")).to_be_visible()
    shot(specialist, "processing-3-awaiting-approval")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING

    # 4. The leader lands on the dashboard, opens the queue of what awaits approval, approves.
    leader = people()
    staff_log_in(leader, leader_user)
    expect(leader.locator("#dashboard-totals")).to_be_visible()
    expect(leader.locator('#dashboard-totals [data-figure="awaiting_approval"]')).to_contain_text(
        "1"
    )
    shot(leader, "processing-4-dashboard")
    leader.locator('#dashboard-totals [data-figure="awaiting_approval"] a').click()
    row = leader.locator(f'#processing-queue tr[data-code="{dossier.code}"]')
    expect(row.locator('[data-pending="result"]')).to_be_visible()
    row.locator("a.mono").click()
    expect(leader.locator("#form-decide")).to_be_visible()
    preview = leader.locator("#proposals .desk-file-link")
    expect(preview).to_have_text("giay-chung-nhan.pdf")
    shot(leader, "processing-5-leader-decides")
    leader.locator("#approve").click()
    expect(leader.locator("#dossier-state")).to_have_attribute("data-state", "done")
    shot(leader, "processing-6-approved")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DONE and dossier.delivered_at is None

    # 5. The citizen downloads the result from "My dossiers": that is the delivery.
    citizen = people()
    citizen.goto("/tai-khoan/dang-nhap/")
    citizen.locator("input[name='auth-username']").fill(citizen_user.national_id)
    citizen.locator("input[name='auth-password']").fill(PASSWORD)
    citizen.locator("form button[type=submit].btn-primary").click()
    citizen.goto("/ho-so-cua-toi/")
    citizen.locator(f'tr[data-dossier="{dossier.pk}"] a.dossier-code').click()
    expect(citizen.locator("#result-text")).to_contain_text("số 45")
    link = citizen.locator("#result-files a.download-link")
    expect(link).to_have_count(1)
    shot(citizen, "processing-7-citizen-result")
    with citizen.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "giay-chung-nhan.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    dossier.refresh_from_db()
    assert dossier.delivered_at is not None
    assert dossier.events.filter(kind=DossierEvent.Kind.DELIVERED).count() == 1
    citizen.reload()
    expect(citizen.locator("#dossier-status")).to_be_visible()
    shot(citizen, "processing-8-citizen-delivered")


def test_demo_queue_and_dashboard_look_right(people):
    call_command("seed_demo")

    specialist = people()
    staff_log_in(specialist, User.objects.get(username="chuyenvien"), password=DEMO_PASSWORD)
    expect(specialist.locator("#processing-queue")).to_be_visible()
    expect(specialist.locator('#processing-queue tr[data-status="overdue"]')).to_have_count(1)
    shot(specialist, "processing-demo-specialist-queue")
    leader = people()
    staff_log_in(leader, User.objects.get(username="lanhdao"), password=DEMO_PASSWORD)
    expect(leader.locator("#dashboard-departments")).to_be_visible()
    shot(leader, "processing-demo-dashboard")
    leader.goto("/can-bo/xu-ly/")
    shot(leader, "processing-demo-leader-queue")


def test_desk_hands_over_a_result_at_the_desk(people):
    call_command("seed_demo")
    done = Dossier.objects.get(
        state="done",
        return_method="desk",
        delivered_at=None,
        applicant_name="Lê Thị Thu Hà",
        proposals__isnull=False,
    )
    desk = people()
    staff_log_in(desk, User.objects.get(username="motcua"), password=DEMO_PASSWORD)
    desk.locator("#nav-handover").click()
    row = desk.locator(f'#handover-queue tr[data-code="{done.code}"]')
    expect(row).to_be_visible()
    shot(desk, "processing-handover-queue")
    row.locator("a.mono").click()
    desk.locator("#id_collect-collector_name").fill("Lê Thị Thu Hà")
    desk.locator('#form-collect button[type="submit"]').click()
    expect(desk.locator("#id_collect-collector_name")).to_have_value("Lê Thị Thu Hà")
    expect(desk.locator("#form-collect .errorlist")).to_be_visible()
    desk.locator("#id_collect-collector_id_number").fill("054190007777")
    desk.locator("#id_collect-id_check_note").fill("Đã đối chiếu CCCD bản gốc.")
    desk.locator('#form-collect button[type="submit"]').click()
    expect(desk.locator("#delivery")).to_contain_text("054190007777")
    shot(desk, "processing-handover-recorded")
    done.refresh_from_db()
    assert done.delivered_at is not None
