"""The processing clock stops while the department waits for the citizen's supplement."""

from decimal import Decimal

import pytest

from dossiers import clock as dossier_clock
from dossiers import services
from dossiers.errors import DossierPermissionError, DossierStateError, DossierValidationError
from dossiers.models import ClockPause, Dossier, DossierEvent, Notice
from dossiers.tests.deadline_helpers import at, clock_fixture, forwarded_dossier  # noqa: F401
from dossiers.tests.factories import DossierFactory, desk_officer_for, pdf_upload
from portal import workdays
from portal.models import Notification
from portal.roles import Role
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, DepartmentFactory, staff_user

pytestmark = pytest.mark.django_db


def _supplement(dossier: Dossier) -> None:
    document_id = dossier.procedure_version.data["documents"][0]["id"]
    services.dossier_supplement(
        dossier_id=dossier.pk, actor=dossier.applicant, files={document_id: pdf_upload()}
    )


@pytest.fixture
def procedure():
    return ProcedureFactory(
        level4=True,
        published=True,
        processing_time=Decimal(10),
        documents=1,
    )


def test_a_pause_over_tet_moves_both_dates_by_the_working_time_only(clock, procedure):
    # Accepted Monday 25/01/2027 08:00: ten working days, Tết (04/02-10/02) skipped.
    dossier, _department, specialist = forwarded_dossier(
        clock, accepted=at(2027, 1, 25, 8), procedure=procedure
    )
    assert dossier.due_at == at(2027, 2, 15, 8)
    assert dossier.appointment_at == at(2027, 2, 15, 8)

    clock.set(at(2027, 2, 3, 10))  # Wednesday before Tết
    dossier_clock.dossier_request_supplement_in_processing(
        dossier_id=dossier.pk, specialist=specialist, document_ids=[], note="Thiếu bản vẽ"
    )
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.INCOMPLETE
    pause = ClockPause.objects.get(dossier=dossier)
    assert pause.ended_at is None and pause.actor == specialist

    clock.set(at(2027, 2, 11, 9))  # first working day after Tết
    _supplement(dossier)
    dossier.refresh_from_db()
    pause.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    # Wed 10:00-11:30 and 13:00-17:00 (5.5 h) + Thu 11/02 07:30-09:00 (1.5 h); Tết costs nothing.
    assert pause.working_hours == Decimal(7)
    assert pause.ended_at == at(2027, 2, 11, 9)
    assert dossier.due_at == at(2027, 2, 15, 16, 30)
    assert dossier.appointment_at == at(2027, 2, 15, 16, 30)
    assert workdays.working_hours_between(at(2027, 2, 15, 8), dossier.due_at) == Decimal(7)
    assert pause.due_before == at(2027, 2, 15, 8) and pause.due_after == dossier.due_at
    resumed = dossier.events.get(kind=DossierEvent.Kind.RESUMED)
    assert resumed.data["paused_hours"] == "7"

    templates = list(
        Notification.objects.filter(user=dossier.applicant).values_list("template", flat=True)
    )
    assert "supplement_requested" in templates
    assert "dossier_resumed" in templates
    resumed_note = Notification.objects.filter(template="dossier_resumed").first()
    assert resumed_note.context["appointment"] == "16:30 15/02/2027"


def test_the_supplement_request_pdf_says_the_clock_is_paused(
    clock,
    procedure,
    django_capture_on_commit_callbacks,
):
    from dossiers.tests.test_notices import pdf_text

    dossier, _department, specialist = forwarded_dossier(
        clock, accepted=at(2026, 12, 1, 8), procedure=procedure
    )
    clock.set(at(2026, 12, 2, 9))
    document = procedure.current_version.data["documents"][0]
    with django_capture_on_commit_callbacks(execute=True):
        dossier_clock.dossier_request_supplement_in_processing(
            dossier_id=dossier.pk, specialist=specialist, document_ids=[document["id"]], note=""
        )
    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.SUPPLEMENT_REQUEST)
    text = pdf_text(notice)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert document["name"] in text
    assert "tạm dừng từ 09 giờ 00 phút, ngày 02/12/2026" in text


def test_a_desk_supplement_before_acceptance_pauses_nothing(procedure):
    dossier = DossierFactory(received=True, procedure=procedure)
    desk = desk_officer_for(dossier)
    document_id = procedure.current_version.data["documents"][0]["id"]
    services.dossier_request_supplement(
        dossier_id=dossier.pk, officer=desk, document_ids=[document_id], note=""
    )
    _supplement(dossier)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED
    assert dossier.due_at is None
    assert not ClockPause.objects.exists()
    assert not dossier.events.filter(kind=DossierEvent.Kind.RESUMED).exists()


def test_only_the_handling_department_or_a_leader_may_pause(clock, procedure):
    dossier, department, _specialist = forwarded_dossier(
        clock, accepted=at(2026, 12, 1, 8), procedure=procedure
    )
    other_department = staff_user(
        Role.SPECIALIST,
        agency=dossier.agency,
        department=DepartmentFactory(agency=dossier.agency),
    )
    other_agency = staff_user(Role.SPECIALIST, agency=AgencyFactory(), department=department)
    desk = desk_officer_for(dossier)
    citizen = dossier.applicant
    for person in (other_department, other_agency, desk, citizen):
        with pytest.raises(DossierPermissionError):
            dossier_clock.dossier_request_supplement_in_processing(
                dossier_id=dossier.pk, specialist=person, document_ids=[], note="Thiếu"
            )
    leader = staff_user(Role.LEADER, agency=dossier.agency)
    dossier_clock.dossier_request_supplement_in_processing(
        dossier_id=dossier.pk, specialist=leader, document_ids=[], note="Thiếu"
    )
    assert ClockPause.objects.filter(dossier=dossier, actor=leader).count() == 1


def test_a_pause_needs_a_reason_and_a_dossier_in_processing(clock, procedure):
    dossier, _department, specialist = forwarded_dossier(
        clock, accepted=at(2026, 12, 1, 8), procedure=procedure
    )
    with pytest.raises(DossierValidationError) as error:
        dossier_clock.dossier_request_supplement_in_processing(
            dossier_id=dossier.pk, specialist=specialist, document_ids=[], note="  "
        )
    assert "note" in error.value.field_errors
    dossier_clock.dossier_request_supplement_in_processing(
        dossier_id=dossier.pk, specialist=specialist, document_ids=[], note="Thiếu"
    )
    with pytest.raises(DossierStateError):
        dossier_clock.dossier_request_supplement_in_processing(
            dossier_id=dossier.pk, specialist=specialist, document_ids=[], note="Lần hai"
        )
    assert ClockPause.objects.filter(dossier=dossier).count() == 1
