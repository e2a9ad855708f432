"""The desk's pages under /can-bo/: who may see and act, each action through the page."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.models import Attachment, Dossier, DossierEvent
from dossiers.tests.factories import (
    PDF_BYTES,
    DossierFactory,
    desk_officer_for,
    pdf_upload,
    specialist_department,
)
from portal.roles import Role
from procedures import services as procedure_services
from procedures.models import RequiredDocument
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, DepartmentFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def procedure_with_documents(agency=None, **kwargs):
    procedure = ProcedureFactory(level4=True, agency=agency or AgencyFactory(), **kwargs)
    procedure.documents.create(name="Tờ khai đăng ký", position=1)
    procedure.documents.create(name="Bản sao CCCD", position=2, form=RequiredDocument.Form.COPY)
    procedure.documents.create(name="CCCD bản chính", position=3, form="present")
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure


def received_dossier_with_files(**kwargs):
    """An online dossier submitted through the services, with its files."""
    procedure = procedure_with_documents(**kwargs)
    citizen = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=citizen)
    for document in procedure.current_version.data["documents"][:2]:
        services.attachment_add(
            dossier_id=dossier.pk,
            actor=citizen,
            document_id=document["id"],
            upload=pdf_upload(f"doc-{document['id']}.pdf"),
        )
    return services.dossier_submit(dossier_id=dossier.pk, actor=citizen, declaration=True)


def url(name, *args):
    return reverse(f"desk:{name}", args=args)


# --- Who may come in -------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(url("queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:login"))


@pytest.mark.parametrize("role", [Role.SPECIALIST, Role.LEADER, Role.IT_ADMIN])
def test_other_staff_roles_are_not_the_desk(login_staff, role):
    client = login_staff(staff_user(role))
    response = client.get(url("queue"))
    # Specialists, leaders and IT staff start on their own pages; nobody else gets the desk's
    # queue.
    expected = {
        Role.SPECIALIST: (302, url("processing_queue")),
        Role.LEADER: (302, url("dashboard")),
        Role.IT_ADMIN: (302, reverse("admin:index")),
    }[role]
    assert response.status_code == expected[0]
    if expected[1]:
        assert response["Location"] == expected[1]
        assert "desk-queue" not in client.get(expected[1]).content.decode()
    assert client.get(url("walk_in")).status_code == 403
    assert client.get(url("handover_queue")).status_code == 403


def test_citizens_get_403(client):
    citizen = UserFactory()
    client.force_login(citizen)
    assert client.get(url("queue")).status_code == 403
    dossier = DossierFactory(received=True, applicant=citizen)
    assert client.get(url("dossier", dossier.pk)).status_code == 403
    assert client.post(url("accept", dossier.pk)).status_code == 403


def test_staff_must_be_verified_with_a_one_time_code(client):
    desk = staff_user(Role.DESK_OFFICER)
    client.force_login(desk)  # password only, no TOTP step
    response = client.get(url("queue"))
    assert response.status_code == 302
    assert "/tai-khoan/" in response["Location"]


def test_a_desk_of_another_agency_cannot_list_see_or_act(login_staff):
    dossier = DossierFactory(received=True, applicant_name="Người Khác Cơ Quan")
    other = staff_user(Role.DESK_OFFICER, agency=AgencyFactory())
    client = login_staff(other)
    assert dossier.code not in client.get(url("queue")).content.decode()
    assert client.get(url("dossier", dossier.pk)).status_code == 404
    for action in ("accept", "refuse", "request_supplement", "forward", "originals"):
        assert client.post(url(action, dossier.pk), {"refuse-reason": "x"}).status_code == 404
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED


def test_drafts_are_invisible_to_the_desk(login_staff):
    draft = DossierFactory()
    client = login_staff(desk_officer_for(draft))
    assert client.get(url("dossier", draft.pk)).status_code == 404


# --- The dossier page and its actions --------------------------------------------------------


def test_the_dossier_page_shows_applicant_documents_files_and_timeline(login_staff):
    dossier = received_dossier_with_files()
    client = login_staff(desk_officer_for(dossier))
    response = client.get(url("dossier", dossier.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert dossier.code in page and dossier.applicant_name in page
    assert "Tờ khai đăng ký" in page and "CCCD bản chính" in page
    for attachment in dossier.attachments.all():
        assert url("attachment", dossier.pk, attachment.pk) in page
    assert 'data-kind="submitted"' in page
    assert 'id="form-accept"' in page and 'id="form-supplement"' in page
    assert 'id="form-forward"' not in page


def test_accepting_shows_the_due_date(login_staff):
    dossier = received_dossier_with_files()
    client = login_staff(desk_officer_for(dossier))
    response = client.post(url("accept", dossier.pk), follow=True)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    due = timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M")
    page = response.content.decode()
    assert response.redirect_chain == [(url("dossier", dossier.pk), 302)]
    assert due in page
    assert 'id="form-forward"' in page and 'id="form-accept"' not in page


def test_the_forward_form_preselects_the_department_the_procedure_names(login_staff):
    agency = AgencyFactory()
    DepartmentFactory(agency=agency, name="A Phòng khác")  # first in the list
    named = DepartmentFactory(agency=agency, name="Phòng Tài chính - Kế hoạch")
    dossier = received_dossier_with_files(agency=agency, department=named)
    client = login_staff(desk_officer_for(dossier))
    response = client.post(url("accept", dossier.pk), follow=True)
    form = response.context["forward_form"]
    assert form["department"].value() == named.pk
    assert f'<option value="{named.pk}" selected>' in response.content.decode()


def test_the_forward_form_preselects_nothing_without_a_named_department(login_staff):
    dossier = DossierFactory(processing=True)
    specialist_department(dossier)
    client = login_staff(desk_officer_for(dossier))
    page = client.get(url("dossier", dossier.pk)).content.decode()
    assert 'id="form-forward"' in page and '<option value="" selected>' in page


def test_requesting_a_supplement_names_the_documents(login_staff):
    dossier = received_dossier_with_files()
    documents = dossier.procedure_version.data["documents"]
    client = login_staff(desk_officer_for(dossier))
    response = client.post(
        url("request_supplement", dossier.pk),
        {"supplement-documents": [documents[1]["id"]], "supplement-note": "Bản sao bị mờ."},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.INCOMPLETE
    event = dossier.events.get(kind=DossierEvent.Kind.SUPPLEMENT_REQUESTED)
    assert event.data["documents"] == [documents[1]["id"]]
    assert event.reason == "Bản sao bị mờ."
    page = client.get(url("dossier", dossier.pk)).content.decode()
    assert "Bản sao bị mờ." in page and 'id="form-refuse"' in page


def test_a_supplement_request_needs_documents_or_a_note_and_keeps_nothing_lost(login_staff):
    dossier = received_dossier_with_files()
    client = login_staff(desk_officer_for(dossier))
    response = client.post(url("request_supplement", dossier.pk), {"supplement-note": "  "})
    assert response.status_code == 200
    assert response.context["supplement_form"].errors
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED


def test_a_refusal_needs_reasons(login_staff):
    dossier = received_dossier_with_files()
    client = login_staff(desk_officer_for(dossier))
    response = client.post(url("refuse", dossier.pk), {"refuse-reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["refuse_form"].errors
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED

    response = client.post(
        url("refuse", dossier.pk), {"refuse-reason": "Thủ tục không thuộc thẩm quyền."}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RETURNED
    assert dossier.events.get(kind=DossierEvent.Kind.REFUSED).reason.startswith("Thủ tục")


def test_forwarding_to_the_desk_itself_or_another_agency_is_rejected(login_staff):
    dossier = DossierFactory(processing=True)
    desk = desk_officer_for(dossier)
    desk.department.is_one_stop_desk = True
    desk.department.save()
    client = login_staff(desk)
    for department in (desk.department, DepartmentFactory()):
        response = client.post(url("forward", dossier.pk), {"forward-department": department.pk})
        assert response.status_code == 200
        assert "department" in response.context["forward_form"].errors
    dossier.refresh_from_db()
    assert dossier.forwarded_at is None

    target = specialist_department(dossier)
    response = client.post(url("forward", dossier.pk), {"forward-department": target.pk})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.department == target and dossier.forwarded_at is not None


def test_late_forwarding_is_flagged(login_staff):
    dossier = DossierFactory(processing=True, forward_due_at=timezone.now() - timedelta(hours=3))
    client = login_staff(desk_officer_for(dossier))
    page = client.get(url("dossier", dossier.pk)).content.decode()
    assert 'id="forward-breach"' in page
    response = client.post(
        url("forward", dossier.pk),
        {"forward-department": specialist_department(dossier).pk},
        follow=True,
    )
    levels = [m.level_tag for m in response.context["messages"]]
    assert "warning" in levels
    assert dossier.events.get(kind=DossierEvent.Kind.FORWARDED).data["late"] is True


def test_a_stale_form_shows_what_happened_instead_of_an_error(login_staff):
    dossier = received_dossier_with_files()
    desk = desk_officer_for(dossier)
    colleague = desk_officer_for(dossier)
    client = login_staff(desk)
    client.get(url("dossier", dossier.pk))  # the page is open with the accept button
    services.dossier_accept(dossier_id=dossier.pk, officer=colleague)
    for action, data in (
        ("accept", {}),
        ("request_supplement", {"supplement-note": "thiếu"}),
    ):
        response = client.post(url(action, dossier.pk), data, follow=True)
        assert response.status_code == 200
        errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
        assert errors, action
    dossier.refresh_from_db()
    assert dossier.accepted_at is not None
    assert dossier.events.filter(kind=DossierEvent.Kind.ACCEPTED).count() == 1


def test_originals_compared_at_the_desk_are_recorded(login_staff):
    dossier = received_dossier_with_files()
    desk = desk_officer_for(dossier)
    client = login_staff(desk)
    response = client.post(url("originals", dossier.pk), {"confirm": "1"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.originals_checked
    assert dossier.history.first().history_user == desk


# --- Files -----------------------------------------------------------------------------------


def test_staff_of_the_agency_can_open_the_files_inline_and_nobody_else(client, login_staff):
    dossier = received_dossier_with_files()
    attachment = dossier.attachments.first()
    file_url = url("attachment", dossier.pk, attachment.pk)
    department = specialist_department(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(department=department)
    for role in (Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER):
        staff_client = login_staff(staff_user(role, agency=dossier.agency, department=department))
        response = staff_client.get(file_url)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        staff_client.logout()
    # A specialist of another department of the same agency: not found.
    elsewhere = login_staff(staff_user(Role.SPECIALIST, agency=dossier.agency))
    assert elsewhere.get(file_url).status_code == 404
    elsewhere.logout()
    other = login_staff(staff_user(Role.DESK_OFFICER, agency=AgencyFactory()))
    assert other.get(file_url).status_code == 404
    # The attachment of another dossier under this dossier's URL: not found either.
    second = received_dossier_with_files(agency=dossier.agency)
    other.logout()
    desk = login_staff(desk_officer_for(dossier))
    assert desk.get(url("attachment", dossier.pk, second.attachments.first().pk)).status_code == 404
    desk.logout()
    client.force_login(dossier.applicant)  # the owner uses the citizen pages, not these
    assert client.get(file_url).status_code == 403


# --- Walk-in registration --------------------------------------------------------------------


def test_walk_in_registration_with_files(login_staff):
    procedure = procedure_with_documents()
    desk = staff_user(Role.DESK_OFFICER, agency=procedure.agency)
    client = login_staff(desk)
    chooser = client.get(url("walk_in"), {"q": procedure.name[:12]})
    assert f"?thu-tuc={procedure.code}" in chooser.content.decode()
    documents = procedure.current_version.data["documents"]
    form_url = url("walk_in") + f"?thu-tuc={procedure.code}"
    page = client.get(form_url).content.decode()
    assert f'name="document_{documents[0]["id"]}"' in page
    assert f'name="document_{documents[2]["id"]}"' not in page  # shown at the desk only
    response = client.post(
        form_url,
        {
            "name": "Đinh Thị Hoa",
            "national_id": "054190000777",
            "phone": "0905123456",
            "return_method": "desk",
            "originals_checked": "on",
            f"document_{documents[0]['id']}": SimpleUploadedFile(
                "to-khai.pdf", PDF_BYTES, content_type="application/pdf"
            ),
            f"document_{documents[1]['id']}": SimpleUploadedFile(
                "cccd.png", png_bytes(), content_type="image/png"
            ),
        },
    )
    dossier = Dossier.objects.get(applicant_national_id="054190000777")
    assert response.status_code == 302 and response["Location"] == url("dossier", dossier.pk)
    assert dossier.state == Dossier.State.RECEIVED and dossier.channel == "desk"
    assert dossier.applicant is None and dossier.originals_checked
    assert sorted(dossier.attachments.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]
    page = client.get(url("dossier", dossier.pk)).content.decode()
    assert "<img" in page and "<iframe" in page


def test_walk_in_errors_keep_what_was_typed(login_staff):
    procedure = procedure_with_documents()
    desk = staff_user(Role.DESK_OFFICER, agency=procedure.agency)
    client = login_staff(desk)
    documents = procedure.current_version.data["documents"]
    form_url = url("walk_in") + f"?thu-tuc={procedure.code}"
    response = client.post(
        form_url,
        {
            "name": "Đinh Thị Hoa",
            "national_id": "123",
            "address": "Số 5 Lê Lợi",
            "return_method": "desk",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Đinh Thị Hoa"' in page and 'value="Số 5 Lê Lợi"' in page
    # A forged file: the service refuses it, the form keeps the rest.
    response = client.post(
        form_url,
        {
            "name": "Đinh Thị Hoa",
            "national_id": "054190000777",
            "return_method": "desk",
            f"document_{documents[0]['id']}": SimpleUploadedFile(
                "to-khai.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 200
    assert 'value="054190000777"' in response.content.decode()
    assert not Dossier.objects.exists() or not Dossier.objects.filter(channel="desk").exists()
    assert not Attachment.objects.exists()


def test_walk_in_only_for_procedures_of_the_agency(login_staff):
    procedure = procedure_with_documents()
    client = login_staff(staff_user(Role.DESK_OFFICER, agency=AgencyFactory()))
    assert client.get(url("walk_in") + f"?thu-tuc={procedure.code}").status_code == 404
