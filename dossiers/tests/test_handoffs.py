"""Inter-agency hand-offs: sub-deadlines, who may act, who may see, and the control slip."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from dossiers import handoffs, notices, selectors
from dossiers.errors import DossierPermissionError, DossierStateError, DossierValidationError
from dossiers.models import Attachment, Dossier, DossierEvent, Handoff, Notice
from dossiers.tests.deadline_helpers import at, clock_fixture, forwarded_dossier  # noqa: F401
from dossiers.tests.factories import DossierFactory, desk_officer_for, pdf_upload
from dossiers.tests.test_notices import pdf_text
from portal.roles import Role
from procedures import services as procedure_services
from procedures.models import InterAgencyStep
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, DepartmentFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tax():
    agency = AgencyFactory(name="Chi cục Thuế khu vực Tuy Hòa")
    department = DepartmentFactory(agency=agency, name="Đội Trước bạ")
    return agency, department


@pytest.fixture
def procedure(tax):
    procedure = ProcedureFactory(level4=True, published=True, processing_time=Decimal(10))
    InterAgencyStep.objects.create(
        procedure=procedure,
        agency=tax[0],
        description="Xác định nghĩa vụ tài chính",
        working_days=Decimal(3),
    )
    procedure_services.procedure_record_edit(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure


@pytest.fixture
def case(clock, procedure, tax):
    dossier, _department, specialist = forwarded_dossier(
        clock, accepted=at(2026, 11, 30, 8), procedure=procedure
    )
    receiver = staff_user(Role.SPECIALIST, agency=tax[0], department=tax[1])
    return dossier, specialist, receiver


def _send(clock, dossier, specialist, department, when=None, **kwargs):
    clock.set(when or at(2026, 12, 1, 9))
    return handoffs.handoff_send(
        dossier_id=dossier.pk,
        giver=specialist,
        to_department=department,
        task="Xác định nghĩa vụ tài chính",
        **kwargs,
    )


def test_the_sub_deadline_defaults_to_the_procedure_step_in_working_days(clock, case, tax):
    dossier, specialist, _receiver = case
    handoff = _send(clock, dossier, specialist, tax[1])  # Tuesday 01/12/2026 09:00
    assert handoff.working_days == Decimal(3)
    assert handoff.due_at == at(2026, 12, 4, 9)  # Friday 09:00
    assert handoff.giver == specialist and handoff.from_department == dossier.department
    assert handoffs.open_handoff(dossier) == handoff
    event = dossier.events.get(kind=DossierEvent.Kind.HANDOFF_SENT)
    assert event.data["to_department"] == "Đội Trước bạ"


def test_the_giver_may_set_another_sub_deadline_over_a_weekend(clock, case, tax):
    dossier, specialist, _receiver = case
    handoff = _send(
        clock, dossier, specialist, tax[1], when=at(2026, 12, 4, 15), working_days="1,5"
    )
    assert handoff.due_at == at(2026, 12, 8, 9, 30)  # Fri 2 h + Mon 8 h + Tue 07:30-09:30


def test_without_a_step_the_giver_must_give_the_days(clock, case):
    dossier, specialist, _receiver = case
    elsewhere = DepartmentFactory(agency=AgencyFactory())
    with pytest.raises(DossierValidationError) as error:
        _send(clock, dossier, specialist, elsewhere)
    assert "working_days" in error.value.field_errors
    for bad in ("0", "-1", "abc", "400"):
        with pytest.raises(DossierValidationError) as error:
            _send(clock, dossier, specialist, elsewhere, working_days=bad)
        assert "working_days" in error.value.field_errors
    desk = DepartmentFactory(agency=AgencyFactory(), one_stop_desk=True)
    with pytest.raises(DossierValidationError) as error:
        _send(clock, dossier, specialist, desk, working_days="2")
    assert "to_department" in error.value.field_errors
    assert not Handoff.objects.exists()


def test_one_open_hand_off_at_a_time(clock, case, tax):
    dossier, specialist, _receiver = case
    _send(clock, dossier, specialist, tax[1])
    with pytest.raises(DossierStateError):
        _send(clock, dossier, specialist, DepartmentFactory(agency=AgencyFactory()), working_days=2)
    assert Handoff.objects.count() == 1


def test_only_the_handling_unit_may_send(clock, case, tax):
    dossier, _specialist, receiver = case
    other_department = staff_user(
        Role.SPECIALIST, agency=dossier.agency, department=DepartmentFactory(agency=dossier.agency)
    )
    for person in (other_department, receiver, desk_officer_for(dossier), dossier.applicant):
        with pytest.raises(DossierPermissionError):
            _send(clock, dossier, person, tax[1])
    leader = staff_user(Role.LEADER, agency=dossier.agency)
    assert _send(clock, dossier, leader, tax[1]).giver == leader


def test_receive_and_return_by_the_receiving_unit_only(clock, case, tax):
    dossier, specialist, receiver = case
    handoff = _send(clock, dossier, specialist, tax[1])
    same_agency_other_department = staff_user(
        Role.SPECIALIST, agency=tax[0], department=DepartmentFactory(agency=tax[0])
    )
    for person in (
        specialist,
        same_agency_other_department,
        staff_user(Role.DESK_OFFICER, agency=tax[0]),
    ):
        with pytest.raises(DossierPermissionError):
            handoffs.handoff_receive(handoff_id=handoff.pk, receiver=person)
    with pytest.raises(DossierStateError):
        handoffs.handoff_return(handoff_id=handoff.pk, actor=receiver, outcome="Xong")
    clock.set(at(2026, 12, 1, 10))
    handoffs.handoff_receive(handoff_id=handoff.pk, receiver=receiver)
    with pytest.raises(DossierStateError):
        handoffs.handoff_receive(handoff_id=handoff.pk, receiver=receiver)
    with pytest.raises(DossierPermissionError):
        handoffs.handoff_return(handoff_id=handoff.pk, actor=specialist, outcome="Xong")
    with pytest.raises(DossierValidationError) as error:
        handoffs.handoff_return(handoff_id=handoff.pk, actor=receiver, outcome=" ")
    assert "outcome" in error.value.field_errors

    clock.set(at(2026, 12, 2, 15))
    handoffs.handoff_return(
        handoff_id=handoff.pk,
        actor=receiver,
        outcome="Đã xác định số tiền lệ phí trước bạ",
        upload=pdf_upload("thong-bao-thue.pdf"),
    )
    handoff.refresh_from_db()
    assert handoff.received_at == at(2026, 12, 1, 10) and handoff.receiver == receiver
    assert handoff.returned_at == at(2026, 12, 2, 15)
    assert handoff.result_at(at(2026, 12, 9)) == Handoff.Result.EARLY
    assert handoff.outcome_file.kind == Attachment.Kind.HANDOFF
    assert handoffs.open_handoff(dossier) is None
    with pytest.raises(DossierStateError):
        handoffs.handoff_return(handoff_id=handoff.pk, actor=receiver, outcome="Lần hai")


@pytest.mark.parametrize(
    ("returned", "result", "late"),
    [
        (at(2026, 12, 2, 15), Handoff.Result.EARLY, Decimal(0)),
        (at(2026, 12, 4, 8), Handoff.Result.ON_TIME, Decimal(0)),
        (at(2026, 12, 4, 9), Handoff.Result.ON_TIME, Decimal(0)),
        # Fri 09:00-11:30 and 13:00-17:00, Mon 07:30-10:00: nine working hours late.
        (at(2026, 12, 7, 10), Handoff.Result.LATE, Decimal(9)),
    ],
)
def test_lateness_is_attributed_to_the_step_that_caused_it(
    clock,
    case,
    tax,
    returned,
    result,
    late,
):
    dossier, specialist, receiver = case
    handoff = _send(clock, dossier, specialist, tax[1])
    clock.set(at(2026, 12, 1, 10))
    handoffs.handoff_receive(handoff_id=handoff.pk, receiver=receiver)
    clock.set(returned)
    handoffs.handoff_return(handoff_id=handoff.pk, actor=receiver, outcome="Xong")
    handoff.refresh_from_db()
    assert handoff.result_at(returned) == result
    assert handoffs.late_hours(handoff) == late
    steps = handoffs.process_steps(dossier, now=returned)
    # Reception (forwarded within the half day, the same day), the tax step, the department.
    assert [step.result for step in steps] == [Handoff.Result.ON_TIME, result, Handoff.Result.OPEN]
    assert [step.kind for step in steps] == ["reception", "handoff", "settle"]
    late_steps = handoffs.late_steps(dossier, now=returned)
    if late:
        [step] = late_steps
        assert "Đội Trước bạ" in step.receiver and step.late_hours == late
    else:
        assert late_steps == []


def test_an_open_step_past_its_sub_deadline_is_late_now(clock, case, tax):
    dossier, specialist, _receiver = case
    _send(clock, dossier, specialist, tax[1])
    [step] = handoffs.late_steps(dossier, now=at(2026, 12, 4, 10))
    assert step.late_hours == Decimal(1)


# --- Who may see what -------------------------------------------------------------------------


def test_the_receiving_unit_sees_only_dossiers_handed_to_it(clock, case, tax):
    dossier, specialist, receiver = case
    attachment = Attachment.objects.create(
        dossier=dossier,
        document_name="Tờ khai",
        file="dossiers/x.pdf",
        original_name="to-khai.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    other_dossier_of_lead = DossierFactory(processing=True, procedure=dossier.procedure)
    tax_leader = staff_user(Role.LEADER, agency=tax[0])
    tax_other_department = staff_user(
        Role.SPECIALIST, agency=tax[0], department=DepartmentFactory(agency=tax[0])
    )
    tax_desk = staff_user(Role.DESK_OFFICER, agency=tax[0])
    for person in (receiver, tax_leader, tax_other_department, tax_desk):
        assert selectors.staff_dossier(user=person, dossier_id=dossier.pk) is None
        assert not selectors.dossiers_visible_to(person).filter(pk=dossier.pk).exists()
    _send(clock, dossier, specialist, tax[1])
    for person in (receiver, tax_leader):
        assert selectors.staff_dossier(user=person, dossier_id=dossier.pk) == dossier
        assert (
            selectors.staff_attachment(
                user=person, dossier_id=dossier.pk, attachment_id=attachment.pk
            )
            == attachment
        )
        visible = selectors.dossiers_visible_to(person)
        assert list(visible.filter(agency=dossier.agency)) == [dossier]
        assert not visible.filter(pk=other_dossier_of_lead.pk).exists()
    for person in (tax_other_department, tax_desk):
        assert selectors.staff_dossier(user=person, dossier_id=dossier.pk) is None
        assert (
            selectors.staff_attachment(
                user=person, dossier_id=dossier.pk, attachment_id=attachment.pk
            )
            is None
        )
    # The other way round: the lead agency does not see the tax office's own dossiers.
    tax_dossier = DossierFactory(
        processing=True, procedure=ProcedureFactory(agency=tax[0], level4=True, published=True)
    )
    assert selectors.staff_dossier(user=specialist, dossier_id=tax_dossier.pk) is None
    assert selectors.staff_dossier(user=specialist, dossier_id=dossier.pk) == dossier


def test_pages_refuse_strangers_and_let_the_receiver_act(clock, case, tax, client, login_staff):
    dossier, specialist, receiver = case
    handoff = _send(clock, dossier, specialist, tax[1])
    stranger = staff_user(
        Role.SPECIALIST, agency=tax[0], department=DepartmentFactory(agency=tax[0])
    )
    login_staff(stranger)
    assert client.get(reverse("handling:dossier", args=[dossier.pk])).status_code == 404
    response = client.post(reverse("handling:handoff_receive", args=[handoff.pk]))
    assert response.status_code == 404
    assert client.get(reverse("handling:control_slip", args=[dossier.pk])).status_code == 404
    client.logout()
    login_staff(receiver)
    page = client.get(reverse("handling:inbox"))
    assert dossier.code in page.content.decode()
    page = client.get(reverse("handling:dossier", args=[dossier.pk]))
    assert page.status_code == 200 and 'id="handoff-receive"' in page.content.decode()
    assert 'id="handoff-submit"' not in page.content.decode()
    # The control slip (with officers' names) stays with the lead agency.
    assert client.get(reverse("handling:control_slip", args=[dossier.pk])).status_code == 404
    response = client.post(reverse("handling:handoff_receive", args=[handoff.pk]))
    assert response.status_code == 302
    handoff.refresh_from_db()
    assert handoff.receiver == receiver
    response = client.post(
        reverse("handling:handoff_return", args=[handoff.pk]), {"return-outcome": ""}
    )
    assert response.status_code == 200  # the page again, with the error
    handoff.refresh_from_db()
    assert handoff.returned_at is None


# --- Control slip -----------------------------------------------------------------------------


def test_the_control_slip_lists_reception_and_every_hand_off(clock, case, tax):
    dossier, specialist, receiver = case
    handoff = _send(clock, dossier, specialist, tax[1])
    clock.set(at(2026, 12, 1, 10))
    handoffs.handoff_receive(handoff_id=handoff.pk, receiver=receiver)
    clock.set(at(2026, 12, 7, 10))
    handoffs.handoff_return(handoff_id=handoff.pk, actor=receiver, outcome="Xong")
    dossier = Dossier.objects.get(pk=dossier.pk)
    notice = notices.control_slip(dossier)
    assert notice.status == Notice.Status.READY
    text = pdf_text(notice)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert dossier.code in text
    assert "Giao: Bộ phận tiếp nhận và trả kết quả, " + dossier.agency.name in text
    assert "Phòng Quản lý đô thị" in text
    assert "Đội Trước bạ, Chi cục Thuế khu vực Tuy Hòa" in text
    assert specialist.full_name in text and receiver.full_name in text
    assert "Giao: 09:00 01/12/2026" in text
    assert "Nhận: 10:00 01/12/2026" in text
    assert "09:00 04/12/2026" in text  # the sub-deadline
    assert "Quá hạn" in text and "quá 1 ngày 1 giờ làm việc" in text
    assert "Đúng hạn" in text  # forwarded within the half day
    assert "Ghi chú" in text  # the notes column, where the lateness is written
    assert "(1) Người nhận ghi rõ giờ, ngày, tháng, năm nhận hồ sơ" in text
    assert "(2) Kết quả giải quyết của từng bước" in text
    assert "Mẫu số 06 ban hành kèm theo Thông tư số 03/2025/TT-VPCP" in text
    # Stored once: asking again without a new step gives the same file.
    again = notices.control_slip(dossier)
    assert again.pk == notice.pk and again.file.name == notice.file.name
    # The citizen's notices never include it.
    assert not notices.notices_for(dossier).filter(kind=Notice.Kind.CONTROL_SLIP).exists()


def test_the_receiving_unit_is_told_and_the_result_waits_for_the_step(clock, case, tax):
    from dossiers import processing
    from portal.models import Notification

    dossier, specialist, receiver = case
    _send(clock, dossier, specialist, tax[1])
    message = Notification.objects.get(user=receiver, template="queue_new_dossier")
    assert message.context["code"] == dossier.code
    assert message.context["due"] == "09:00 04/12/2026"
    assert "/can-bo/lien-thong/" in message.context["url"]
    leader = staff_user(Role.LEADER, agency=dossier.agency)
    with pytest.raises(DossierStateError):
        processing.dossier_propose_result(
            dossier_id=dossier.pk,
            actor=leader,
            result_text="Xong",
            files=[pdf_upload("ket-qua.pdf")],
        )
    assert not dossier.proposals.exists()


def _rows_per_page(document) -> list[set[int]]:
    """For each page of a laid-out slip, the table rows (by their HTML element) drawn on it."""
    from weasyprint.formatting_structure import boxes

    pages = []
    for page in document.pages:
        found: set[int] = set()
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            if isinstance(box, boxes.TableRowBox) and box.element is not None:
                found.add(id(box.element))
            stack.extend(getattr(box, "children", []))
        pages.append(found)
    return pages


def test_a_long_control_slip_never_splits_a_row_across_pages(clock, case, tax):
    dossier, specialist, receiver = case
    for step in range(14):
        handoff = _send(
            clock, dossier, specialist, tax[1], when=at(2026, 12, 1, 8) + timedelta(minutes=step)
        )
        handoffs.handoff_receive(handoff_id=handoff.pk, receiver=receiver)
        handoffs.handoff_return(handoff_id=handoff.pk, actor=receiver, outcome="Xong")
    notice = notices.control_slip(Dossier.objects.get(pk=dossier.pk))
    pages = _rows_per_page(notices.layout(notice))
    assert len(pages) >= 2
    drawn: dict[int, int] = {}
    for rows in pages:
        for row in rows:
            drawn[row] = drawn.get(row, 0) + 1
    # The header row repeats on every page by design; a body row is on one page only.
    assert len([row for row, count in drawn.items() if count > 1]) == 1
