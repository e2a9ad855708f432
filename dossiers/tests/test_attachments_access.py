"""Dossier files are private: only their owner gets them here, and nobody learns they exist.

Citizen B tries every citizen page and action on citizen A's dossier: each answers 404 and
nothing changes. Staff see files through their own desk pages, not through these.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from dossiers import services
from dossiers.models import Attachment, Dossier, Notice
from dossiers.tests.factories import PDF_BYTES, DossierFactory, desk_officer_for, pdf_upload
from procedures.tests.factories import ProcedureFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_dossier():
    """Citizen A's submitted dossier with one PDF."""
    procedure = ProcedureFactory(level4=True, documents=1, published=True)
    owner = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=owner)
    document_id = procedure.current_version.data["documents"][0]["id"]
    attachment = services.attachment_add(
        dossier_id=dossier.pk, actor=owner, document_id=document_id, upload=pdf_upload("ho-so.pdf")
    )
    return dossier, attachment


def attachment_url(dossier, attachment):
    return reverse("dossiers:attachment", kwargs={"pk": dossier.pk, "file_pk": attachment.pk})


def test_the_owner_downloads_a_file_inline_and_uncached(client, owner_dossier):
    dossier, attachment = owner_dossier
    client.force_login(dossier.applicant)
    response = client.get(attachment_url(dossier, attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert "ho-so.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_files_live_outside_the_public_media(client, owner_dossier):
    _dossier, attachment = owner_dossier
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    # Whatever URL the storage would make up, nothing serves the file there.
    assert client.get(f"{settings.MEDIA_URL}{attachment.file.name}").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, owner_dossier):
    dossier, attachment = owner_dossier
    response = client.get(attachment_url(dossier, attachment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:login"))


def test_citizen_b_cannot_see_edit_submit_or_download_a_draft(client, owner_dossier):
    dossier, attachment = owner_dossier
    client.force_login(UserFactory())
    pk = dossier.pk
    assert client.get(reverse("dossiers:detail", kwargs={"pk": pk})).status_code == 404
    assert client.get(reverse("dossiers:draft_edit", kwargs={"pk": pk})).status_code == 404
    assert client.get(reverse("dossiers:submitted", kwargs={"pk": pk})).status_code == 404
    assert client.get(attachment_url(dossier, attachment)).status_code == 404
    edit = client.post(
        reverse("dossiers:draft_edit", kwargs={"pk": pk}),
        {
            "applicant_name": "Kẻ gian",
            "applicant_national_id": "054090000001",
            "return_method": "desk",
            "declaration": "on",
            "action": "submit",
        },
    )
    assert edit.status_code == 404
    assert client.post(reverse("dossiers:discard", kwargs={"pk": pk})).status_code == 404
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DRAFT
    assert dossier.applicant_name != "Kẻ gian"
    # And the list does not show it.
    assert f"/ho-so-cua-toi/{pk}/" not in client.get(reverse("dossiers:mine")).content.decode()


def test_citizen_b_cannot_withdraw_supplement_or_read_notices(client, owner_dossier):
    dossier, attachment = owner_dossier
    services.dossier_submit(dossier_id=dossier.pk, actor=dossier.applicant, declaration=True)
    notice = Notice.objects.create(dossier=dossier, kind=Notice.Kind.RECEIPT)
    client.force_login(UserFactory())
    pk = dossier.pk
    assert (
        client.post(reverse("dossiers:withdraw", kwargs={"pk": pk}), {"reason": "x"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("dossiers:supplement", kwargs={"pk": pk}), {"document_1": pdf_upload()}
        ).status_code
        == 404
    )
    notice_url = reverse("dossiers:notice", kwargs={"pk": pk, "notice_pk": notice.pk})
    assert client.get(notice_url).status_code == 404
    assert client.get(attachment_url(dossier, attachment)).status_code == 404
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED


def test_a_file_of_another_dossier_is_not_reachable_through_ones_own(client, owner_dossier):
    _dossier, attachment = owner_dossier
    mine = DossierFactory(received=True)
    client.force_login(mine.applicant)
    url = reverse("dossiers:attachment", kwargs={"pk": mine.pk, "file_pk": attachment.pk})
    assert client.get(url).status_code == 404


def test_staff_of_the_agency_do_not_use_the_citizen_pages(login_staff, owner_dossier):
    dossier, attachment = owner_dossier
    services.dossier_submit(dossier_id=dossier.pk, actor=dossier.applicant, declaration=True)
    client = login_staff(desk_officer_for(dossier))
    assert client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).status_code == 404
    assert client.get(attachment_url(dossier, attachment)).status_code == 404


def test_result_and_supplement_files_are_listed_for_the_owner(client, owner_dossier):
    dossier, attachment = owner_dossier
    client.force_login(dossier.applicant)
    html = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert attachment_url(dossier, attachment) in html
    assert Attachment.objects.filter(dossier=dossier).count() == 1
