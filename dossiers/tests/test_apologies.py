"""Late dossiers: the department drafts an apology, a leader approves, the citizen is told."""

from datetime import date

import pytest
from django.urls import reverse

from dossiers import apologies, notices
from dossiers.errors import DossierPermissionError, DossierStateError, DossierValidationError
from dossiers.models import Apology, Dossier, DossierEvent, Notice
from dossiers.tests.deadline_helpers import at, clock_fixture, forwarded_dossier  # noqa: F401
from dossiers.tests.test_notices import pdf_text
from portal.models import Notification
from portal.roles import Role
from tests.factories import AgencyFactory, DepartmentFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db

REASON = "Chờ ý kiến của Sở Xây dựng về quy hoạch"


@pytest.fixture
def late(clock):
    # Accepted Mon 16/11/2026 08:00: ten working days (24/11 is a holiday) to Tue 01/12 08:00.
    dossier, _department, specialist = forwarded_dossier(clock, accepted=at(2026, 11, 16, 8))
    assert dossier.due_at == at(2026, 12, 1, 8)
    clock.set(at(2026, 12, 2, 9))  # a day after the appointment
    leader = staff_user(Role.LEADER, agency=dossier.agency)
    return dossier, specialist, leader


def _draft(dossier, specialist, new_date=date(2026, 12, 8), reason=REASON):
    return apologies.apology_draft(
        dossier_id=dossier.pk, specialist=specialist, reason=reason, new_date=new_date
    )


def test_a_dossier_on_schedule_needs_no_apology(clock):
    dossier, _department, specialist = forwarded_dossier(clock, accepted=at(2026, 11, 16, 8))
    clock.set(at(2026, 11, 18, 9))
    assert apologies.lateness(dossier) == ""
    with pytest.raises(DossierStateError):
        _draft(dossier, specialist)
    clock.set(at(2026, 11, 30, 9))  # under a working day left: at risk
    assert apologies.lateness(dossier) == "at_risk"
    assert _draft(dossier, specialist).status == Apology.Status.PENDING


@pytest.mark.parametrize(
    ("new_date", "message"),
    [
        (None, "Hãy chọn ngày hẹn trả kết quả mới."),
        (date(2026, 12, 2), "phải là một ngày làm việc sau hôm nay"),
        (date(2026, 11, 30), "phải là một ngày làm việc sau hôm nay"),
        (date(2026, 12, 5), "05/12/2026 không phải ngày làm việc (Cuối tuần)"),
        (date(2027, 2, 8), "08/02/2027 không phải ngày làm việc (Mùng ba Tết Nguyên Đán)"),
    ],
)
def test_the_new_date_must_be_a_working_day_after_today(late, new_date, message):
    dossier, specialist, _leader = late
    with pytest.raises(DossierValidationError) as error:
        _draft(dossier, specialist, new_date=new_date)
    assert message in error.value.field_errors["new_date"]
    assert not Apology.objects.exists()


def test_a_reason_is_required(late):
    dossier, specialist, _leader = late
    with pytest.raises(DossierValidationError) as error:
        _draft(dossier, specialist, reason="  ")
    assert "reason" in error.value.field_errors


def test_only_the_handling_unit_drafts_and_only_a_leader_approves(late):
    dossier, specialist, _leader = late
    other_department = staff_user(
        Role.SPECIALIST, agency=dossier.agency, department=DepartmentFactory(agency=dossier.agency)
    )
    for person in (other_department, staff_user(Role.DESK_OFFICER, agency=dossier.agency)):
        with pytest.raises(DossierPermissionError):
            _draft(dossier, person)
    apology = _draft(dossier, specialist)
    with pytest.raises(DossierStateError):
        _draft(dossier, specialist)  # one waiting at a time
    other_leader = staff_user(Role.LEADER, agency=AgencyFactory())
    for person in (specialist, other_department, other_leader, UserFactory()):
        with pytest.raises(DossierPermissionError):
            apologies.apology_approve(apology_id=apology.pk, leader=person)
    dossier.refresh_from_db()
    assert dossier.appointment_at == at(2026, 12, 1, 8)  # unchanged until a leader approves
    assert not Notice.objects.filter(kind=Notice.Kind.APOLOGY).exists()


def test_a_leader_does_not_approve_their_own_draft(late):
    dossier, _specialist, leader = late
    apology = _draft(dossier, leader)
    with pytest.raises(DossierPermissionError):
        apologies.apology_approve(apology_id=apology.pk, leader=leader)
    second = staff_user(Role.LEADER, agency=dossier.agency)
    apologies.apology_approve(apology_id=apology.pk, leader=second)


def test_approval_moves_the_appointment_not_the_legal_due_time(
    late, django_capture_on_commit_callbacks
):
    dossier, specialist, leader = late
    apology = _draft(dossier, specialist)
    with django_capture_on_commit_callbacks(execute=True):
        apologies.apology_approve(apology_id=apology.pk, leader=leader)
    dossier.refresh_from_db()
    assert dossier.appointment_at == at(2026, 12, 8, 17)
    assert dossier.due_at == at(2026, 12, 1, 8)
    apology.refresh_from_db()
    assert apology.status == Apology.Status.APPROVED and apology.decided_by == leader
    event = dossier.events.get(kind=DossierEvent.Kind.APOLOGY_APPROVED)
    assert event.actor == leader and event.reason == REASON

    message = Notification.objects.get(template="dossier_apology", channel="email")
    assert message.user == dossier.applicant
    assert message.context["appointment"] == "08:00 01/12/2026"
    assert message.context["new_appointment"] == "17:00 08/12/2026"
    assert message.context["reason"] == REASON

    notice = notices.notices_for(dossier).get(kind=Notice.Kind.APOLOGY)
    text = pdf_text(notice)
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text  # 2025 set
    assert dossier.applicant_name in text
    assert REASON in text
    assert "08 giờ 00 phút, ngày 01/12/2026" in text  # the appointment that was missed
    assert "17 giờ 00 phút, ngày 08/12/2026" in text  # the new one
    assert leader.full_name in text
    with pytest.raises(DossierStateError):
        apologies.apology_approve(apology_id=apology.pk, leader=leader)


def test_send_back_needs_a_note_and_lets_the_department_try_again(late):
    dossier, specialist, leader = late
    apology = _draft(dossier, specialist)
    with pytest.raises(DossierValidationError):
        apologies.apology_send_back(apology_id=apology.pk, leader=leader, note="")
    apologies.apology_send_back(apology_id=apology.pk, leader=leader, note="Hẹn ngày sớm hơn")
    apology.refresh_from_db()
    assert apology.status == Apology.Status.SENT_BACK
    with pytest.raises(DossierStateError):
        apologies.apology_approve(apology_id=apology.pk, leader=leader)
    dossier.refresh_from_db()
    assert dossier.appointment_at == at(2026, 12, 1, 8)
    again = _draft(dossier, specialist, new_date=date(2026, 12, 4))
    apologies.apology_approve(apology_id=again.pk, leader=leader)
    dossier.refresh_from_db()
    assert dossier.appointment_at == at(2026, 12, 4, 17)


def test_the_citizen_sees_both_dates_and_downloads_the_apology(
    late, client, django_capture_on_commit_callbacks
):
    dossier, specialist, leader = late
    apology = _draft(dossier, specialist)
    with django_capture_on_commit_callbacks(execute=True):
        apologies.apology_approve(apology_id=apology.pk, leader=leader)
    client.force_login(dossier.applicant)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "17:00, 08/12/2026" in page
    assert "08:00, 01/12/2026" in page
    assert 'id="why-date"' in page
    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.APOLOGY)
    url = reverse("dossiers:notice", args=[dossier.pk, notice.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(url).status_code == 404


def test_leader_approval_through_the_pages(late, client, login_staff):
    dossier, specialist, leader = late
    login_staff(specialist)
    response = client.post(
        reverse("handling:apology_draft", args=[dossier.pk]),
        {"apology-reason": REASON, "apology-new_date": "2026-12-05"},
    )
    assert response.status_code == 200  # Saturday: the form again, with what was typed
    body = response.content.decode()
    assert REASON in body and "2026-12-05" in body
    assert not Apology.objects.exists()
    response = client.post(
        reverse("handling:apology_draft", args=[dossier.pk]),
        {"apology-reason": REASON, "apology-new_date": "2026-12-07"},
    )
    assert response.status_code == 302
    apology = Apology.objects.get()
    # A specialist cannot reach the approval at all.
    response = client.post(reverse("handling:apology_approve", args=[apology.pk]))
    assert response.status_code == 403
    client.logout()
    login_staff(leader)
    page = client.get(reverse("handling:dossier", args=[dossier.pk])).content.decode()
    assert 'id="apology-approve"' in page
    response = client.post(reverse("handling:apology_approve", args=[apology.pk]))
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).appointment_at == at(2026, 12, 7, 17)
