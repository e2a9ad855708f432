"""Inter-agency hand-off and a late dossier's apology, in a real browser.

1. A specialist hands a step of a processing dossier to the tax office; the tax office
   acknowledges it and hands it back with its answer; the specialist then records the result
   and a leader approves it. The control slip lists every step.
2. A second dossier is overdue: the specialist drafts an apology (a Saturday is refused with a
   clear message), a leader approves it, and the citizen sees both dates and downloads the
   apology.

Each person has their own browser context and logs in with a one-time code like staff do.
"""

import io
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from dossiers import services
from dossiers.models import Dossier, Handoff
from dossiers.tests.factories import pdf_upload
from portal import workdays
from portal.roles import Role
from procedures import services as procedure_services
from procedures.models import InterAgencyStep
from procedures.tests.factories import ProcedureFactory
from tests.conftest import ARTIFACTS, shot
from tests.factories import PASSWORD, AgencyFactory, DepartmentFactory, UserFactory, staff_user
from tests.test_processing_browser import staff_log_in

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


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def forwarded_online_dossier(*, with_tax_step: bool, at=None):
    """Submitted, accepted and forwarded `at` (now by default), as the services record it."""
    if at is None:
        return _forwarded_online_dossier(with_tax_step=with_tax_step)
    with mock.patch("django.utils.timezone.now", return_value=at):
        return _forwarded_online_dossier(with_tax_step=with_tax_step)


def _forwarded_online_dossier(*, with_tax_step: bool):
    agency = AgencyFactory(name="UBND thành phố Tuy Hòa", code="000.00.21.H45")
    department = DepartmentFactory(agency=agency, name="Phòng Tài nguyên và Môi trường")
    tax = AgencyFactory(name="Chi cục Thuế khu vực Tuy Hòa", code="000.00.31.H45")
    tax_department = DepartmentFactory(agency=tax, name="Đội Trước bạ")
    procedure = ProcedureFactory(
        agency=agency,
        level4=True,
        name="Đăng ký biến động quyền sử dụng đất",
        processing_time=10,
        requires_leader_approval=True,
    )
    procedure.documents.create(name="Đơn đăng ký biến động", position=1)
    if with_tax_step:
        InterAgencyStep.objects.create(
            procedure=procedure,
            agency=tax,
            description="Xác định nghĩa vụ tài chính",
            working_days=Decimal(3),
        )
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
    desk = staff_user(Role.DESK_OFFICER, agency=agency)
    services.dossier_accept(dossier_id=dossier.pk, officer=desk)
    services.dossier_forward(dossier_id=dossier.pk, officer=desk, department=department)
    dossier.refresh_from_db()
    return dossier, department, tax_department, citizen


def test_a_step_goes_to_the_tax_office_and_comes_back(people, tmp_path):
    dossier, department, tax_department, _citizen = forwarded_online_dossier(with_tax_step=True)
    specialist_user = staff_user(
        Role.SPECIALIST, agency=dossier.agency, department=department, full_name="Lê Văn Cường"
    )
    leader_user = staff_user(Role.LEADER, agency=dossier.agency, full_name="Phạm Thị Dung")
    tax_user = staff_user(
        Role.SPECIALIST,
        agency=tax_department.agency,
        department=tax_department,
        full_name="Võ Thị Hạnh",
    )
    answer = tmp_path / "thong-bao-nop-thue.pdf"
    Image.new("RGB", (300, 420), "white").save(answer, format="PDF")

    # 1. The specialist opens the processing page: dates, why, and hands the step over.
    specialist = people()
    staff_log_in(specialist, specialist_user)
    specialist.goto(f"/can-bo/xu-ly/ho-so/{dossier.pk}/")
    expect(specialist.locator("#deadline-card")).to_be_visible()
    specialist.locator("#why-date summary").click()
    expect(specialist.locator("#why-date li").first).to_be_visible()
    shot(specialist, "interagency-1-processing-page")
    specialist.locator("#id_handoff-to_department").select_option(
        label="Chi cục Thuế khu vực Tuy Hòa – Đội Trước bạ"
    )
    specialist.locator("#id_handoff-task").fill("Xác định nghĩa vụ tài chính về lệ phí trước bạ")
    specialist.locator("#handoff-submit").click()
    expect(specialist.locator("#where-now-short")).to_contain_text("Đội Trước bạ")
    expect(specialist.locator("#handoff-send")).to_have_count(0)
    shot(specialist, "interagency-2-handed-over")
    handoff = Handoff.objects.get(dossier=dossier)
    assert handoff.working_days == Decimal(3)  # from the procedure's inter-agency step

    # While the step is out, the result cannot be recorded.
    specialist.locator("#take").click()
    specialist.locator("#id_result-result_text").fill("Đã cập nhật biến động")
    specialist.locator("#id_result-result_files").set_input_files(str(answer))
    specialist.locator("#submit-result").click()
    expect(specialist.locator(".messages, .alert-error, [role=alert]").first).to_be_visible()
    assert not dossier.proposals.exists()

    # 2. The tax office sees it in its inbox, acknowledges it and hands it back.
    tax = people()
    staff_log_in(tax, tax_user)
    tax.goto("/can-bo/lien-thong/")
    row = tax.locator(f'#handoff-inbox tr[data-handoff="{handoff.pk}"]')
    expect(row).to_be_visible()
    shot(tax, "interagency-3-tax-inbox")
    row.locator("a.mono").click()
    tax.locator("#handoff-receive").click()
    tax.locator("#handoff-return").click()  # empty: refused, nothing lost
    expect(tax.locator("#form-handoff-return .errorlist")).to_be_visible()
    tax.locator("#id_return-outcome").fill("Đã ra thông báo nộp lệ phí trước bạ: 1.200.000 đồng")
    tax.locator("#id_return-file").set_input_files(str(answer))
    tax.locator("#handoff-return").click()
    expect(tax.locator(f"#handoff-{handoff.pk} .handoff-returned")).not_to_have_text("—")
    shot(tax, "interagency-4-tax-handed-back")
    # The tax office cannot open the lead agency's other pages.
    assert tax.request.get(f"/can-bo/lien-thong/ho-so/{dossier.pk}/phieu-kiem-soat/").status == 404

    # 3. Back at the lead agency: the result, then the leader's approval.
    specialist.goto(f"/can-bo/xu-ly/ho-so/{dossier.pk}/")
    expect(specialist.locator("#where-now-short")).to_have_count(0)
    specialist.locator("#id_result-result_text").fill("Đã cập nhật biến động, số 1234")
    specialist.locator("#id_result-result_files").set_input_files(str(answer))
    specialist.locator("#submit-result").click()
    expect(specialist.locator("#awaiting-leader")).to_be_visible()
    leader = people()
    staff_log_in(leader, leader_user)
    leader.goto(f"/can-bo/xu-ly/ho-so/{dossier.pk}/")
    leader.locator("#approve").click()
    expect(leader.locator("#dossier-state")).to_have_attribute("data-state", "done")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DONE

    # 4. The control slip lists the desk, the hand-off and the result, each judged.
    leader.goto(f"/can-bo/lien-thong/ho-so/{dossier.pk}/")
    expect(leader.locator("#process-steps tbody tr")).to_have_count(3)
    shot(leader, "interagency-5-control")
    response = leader.request.get(f"/can-bo/lien-thong/ho-so/{dossier.pk}/phieu-kiem-soat/")
    assert response.status == 200
    text = pdf_text(response.body())
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Đội Trước bạ, Chi cục Thuế khu vực Tuy Hòa (Võ Thị Hạnh)" in text
    assert "Lê Văn Cường" in text
    assert "Hoàn thành" in text


def test_a_late_dossier_gets_an_apology_the_citizen_can_download(people):
    # Submitted and accepted online three weeks ago: 5 working days (halved), long past.
    past = workdays.next_working_moment(timezone.now() - timedelta(days=21))
    dossier, department, _tax_department, citizen_user = forwarded_online_dossier(
        with_tax_step=False, at=past
    )
    due = dossier.due_at
    assert due == workdays.add_working_days(past, 5) and due < timezone.now()
    specialist_user = staff_user(
        Role.SPECIALIST, agency=dossier.agency, department=department, full_name="Lê Văn Cường"
    )
    leader_user = staff_user(Role.LEADER, agency=dossier.agency, full_name="Phạm Thị Dung")
    today = timezone.localdate()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    new_day = timezone.localdate(workdays.add_working_days(timezone.now(), 3))

    # 1. The specialist sees the overdue badge and drafts the apology.
    specialist = people()
    staff_log_in(specialist, specialist_user)
    specialist.goto(f"/can-bo/xu-ly/ho-so/{dossier.pk}/")
    expect(specialist.locator("#apology-draft")).to_be_visible()
    reason = "Chờ kết quả đo đạc lại thửa đất"
    specialist.locator("#id_apology-reason").fill(reason)
    specialist.locator("#id_apology-new_date").fill(saturday.isoformat())
    specialist.locator("#apology-submit").click()
    expect(specialist.locator("#form-apology .errorlist")).to_contain_text(
        saturday.strftime("%d/%m/%Y")
    )
    expect(specialist.locator("#id_apology-reason")).to_have_value(reason)
    shot(specialist, "apology-1-weekend-refused")
    specialist.locator("#id_apology-new_date").fill(new_day.isoformat())
    specialist.locator("#apology-submit").click()
    expect(specialist.locator("#apology-pending")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.appointment_at == due  # nothing changes before the leader approves

    # 2. The leader approves.
    leader = people()
    staff_log_in(leader, leader_user)
    leader.goto(f"/can-bo/xu-ly/ho-so/{dossier.pk}/")
    expect(leader.locator("#apology-decision")).to_contain_text(reason)
    shot(leader, "apology-2-leader-decides")
    leader.locator("#apology-approve").click()
    expect(leader.locator("#apology-decision")).to_have_count(0)
    dossier.refresh_from_db()
    assert timezone.localdate(dossier.appointment_at) == new_day
    assert dossier.due_at == due

    # 3. The citizen sees both dates, why, and downloads the apology.
    citizen = people()
    citizen.goto("/tai-khoan/dang-nhap/")
    citizen.locator("input[name='auth-username']").fill(citizen_user.national_id)
    citizen.locator("input[name='auth-password']").fill(PASSWORD)
    citizen.locator("form button[type=submit].btn-primary").click()
    citizen.goto("/ho-so-cua-toi/")
    citizen.locator(f'tr[data-dossier="{dossier.pk}"] a.dossier-code').click()
    expect(citizen.locator("#appointment")).to_contain_text(new_day.strftime("%d/%m/%Y"))
    expect(citizen.locator("#legal-due")).to_contain_text(
        timezone.localtime(due).strftime("%d/%m/%Y")
    )
    citizen.locator("#why-date summary").click()
    expect(citizen.locator("#why-date")).to_contain_text(reason)
    shot(citizen, "apology-3-citizen-dates")
    link = citizen.locator("#notices a.download-link").last
    href = link.get_attribute("href")
    response = citizen.request.get(href)
    assert response.status == 200
    text = pdf_text(response.body())
    # The 2025 form set (the default): Form 04 of Circular 03/2025/TT-VPCP.
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert reason in text and new_day.strftime("%d/%m/%Y") in text
