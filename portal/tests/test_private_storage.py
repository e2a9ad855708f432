"""Private files on S3-compatible object storage, against a real SeaweedFS server.

With ``PRIVATE_STORAGE_BUCKET`` set, dossier documents and notices go to the bucket instead of
the local disk; they keep no public address and are still handed out only by the views that
check who is asking.
"""

import pytest
from botocore.exceptions import ClientError
from django.urls import reverse
from django.utils.functional import empty

from dossiers import services
from dossiers.models import Notice, private_storage
from dossiers.tests.factories import PDF_BYTES, desk_officer_for, pdf_upload
from portal.storage import PrivateObjectStorage
from procedures.tests.factories import ProcedureFactory
from tests.factories import UserFactory
from tests.object_store import keys, s3_client, storage_options

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(make_bucket, settings):
    name = make_bucket("dossier-files")
    settings.PRIVATE_OBJECT_STORAGE = storage_options(name)
    private_storage._wrapped = empty
    yield s3_client(), name
    private_storage._wrapped = empty


@pytest.fixture
def submitted(bucket):
    procedure = ProcedureFactory(level4=True, documents=1, published=True)
    owner = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=owner)
    document_id = procedure.current_version.data["documents"][0]["id"]
    attachment = services.attachment_add(
        dossier_id=dossier.pk, actor=owner, document_id=document_id, upload=pdf_upload("don.pdf")
    )
    services.dossier_submit(dossier_id=dossier.pk, actor=owner, declaration=True)
    dossier.refresh_from_db()
    return dossier, attachment


def test_uploaded_documents_go_to_the_bucket_not_the_disk(submitted, bucket, settings):
    client, name = bucket
    _dossier, attachment = submitted

    assert keys(client, name) == [f"portal/{attachment.file.name}"]
    stored = client.get_object(Bucket=name, Key=f"portal/{attachment.file.name}")
    assert stored["Body"].read() == PDF_BYTES
    assert not (settings.PRIVATE_MEDIA_ROOT / attachment.file.name).exists()


def test_the_owner_downloads_from_the_bucket_and_others_get_nothing(client, submitted):
    dossier, attachment = submitted
    url = reverse("dossiers:attachment", kwargs={"pk": dossier.pk, "file_pk": attachment.pk})

    client.force_login(dossier.applicant)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Cache-Control"] == "private, no-store"

    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_objects_have_no_public_address(submitted, bucket, s3_endpoint):
    _dossier, attachment = submitted
    client, name = bucket

    with pytest.raises(ValueError, match="no public address"):
        attachment.file.url  # noqa: B018 - the property itself must refuse
    assert isinstance(private_storage._wrapped, PrivateObjectStorage)
    # The objects carry no public-read grant.
    grants = client.get_object_acl(Bucket=name, Key=f"portal/{attachment.file.name}")["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee", {})) for grant in grants)


def test_the_receipt_pdf_is_stored_in_the_bucket_and_served_to_the_owner(
    client, submitted, bucket, django_capture_on_commit_callbacks
):
    s3, name = bucket
    dossier, _attachment = submitted
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))

    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.RECEIPT)
    assert notice.status == Notice.Status.READY, notice.error
    assert f"portal/{notice.file.name}" in keys(s3, name)

    client.force_login(dossier.applicant)
    response = client.get(
        reverse("dossiers:notice", kwargs={"pk": dossier.pk, "notice_pk": notice.pk})
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_discarding_a_draft_deletes_its_objects(bucket, django_capture_on_commit_callbacks):
    client, name = bucket
    procedure = ProcedureFactory(level4=True, documents=1, published=True)
    owner = UserFactory()
    dossier = services.dossier_create_draft(procedure=procedure, applicant=owner)
    document_id = procedure.current_version.data["documents"][0]["id"]
    services.attachment_add(
        dossier_id=dossier.pk, actor=owner, document_id=document_id, upload=pdf_upload()
    )
    assert len(keys(client, name)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_discard_draft(dossier_id=dossier.pk, actor=owner)

    assert keys(client, name) == []


def test_a_missing_bucket_is_an_error_not_a_silent_local_fallback(settings, s3_endpoint):
    settings.PRIVATE_OBJECT_STORAGE = storage_options("no-such-bucket-here")
    private_storage._wrapped = empty
    try:
        with pytest.raises(ClientError):
            private_storage.save("probe.txt", pdf_upload())
    finally:
        private_storage._wrapped = empty
