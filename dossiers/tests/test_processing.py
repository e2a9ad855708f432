"""Processing by the department: assignment, result and refusal proposals, leader approval."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from dossiers import processing
from dossiers.errors import DossierPermissionError, DossierStateError, DossierValidationError
from dossiers.models import Attachment, Dossier, DossierEvent, Proposal
from dossiers.tests.factories import (
    DossierFactory,
    desk_officer_for,
    forwarded_dossier,
    leader_for,
    pdf_upload,
    specialist_for,
)
from portal.models import Notification
from portal.roles import Role
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, DepartmentFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are matched in English, whatever the portal's default language.
    with translation.override("en"):
        yield


def templates_for(user) -> list[str]:
    return sorted(set(Notification.objects.filter(user=user).values_list("template", flat=True)))


def assigned_dossier(**kwargs):
    dossier = forwarded_dossier(**kwargs)
    specialist = specialist_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    dossier.refresh_from_db()
    return dossier, specialist


def propose(dossier, actor, text="Giấy chứng nhận số 123/GCN ngày 24/11/2026"):
    return processing.dossier_propose_result(
        dossier_id=dossier.pk, actor=actor, result_text=text, files=[pdf_upload("ket-qua.pdf")]
    )


# --- Assignment ----------------------------------------------------------------------------


def test_a_leader_assigns_a_specialist_of_the_department_who_is_notified():
    dossier = forwarded_dossier()
    leader, specialist = leader_for(dossier), specialist_for(dossier)
    processing.dossier_assign(dossier_id=dossier.pk, actor=leader, assignee=specialist)
    dossier.refresh_from_db()
    assert dossier.assignee == specialist
    event = dossier.events.get(kind=DossierEvent.Kind.ASSIGNED)
    assert event.actor == leader and event.data["assignee"] == specialist.pk
    assert templates_for(specialist) == ["queue_new_dossier"]
    mail = Notification.objects.get(user=specialist, channel="email")
    assert mail.context["code"] == dossier.code
    assert mail.context["url"].endswith(f"/can-bo/xu-ly/ho-so/{dossier.pk}/")


def test_a_leader_cannot_assign_someone_outside_the_department():
    dossier = forwarded_dossier()
    leader = leader_for(dossier)
    other_department = staff_user(
        Role.SPECIALIST, agency=dossier.agency, department=DepartmentFactory(agency=dossier.agency)
    )
    other_agency = staff_user(Role.SPECIALIST)
    desk = desk_officer_for(dossier, department=dossier.department)
    for person in (other_department, other_agency, desk, UserFactory()):
        with pytest.raises(DossierValidationError) as error:
            processing.dossier_assign(dossier_id=dossier.pk, actor=leader, assignee=person)
        assert "assignee" in error.value.field_errors
    dossier.refresh_from_db()
    assert dossier.assignee is None


def test_a_specialist_takes_an_unassigned_dossier_of_their_department_without_a_message():
    dossier = forwarded_dossier()
    specialist = specialist_for(dossier)
    processing.dossier_assign(dossier_id=dossier.pk, actor=specialist, assignee=specialist)
    dossier.refresh_from_db()
    assert dossier.assignee == specialist
    assert templates_for(specialist) == []  # nobody tells you what you just did


def test_a_specialist_cannot_take_a_dossier_someone_else_has():
    dossier, holder = assigned_dossier()
    other = specialist_for(dossier)
    with pytest.raises(DossierStateError, match="already been taken"):
        processing.dossier_assign(dossier_id=dossier.pk, actor=other, assignee=other)
    dossier.refresh_from_db()
    assert dossier.assignee == holder


def test_a_specialist_cannot_assign_a_colleague():
    dossier = forwarded_dossier()
    first, second = specialist_for(dossier), specialist_for(dossier)
    with pytest.raises(DossierPermissionError):
        processing.dossier_assign(dossier_id=dossier.pk, actor=first, assignee=second)


@pytest.mark.parametrize("who", ["other_department", "other_agency", "desk", "citizen", "leader"])
def test_people_outside_the_department_cannot_take_a_dossier(who):
    dossier = forwarded_dossier()
    other_agency_dossier = forwarded_dossier()
    person = {
        "other_department": lambda: staff_user(
            Role.SPECIALIST,
            agency=dossier.agency,
            department=DepartmentFactory(agency=dossier.agency),
        ),
        "other_agency": lambda: specialist_for(other_agency_dossier),
        "desk": lambda: desk_officer_for(dossier, department=dossier.department),
        "citizen": lambda: dossier.applicant,
        # A leader of another agency.
        "leader": lambda: leader_for(other_agency_dossier),
    }[who]()
    with pytest.raises(DossierPermissionError):
        processing.dossier_assign(dossier_id=dossier.pk, actor=person, assignee=person)
    dossier.refresh_from_db()
    assert dossier.assignee is None


def test_nothing_is_assigned_before_the_desk_forwards_the_dossier():
    dossier = DossierFactory(processing=True)
    leader = leader_for(dossier)
    specialist = staff_user(Role.SPECIALIST, agency=dossier.agency)
    with pytest.raises(DossierStateError, match="not being processed by a department"):
        processing.dossier_assign(dossier_id=dossier.pk, actor=leader, assignee=specialist)


# --- The result, approved by a leader -------------------------------------------------------


def test_a_result_waits_for_a_leader_where_the_procedure_requires_it():
    dossier, specialist = assigned_dossier()
    leader = leader_for(dossier)
    assert dossier.procedure_version.data["requires_leader_approval"] is True
    proposal = propose(dossier, specialist)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    assert proposal.status == Proposal.Status.PENDING
    assert dossier.events.filter(kind=DossierEvent.Kind.RESULT_PROPOSED).count() == 1
    result = dossier.attachments.get(kind=Attachment.Kind.RESULT)
    assert result.proposal == proposal and result.content_type == "application/pdf"
    assert templates_for(leader) == ["queue_new_dossier"]
    assert not Notification.objects.filter(template="result_ready").exists()

    processing.proposal_approve(dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DONE
    assert dossier.result_text == "Giấy chứng nhận số 123/GCN ngày 24/11/2026"
    assert dossier.finished_at is not None
    completed = dossier.events.get(kind=DossierEvent.Kind.COMPLETED)
    assert completed.actor == leader and completed.data["proposed_by"] == specialist.pk
    assert templates_for(dossier.applicant) == ["result_ready"]


def test_leader_approval_cannot_be_skipped_where_required():
    dossier, specialist = assigned_dossier()
    proposal = propose(dossier, specialist)
    # The specialist cannot approve their own proposal, nor can a colleague.
    for person in (specialist, specialist_for(dossier), desk_officer_for(dossier)):
        with pytest.raises(DossierPermissionError):
            processing.proposal_approve(
                dossier_id=dossier.pk, proposal_id=proposal.pk, leader=person
            )
    # Nor propose again to get round it.
    with pytest.raises(DossierStateError, match="already awaiting"):
        propose(dossier, specialist)
    # Even the internal step that issues the result refuses a specialist's decision.
    proposal.status, proposal.decided_by = Proposal.Status.APPROVED, specialist
    with pytest.raises(DossierPermissionError, match="approval of a leader"):
        processing._finish_with_result(Dossier.objects.get(pk=dossier.pk), proposal)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    assert not dossier.events.filter(kind=DossierEvent.Kind.COMPLETED).exists()
    assert not Notification.objects.filter(template="result_ready").exists()


def test_without_required_approval_the_specialist_issues_the_result_at_once():
    procedure = ProcedureFactory(level4=True, published=True, requires_leader_approval=False)
    dossier, specialist = assigned_dossier(procedure=procedure)
    assert dossier.procedure_version.data["requires_leader_approval"] is False
    proposal = propose(dossier, specialist)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DONE
    assert proposal.status == Proposal.Status.APPROVED and proposal.decided_by == specialist
    assert templates_for(dossier.applicant) == ["result_ready"]


def test_the_version_decides_not_the_current_procedure():
    # Approval required when the dossier was submitted; switched off later: still required.
    dossier, specialist = assigned_dossier()
    dossier.procedure.requires_leader_approval = False
    dossier.procedure.save()
    propose(dossier, specialist)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING


def test_a_leaders_own_result_is_final():
    dossier = forwarded_dossier()
    leader = leader_for(dossier)
    propose(dossier, leader)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DONE
    assert dossier.events.get(kind=DossierEvent.Kind.COMPLETED).actor == leader


def test_a_result_needs_text_and_a_real_file():
    dossier, specialist = assigned_dossier()
    with pytest.raises(DossierValidationError) as error:
        processing.dossier_propose_result(
            dossier_id=dossier.pk, actor=specialist, result_text="  ", files=[]
        )
    assert set(error.value.field_errors) == {"result_text", "result_files"}
    fake = pdf_upload("ket-qua.pdf", b"MZ\x90\x00 not a pdf at all")
    with pytest.raises(DossierValidationError, match="not a PDF, JPEG or PNG"):
        processing.dossier_propose_result(
            dossier_id=dossier.pk,
            actor=specialist,
            result_text="Kết quả",
            files=[pdf_upload("trang-1.pdf"), fake],
        )
    assert not Proposal.objects.exists()
    assert not dossier.attachments.exists()
    # The good first file was not left behind on disk either.
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    assert not private.exists() or not [p for p in private.rglob("*") if p.is_file()]


@pytest.mark.parametrize("who", ["unassigned_colleague", "other_department", "other_agency"])
def test_only_the_assignee_or_a_leader_proposes(who):
    dossier, _specialist = assigned_dossier()
    elsewhere = forwarded_dossier()
    person = {
        "unassigned_colleague": lambda: specialist_for(dossier),
        "other_department": lambda: staff_user(
            Role.SPECIALIST,
            agency=dossier.agency,
            department=DepartmentFactory(agency=dossier.agency),
        ),
        "other_agency": lambda: leader_for(elsewhere),
    }[who]()
    with pytest.raises(DossierPermissionError):
        propose(dossier, person)
    with pytest.raises(DossierPermissionError):
        processing.dossier_propose_refusal(dossier_id=dossier.pk, actor=person, reasons="Sai.")
    assert not Proposal.objects.exists()


def test_a_leader_sends_a_result_back_with_a_note_and_the_specialist_tries_again():
    dossier, specialist = assigned_dossier()
    leader = leader_for(dossier)
    first = propose(dossier, specialist, text="Bản nháp thứ nhất")
    with pytest.raises(DossierValidationError) as error:
        processing.proposal_send_back(
            dossier_id=dossier.pk, proposal_id=first.pk, leader=leader, note=" "
        )
    assert "note" in error.value.field_errors
    processing.proposal_send_back(
        dossier_id=dossier.pk, proposal_id=first.pk, leader=leader, note="Sai số quyết định."
    )
    first.refresh_from_db()
    assert first.status == Proposal.Status.SENT_BACK and first.decision_note == "Sai số quyết định."
    assert "queue_new_dossier" in templates_for(specialist)
    sent_back = Notification.objects.filter(user=specialist, channel="email").order_by("-pk")[0]
    assert "Sai số quyết định." in sent_back.context["step_name"]
    # Deciding twice on the same proposal is refused with a clear message.
    with pytest.raises(DossierStateError, match="already been decided"):
        processing.proposal_approve(dossier_id=dossier.pk, proposal_id=first.pk, leader=leader)
    second = propose(dossier, specialist, text="Bản đã sửa")
    processing.proposal_approve(dossier_id=dossier.pk, proposal_id=second.pk, leader=leader)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DONE and dossier.result_text == "Bản đã sửa"


# --- Refusal --------------------------------------------------------------------------------


def test_a_refusal_is_returned_to_the_citizen_only_when_a_leader_approves():
    dossier, specialist = assigned_dossier()
    leader = leader_for(dossier)
    with pytest.raises(DossierValidationError):
        processing.dossier_propose_refusal(dossier_id=dossier.pk, actor=specialist, reasons="")
    proposal = processing.dossier_propose_refusal(
        dossier_id=dossier.pk,
        actor=specialist,
        reasons="Thửa đất nằm trong quy hoạch hành lang giao thông.",
    )
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    assert not Notification.objects.filter(template="dossier_returned").exists()
    processing.proposal_approve(dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RETURNED and dossier.finished_at
    rejected = dossier.events.get(kind=DossierEvent.Kind.REJECTED)
    assert rejected.actor == leader
    assert rejected.reason == "Thửa đất nằm trong quy hoạch hành lang giao thông."
    returned = Notification.objects.get(user=dossier.applicant, channel="email")
    assert returned.template == "dossier_returned"
    assert returned.context["reason"] == "Thửa đất nằm trong quy hoạch hành lang giao thông."


def test_the_citizen_reads_the_refusal_reasons_on_their_dossier(client):
    dossier, specialist = assigned_dossier()
    leader = leader_for(dossier)
    proposal = processing.dossier_propose_refusal(
        dossier_id=dossier.pk, actor=specialist, reasons="Không đủ điều kiện cấp phép."
    )
    processing.proposal_approve(dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader)
    client.force_login(dossier.applicant)
    page = client.get(f"/ho-so-cua-toi/{dossier.pk}/").content.decode()
    assert "Không đủ điều kiện cấp phép." in page
    # Staff names stay internal.
    assert leader.full_name not in page and specialist.full_name not in page


def test_no_other_path_returns_a_processing_dossier_without_a_leader():
    dossier, specialist = assigned_dossier()
    proposal = Proposal.objects.create(
        dossier=dossier,
        kind=Proposal.Kind.REFUSAL,
        status=Proposal.Status.APPROVED,
        text="Lý do",
        proposed_by=specialist,
        proposed_at=dossier.accepted_at,
        decided_by=specialist,
        decided_at=dossier.accepted_at,
    )
    with pytest.raises(DossierPermissionError):
        processing._return_from_processing(Dossier.objects.get(pk=dossier.pk), proposal)


def test_other_agency_leader_cannot_decide():
    dossier, specialist = assigned_dossier()
    proposal = propose(dossier, specialist)
    stranger = staff_user(Role.LEADER, agency=AgencyFactory())
    with pytest.raises(DossierPermissionError):
        processing.proposal_approve(dossier_id=dossier.pk, proposal_id=proposal.pk, leader=stranger)
    with pytest.raises(DossierPermissionError):
        processing.proposal_send_back(
            dossier_id=dossier.pk, proposal_id=proposal.pk, leader=stranger, note="Không."
        )
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


def test_a_proposal_id_of_another_dossier_is_not_found():
    dossier, _specialist = assigned_dossier()
    other, other_specialist = assigned_dossier()
    leader = leader_for(dossier)
    foreign = propose(other, other_specialist)
    with pytest.raises(DossierStateError, match="does not exist"):
        processing.proposal_approve(dossier_id=dossier.pk, proposal_id=foreign.pk, leader=leader)
