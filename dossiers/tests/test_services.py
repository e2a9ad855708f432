"""Rules of the desk and the citizen: who may act, what is checked, which dates are set."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import services
from dossiers.errors import DossierPermissionError, DossierStateError, DossierValidationError
from dossiers.models import Attachment, Dossier
from dossiers.tests.factories import (
    PDF_BYTES,
    DossierFactory,
    desk_officer_for,
    pdf_upload,
    specialist_department,
)
from portal import workdays
from portal.roles import Role
from procedures.models import Channel, RequiredDocument
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


# --- Who may act ---------------------------------------------------------------------------


def test_a_citizen_cannot_act_on_someone_elses_dossier():
    dossier = DossierFactory()
    stranger = UserFactory()
    with pytest.raises(DossierPermissionError):
        services.dossier_submit(dossier_id=dossier.pk, actor=stranger, declaration=True)
    received = DossierFactory(received=True)
    with pytest.raises(DossierPermissionError):
        services.dossier_withdraw(dossier_id=received.pk, actor=stranger, reason="")


def test_a_desk_officer_of_another_agency_cannot_act():
    dossier = DossierFactory(received=True)
    other = staff_user(Role.DESK_OFFICER, agency=AgencyFactory())
    with pytest.raises(DossierPermissionError):
        services.dossier_accept(dossier_id=dossier.pk, officer=other)
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED


def test_a_specialist_is_not_the_desk():
    dossier = DossierFactory(received=True)
    specialist = staff_user(Role.SPECIALIST, agency=dossier.agency)
    with pytest.raises(DossierPermissionError):
        services.dossier_accept(dossier_id=dossier.pk, officer=specialist)


# --- Submission ----------------------------------------------------------------------------


def procedure_with_documents(**kwargs):
    procedure = ProcedureFactory(level4=True, **kwargs)
    procedure.documents.create(name="Tờ khai", position=1)
    procedure.documents.create(name="Bản sao CCCD", position=2, form=RequiredDocument.Form.COPY)
    procedure.documents.create(name="Giấy ủy quyền", position=3, is_required=False)
    procedure.documents.create(name="CCCD bản chính", position=4, form="present")
    from procedures import services as procedure_services

    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure


def test_draft_is_prefilled_from_the_profile():
    citizen = UserFactory(address="12 Trần Hưng Đạo, Tuy Hòa")
    dossier = services.dossier_create_draft(procedure=procedure_with_documents(), applicant=citizen)
    assert dossier.state == Dossier.State.DRAFT and dossier.code is None
    assert (dossier.applicant_name, dossier.applicant_national_id) == (
        citizen.full_name,
        citizen.national_id,
    )
    assert dossier.applicant_address == "12 Trần Hưng Đạo, Tuy Hòa"
    assert dossier.procedure_version == dossier.procedure.current_version


def test_levels_1_and_2_cannot_be_drafted_online():
    procedure = ProcedureFactory(information_only=True, published=True)
    with pytest.raises(DossierValidationError):
        services.dossier_create_draft(procedure=procedure, applicant=UserFactory())


def test_submission_lists_every_problem_and_keeps_the_draft():
    citizen = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure_with_documents(), applicant=citizen)
    services.dossier_update_draft(
        dossier_id=dossier.pk,
        actor=citizen,
        applicant_details=services.Applicant(
            name=citizen.full_name, national_id=citizen.national_id
        ),
        return_method="post",
        postal_address="",
    )
    with pytest.raises(DossierValidationError) as error:
        services.dossier_submit(dossier_id=dossier.pk, actor=citizen, declaration=False)
    problems = error.value.field_errors
    assert set(problems) == {"declaration", "postal_address", "documents"}
    # Both required uploads are named; the optional one and the one shown at the desk are not.
    assert "Tờ khai" in problems["documents"] and "Bản sao CCCD" in problems["documents"]
    assert "ủy quyền" not in problems["documents"] and "bản chính" not in problems["documents"]
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DRAFT and dossier.code is None


def test_complete_submission_gets_a_code_of_the_receiving_agency():
    citizen = UserFactory()
    procedure = procedure_with_documents()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=citizen)
    for document in dossier.procedure_version.data["documents"][:2]:
        services.attachment_add(
            dossier_id=dossier.pk, actor=citizen, document_id=document["id"], upload=pdf_upload()
        )
    dossier = services.dossier_submit(dossier_id=dossier.pk, actor=citizen, declaration=True)
    assert dossier.state == Dossier.State.RECEIVED
    assert dossier.code.startswith(f"{procedure.agency.code}-")
    assert dossier.code.endswith("-0001")
    assert dossier.submitted_at is not None


def test_a_new_file_replaces_the_previous_one_of_the_same_document():
    citizen = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure_with_documents(), applicant=citizen)
    document_id = dossier.procedure_version.data["documents"][0]["id"]
    first = services.attachment_add(
        dossier_id=dossier.pk, actor=citizen, document_id=document_id, upload=pdf_upload("a.pdf")
    )
    services.attachment_add(
        dossier_id=dossier.pk, actor=citizen, document_id=document_id, upload=pdf_upload("b.pdf")
    )
    names = list(dossier.attachments.values_list("original_name", flat=True))
    assert names == ["b.pdf"]
    assert not Attachment.objects.filter(pk=first.pk).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("hoa-don.pdf", b"MZ\x90\x00 this is an executable", "không phải tệp PDF, JPEG hoặc PNG"),
        ("anh.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "không phải tệp PDF, JPEG hoặc PNG"),
        ("trong.pdf", b"", "trống"),
        ("cut.pdf", b"%PDF-1.4\nno end of file marker", "không phải tệp PDF, JPEG hoặc PNG"),
    ],
)
def test_forged_or_broken_files_are_refused(name, content, message):
    citizen = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure_with_documents(), applicant=citizen)
    document_id = dossier.procedure_version.data["documents"][0]["id"]
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with pytest.raises(DossierValidationError) as error:
        services.attachment_add(
            dossier_id=dossier.pk, actor=citizen, document_id=document_id, upload=upload
        )
    assert message in error.value.message
    assert not dossier.attachments.exists()


def test_real_png_and_jpeg_are_accepted():
    from io import BytesIO

    from PIL import Image

    citizen = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure_with_documents(), applicant=citizen)
    document_id = dossier.procedure_version.data["documents"][0]["id"]
    for fmt, mime in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        buffer = BytesIO()
        Image.new("RGB", (40, 30), "white").save(buffer, fmt)
        upload = SimpleUploadedFile(f"scan.{fmt.lower()}", buffer.getvalue())
        attachment = services.attachment_add(
            dossier_id=dossier.pk, actor=citizen, document_id=document_id, upload=upload
        )
        assert attachment.content_type == mime


def test_size_limits(settings):
    settings.DOSSIER_MAX_FILE_MB = 1
    citizen = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure_with_documents(), applicant=citizen)
    document_id = dossier.procedure_version.data["documents"][0]["id"]
    big = PDF_BYTES[:-6] + b"0" * (1024 * 1024) + b"\n%%EOF\n"
    with pytest.raises(DossierValidationError) as error:
        services.attachment_add(
            dossier_id=dossier.pk,
            actor=citizen,
            document_id=document_id,
            upload=pdf_upload(content=big),
        )
    assert "1 MB" in error.value.message


def test_a_replaced_file_does_not_count_towards_the_total_size(settings):
    settings.DOSSIER_MAX_TOTAL_MB = 1
    citizen = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure_with_documents(), applicant=citizen)
    first, second = (d["id"] for d in dossier.procedure_version.data["documents"][:2])
    scan = PDF_BYTES[:-6] + b"0" * (600 * 1024) + b"\n%%EOF\n"  # 0.6 MB of the 1 MB allowed
    services.attachment_add(
        dossier_id=dossier.pk, actor=citizen, document_id=first, upload=pdf_upload("a.pdf", scan)
    )
    # A better scan of the same document takes the place of the first: 0.6 MB in all.
    services.attachment_add(
        dossier_id=dossier.pk, actor=citizen, document_id=first, upload=pdf_upload("b.pdf", scan)
    )
    assert list(dossier.attachments.values_list("original_name", flat=True)) == ["b.pdf"]
    # Another document of the same size would make 1.2 MB: still refused.
    with pytest.raises(DossierValidationError) as error:
        services.attachment_add(
            dossier_id=dossier.pk,
            actor=citizen,
            document_id=second,
            upload=pdf_upload("c.pdf", scan),
        )
    assert "1 MB" in error.value.message
    assert list(dossier.attachments.values_list("original_name", flat=True)) == ["b.pdf"]


def test_files_are_private():
    citizen = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure_with_documents(), applicant=citizen)
    document_id = dossier.procedure_version.data["documents"][0]["id"]
    attachment = services.attachment_add(
        dossier_id=dossier.pk, actor=citizen, document_id=document_id, upload=pdf_upload()
    )
    from django.conf import settings

    assert str(settings.PRIVATE_MEDIA_ROOT) in attachment.file.path
    assert str(settings.MEDIA_ROOT) not in attachment.file.path
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 - no public address exists


# --- Desk decisions ------------------------------------------------------------------------


def at(*args):
    return datetime(*args, tzinfo=HCM)


@pytest.mark.parametrize(
    ("channel", "halving", "days"),
    [(Channel.ONLINE, True, Decimal("7.5")), (Channel.ONLINE, False, 15), (Channel.DESK, True, 15)],
)
def test_acceptance_sets_the_due_time(settings, channel, halving, days):
    settings.ONLINE_HALVING_ENABLED = halving
    procedure = ProcedureFactory(level4=True, processing_time=Decimal(15), published=True)
    dossier = DossierFactory(received=True, procedure=procedure, channel=channel)
    dossier = services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    assert dossier.state == Dossier.State.PROCESSING
    assert dossier.due_at == workdays.add_working_days(dossier.accepted_at, days)
    assert dossier.appointment_at == dossier.due_at
    half_day = workdays.working_hours_per_day() / 2
    assert dossier.forward_due_at == workdays.add_working_hours(dossier.accepted_at, half_day)


def test_refusal_needs_reasons():
    dossier = DossierFactory(received=True)
    with pytest.raises(DossierValidationError):
        services.dossier_refuse(
            dossier_id=dossier.pk, officer=desk_officer_for(dossier), reason=" "
        )
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED


def test_forwarding_in_time_and_late():
    dossier = DossierFactory(processing=True)
    desk = desk_officer_for(dossier)
    department = specialist_department(dossier)
    services.dossier_forward(dossier_id=dossier.pk, officer=desk, department=department)
    dossier.refresh_from_db()
    assert dossier.department == department
    assert dossier.events.last().data["late"] is False
    assert not services.forward_breached(dossier)

    late = DossierFactory(processing=True)
    Dossier.objects.filter(pk=late.pk).update(forward_due_at=at(2026, 1, 5, 9, 0))
    services.dossier_forward(
        dossier_id=late.pk, officer=desk_officer_for(late), department=specialist_department(late)
    )
    late.refresh_from_db()
    assert late.events.last().data["late"] is True
    assert services.forward_breached(late)


def test_forwarding_only_to_a_specialist_department_of_the_agency():
    dossier = DossierFactory(processing=True)
    desk = desk_officer_for(dossier)
    from tests.factories import DepartmentFactory

    desk_unit = DepartmentFactory(agency=dossier.agency, one_stop_desk=True)
    with pytest.raises(DossierValidationError):
        services.dossier_forward(dossier_id=dossier.pk, officer=desk, department=desk_unit)

    with pytest.raises(DossierValidationError):
        services.dossier_forward(
            dossier_id=dossier.pk, officer=desk, department=DepartmentFactory()
        )
    services.dossier_forward(
        dossier_id=dossier.pk, officer=desk, department=specialist_department(dossier)
    )
    with pytest.raises(DossierStateError):
        services.dossier_forward(
            dossier_id=dossier.pk, officer=desk, department=specialist_department(dossier)
        )


def test_walk_in_registration_by_the_desk():
    procedure = procedure_with_documents()
    desk = staff_user(Role.DESK_OFFICER, agency=procedure.agency)
    documents = procedure.current_version.data["documents"]
    dossier = services.dossier_register_walk_in(
        officer=desk,
        procedure=procedure,
        applicant=services.Applicant(name="Lê Thị Mai", national_id="054196000321"),
        files={documents[0]["id"]: pdf_upload(), documents[1]["id"]: pdf_upload()},
        originals_checked=True,
    )
    assert dossier.state == Dossier.State.RECEIVED
    assert dossier.channel == Channel.DESK and dossier.applicant is None
    assert dossier.originals_checked
    assert dossier.attachments.count() == 2
    other_desk = staff_user(Role.DESK_OFFICER)
    with pytest.raises(DossierPermissionError):
        services.dossier_register_walk_in(
            officer=other_desk,
            procedure=procedure,
            applicant=services.Applicant(name="Lê Thị Mai", national_id="054196000321"),
            files={},
            originals_checked=False,
        )
