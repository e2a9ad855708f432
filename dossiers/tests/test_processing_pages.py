"""The specialists' and leaders' pages under /can-bo/: who sees what, actions through the page."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers.models import Dossier, DossierEvent, Proposal
from dossiers.tests.factories import (
    PDF_BYTES,
    DossierFactory,
    desk_officer_for,
    forwarded_dossier,
    leader_for,
    specialist_for,
)
from portal.roles import Role
from tests.factories import DepartmentFactory, staff_user

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"desk:{name}", args=args)


def set_due(dossier, due):
    Dossier.objects.filter(pk=dossier.pk).update(due_at=due, appointment_at=due)


# --- The queue ------------------------------------------------------------------------------


def test_a_specialist_sees_the_dossiers_of_their_department_only(login_staff):
    mine = forwarded_dossier()
    specialist = specialist_for(mine)
    colleague_dossier = forwarded_dossier(department=mine.department, procedure=mine.procedure)
    other_department = forwarded_dossier(procedure=mine.procedure)
    at_desk = DossierFactory(processing=True, procedure=mine.procedure)  # not forwarded yet
    client = login_staff(specialist)
    page = client.get(url("processing_queue")).content.decode()
    assert mine.code in page and colleague_dossier.code in page
    assert other_department.code not in page and at_desk.code not in page
    assert 'id="nav-processing"' in page and 'id="nav-queue"' not in page


def test_the_queue_is_sorted_by_due_time_with_deadline_badges(login_staff):
    now = timezone.now()
    late = forwarded_dossier()
    department = late.department
    soon = forwarded_dossier(department=department, procedure=late.procedure)
    later = forwarded_dossier(department=department, procedure=late.procedure)
    set_due(late, now - timedelta(hours=30))
    set_due(soon, now + timedelta(minutes=30))
    set_due(later, now + timedelta(days=30))
    client = login_staff(specialist_for(late))
    page = client.get(url("processing_queue")).content.decode()
    positions = [page.index(f'data-code="{d.code}"') for d in (late, soon, later)]
    assert positions == sorted(positions)
    assert f'data-code="{late.code}" data-status="overdue"' in page
    assert f'data-code="{soon.code}" data-status="at_risk"' in page
    assert f'data-code="{later.code}" data-status="on_time"' in page
    assert 'id="alert-overdue"' in page and 'id="alert-at-risk"' in page


def test_a_leader_sees_the_agency_and_filters_by_department_and_specialist(login_staff):
    first = forwarded_dossier()
    second = forwarded_dossier(procedure=first.procedure)  # another department, same agency
    specialist = specialist_for(second)
    Dossier.objects.filter(pk=second.pk).update(assignee=specialist)
    elsewhere = forwarded_dossier()
    client = login_staff(leader_for(first))
    page = client.get(url("processing_queue")).content.decode()
    assert first.code in page and second.code in page and elsewhere.code not in page
    by_department = client.get(url("processing_queue"), {"phong": first.department_id})
    assert first.code in by_department.content.decode()
    assert second.code not in by_department.content.decode()
    by_person = client.get(url("processing_queue"), {"giao": specialist.pk}).content.decode()
    assert second.code in by_person and first.code not in by_person
    unassigned = client.get(url("processing_queue"), {"giao": "chua-giao"}).content.decode()
    assert first.code in unassigned and second.code not in unassigned


def test_a_specialist_cannot_widen_the_queue_with_leader_filters(login_staff):
    mine = forwarded_dossier()
    other = forwarded_dossier(procedure=mine.procedure)
    client = login_staff(specialist_for(mine))
    page = client.get(url("processing_queue"), {"phong": other.department_id}).content.decode()
    assert other.code not in page and mine.code in page


def test_keyset_pages_show_every_dossier_once(login_staff):
    first = forwarded_dossier()
    dossiers = [first] + [
        forwarded_dossier(department=first.department, procedure=first.procedure) for _ in range(4)
    ]
    base = timezone.now() + timedelta(days=3)
    for index, dossier in enumerate(dossiers):
        set_due(dossier, base + timedelta(hours=index // 2))  # ties on due time
    from dossiers import work_queue

    seen, after = [], ""
    specialist = specialist_for(first)
    while True:
        page = work_queue.work_queue(
            user=specialist, filters=work_queue.WorkFilters(), after=after, page_size=2
        )
        seen += [row.dossier.pk for row in page.rows]
        if not page.next_cursor:
            break
        after = page.next_cursor
    assert seen == [d.pk for d in dossiers]


def test_garbage_filters_and_cursors_are_ignored(login_staff):
    dossier = forwarded_dossier()
    client = login_staff(specialist_for(dossier))
    response = client.get(
        url("processing_queue"),
        {"giao": "x' OR 1=1", "phong": "9" * 40, "han": "??", "sau": "%%%", "cho-duyet": "2"},
    )
    assert response.status_code == 200
    assert dossier.code in response.content.decode()


@pytest.mark.parametrize("role", [Role.DESK_OFFICER, Role.IT_ADMIN])
def test_desk_and_it_staff_have_no_processing_queue(login_staff, role):
    dossier = forwarded_dossier()
    client = login_staff(staff_user(role, agency=dossier.agency))
    assert client.get(url("processing_queue")).status_code == 403
    assert client.get(url("processing_dossier", dossier.pk)).status_code == 403
    assert client.get(url("dashboard")).status_code == 403


def test_citizens_are_refused_and_anonymous_people_sent_to_log_in(client):
    dossier = forwarded_dossier()
    response = client.get(url("processing_queue"))
    assert response.status_code == 302 and "/tai-khoan/" in response["Location"]
    client.force_login(dossier.applicant)
    assert client.get(url("processing_queue")).status_code == 403
    assert client.get(url("processing_dossier", dossier.pk)).status_code == 403


# --- The dossier page -----------------------------------------------------------------------


def test_the_processing_page_shows_documents_timeline_and_actions(login_staff):
    dossier = forwarded_dossier()
    specialist = specialist_for(dossier)
    client = login_staff(specialist)
    page = client.get(url("processing_dossier", dossier.pk)).content.decode()
    assert dossier.code in page and dossier.applicant_name in page
    assert 'id="form-take"' in page and 'id="form-result"' not in page
    response = client.post(url("take", dossier.pk))
    assert response.status_code == 302
    page = client.get(url("processing_dossier", dossier.pk)).content.decode()
    assert 'id="form-result"' in page and 'id="form-refusal"' in page
    assert 'data-kind="assigned"' in page


@pytest.mark.parametrize("who", ["other_department", "other_agency"])
def test_a_dossier_of_another_department_or_agency_is_not_found(login_staff, who):
    dossier = forwarded_dossier()
    if who == "other_department":
        person = staff_user(
            Role.SPECIALIST,
            agency=dossier.agency,
            department=DepartmentFactory(agency=dossier.agency),
        )
    else:
        person = leader_for(forwarded_dossier())
    client = login_staff(person)
    assert client.get(url("processing_dossier", dossier.pk)).status_code == 404
    assert client.post(url("take", dossier.pk)).status_code == 404
    assert (
        client.post(url("propose_refusal", dossier.pk), {"refusal-reasons": "x"}).status_code == 404
    )
    dossier.refresh_from_db()
    assert dossier.assignee is None and not Proposal.objects.exists()


def test_result_upload_through_the_page_then_leader_approves(login_staff, client):
    dossier = forwarded_dossier()
    specialist = specialist_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    login_staff(specialist)
    bad = client.post(
        url("propose_result", dossier.pk),
        {
            "result-result_text": "Giấy phép số 12/GP",
            "result-result_files": [SimpleUploadedFile("kq.pdf", b"not a pdf")],
        },
    )
    assert bad.status_code == 200
    assert "Giấy phép số 12/GP" in bad.content.decode()  # what was typed is kept
    assert not Proposal.objects.exists()
    good = client.post(
        url("propose_result", dossier.pk),
        {
            "result-result_text": "Giấy phép số 12/GP",
            "result-result_files": [
                SimpleUploadedFile("kq-1.pdf", PDF_BYTES),
                SimpleUploadedFile("kq-2.pdf", PDF_BYTES),
            ],
        },
    )
    assert good.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.result_files.count() == 2
    client.logout()

    leader = leader_for(dossier)
    login_staff(leader)
    page = client.get(url("processing_dossier", dossier.pk)).content.decode()
    assert 'id="form-decide"' in page and "kq-1.pdf" in page
    response = client.post(url("decide", dossier.pk, proposal.pk), {"decision": "approve"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DONE
    # A second click (or a second leader) gets a message, not a 500.
    again = client.post(url("decide", dossier.pk, proposal.pk), {"decision": "approve"})
    assert again.status_code == 302
    assert dossier.events.filter(kind=DossierEvent.Kind.COMPLETED).count() == 1


def test_send_back_without_a_note_keeps_the_proposal_pending(login_staff):
    dossier = forwarded_dossier()
    specialist = specialist_for(dossier)
    proposal = Proposal.objects.create(
        dossier=dossier,
        kind=Proposal.Kind.REFUSAL,
        text="Lý do",
        proposed_by=specialist,
        proposed_at=timezone.now(),
    )
    client = login_staff(leader_for(dossier))
    response = client.post(
        url("decide", dossier.pk, proposal.pk), {"decision": "send_back", "decision-note": ""}
    )
    assert response.status_code == 200
    assert 'id="form-decide"' in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.PENDING


def test_desk_cannot_post_processing_actions(login_staff):
    dossier = forwarded_dossier()
    client = login_staff(desk_officer_for(dossier))
    assert client.post(url("take", dossier.pk)).status_code == 403
    assert client.post(url("propose_result", dossier.pk)).status_code == 403


# --- Where staff land --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.DESK_OFFICER, "/can-bo/"),
        (Role.SPECIALIST, "/can-bo/xu-ly/"),
        (Role.LEADER, "/can-bo/tong-quan/"),
    ],
)
def test_staff_land_on_their_own_page_after_logging_in(client, role, landing):
    from tests.factories import PASSWORD, totp_device
    from tests.helpers import two_factor_login

    user = staff_user(role)
    response = two_factor_login(
        client, username=user.username, password=PASSWORD, device=totp_device(user)
    )
    assert response.status_code == 302 and response["Location"] == "/can-bo/"
    page = client.get("/can-bo/", follow=True)
    assert page.status_code == 200
    assert page.request["PATH_INFO"] == landing


def test_citizens_still_land_on_their_profile(client):
    from tests.factories import PASSWORD, UserFactory
    from tests.helpers import two_factor_login

    citizen = UserFactory()
    response = two_factor_login(client, username=citizen.national_id, password=PASSWORD)
    assert response["Location"] == reverse("portal:profile")
