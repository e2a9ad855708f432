"""Who looked at what: staff opening a dossier or a file is recorded; the citizen sees the units."""

import pytest
from django.urls import reverse

from audit import chain
from audit.models import AuditRecord
from dossiers import services
from dossiers.tests.factories import desk_officer_for, pdf_upload
from procedures.tests.factories import ProcedureFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted():
    procedure = ProcedureFactory(level4=True, documents=1, published=True)
    owner = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=owner)
    document_id = procedure.current_version.data["documents"][0]["id"]
    attachment = services.attachment_add(
        dossier_id=dossier.pk, actor=owner, document_id=document_id, upload=pdf_upload("cccd.pdf")
    )
    services.dossier_submit(dossier_id=dossier.pk, actor=owner, declaration=True)
    return dossier, attachment, owner


def test_staff_opening_a_dossier_and_a_file_is_recorded_and_the_citizen_sees_the_unit(
    client, login_staff, submitted
):
    dossier, attachment, owner = submitted
    officer = desk_officer_for(dossier)
    staff = login_staff(officer)
    assert staff.get(reverse("desk:dossier", kwargs={"pk": dossier.pk})).status_code == 200
    file_url = reverse("desk:attachment", kwargs={"pk": dossier.pk, "attachment_pk": attachment.pk})
    assert staff.get(file_url, REMOTE_ADDR="203.0.113.7").status_code == 200

    opened = AuditRecord.objects.filter(dossier_id=dossier.pk, kind__startswith="access.")
    assert [row.kind for row in opened] == ["access.dossier", "access.file"]
    file_row = opened.get(kind="access.file")
    assert file_row.actor_id == officer.pk
    assert file_row.ip == "203.0.113.7"
    assert "cccd.pdf" in file_row.target
    assert dossier.agency.name in file_row.unit
    assert chain.verify().ok

    staff.logout()
    client.force_login(owner)
    page = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert 'id="opened-by"' in page
    assert dossier.agency.name in page
    assert officer.full_name not in page  # units, never persons


def test_the_citizen_opening_their_own_dossier_is_not_staff_access(client, submitted):
    dossier, _attachment, owner = submitted
    client.force_login(owner)
    assert client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).status_code == 200
    assert not AuditRecord.objects.filter(kind__startswith="access.").exists()
    assert (
        'id="opened-by"'
        not in client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    )
