"""The store on S3-compatible object storage, against the real SeaweedFS server.

Uploads go to the private bucket, only the owner gets them back through the portal, and an
object shared by the store and a dossier stays until neither names it.
"""

import pytest
from django.urls import reverse
from django.utils.functional import empty

from documents import services
from documents.services import DocumentDetails
from dossiers import services as dossier_services
from dossiers.models import private_storage
from dossiers.tests.factories import PDF_BYTES, pdf_upload
from tests.factories import UserFactory
from tests.object_store import keys, s3_client, storage_options

from .helpers import document_ids, two_document_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(make_bucket, settings):
    name = make_bucket("store-files")
    settings.PRIVATE_OBJECT_STORAGE = storage_options(name)
    private_storage._wrapped = empty
    yield s3_client(), name
    private_storage._wrapped = empty


def test_an_upload_goes_to_the_bucket_and_only_its_owner_gets_it(client, bucket):
    s3, name = bucket
    owner = UserFactory()
    item = services.stored_document_upload(
        owner=owner, upload=pdf_upload("cccd.pdf"), details=DocumentDetails(kind="CCCD")
    )
    assert keys(s3, name) == [f"portal/{item.file.name}"]
    grants = s3.get_object_acl(Bucket=name, Key=f"portal/{item.file.name}")["Grants"]
    assert not any("AllUsers" in str(grant.get("Grantee", {})) for grant in grants)
    url = reverse("documents:file", kwargs={"pk": item.pk})
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_a_shared_object_stays_until_neither_side_names_it(
    bucket, django_capture_on_commit_callbacks
):
    s3, name = bucket
    owner = UserFactory()
    item = services.stored_document_upload(
        owner=owner, upload=pdf_upload("cccd.pdf"), details=DocumentDetails(kind="CCCD")
    )
    draft = dossier_services.dossier_create_draft(
        procedure=two_document_procedure(), applicant=owner
    )
    attachment = services.store_take_into_draft(
        dossier_id=draft.pk,
        actor=owner,
        document_id=document_ids(draft)[0],
        stored_document_id=item.pk,
    )
    assert keys(s3, name) == [f"portal/{item.file.name}"]  # one object, no copy

    with django_capture_on_commit_callbacks(execute=True):
        services.stored_document_delete(owner=owner, document_id=item.pk)
    assert keys(s3, name) == [f"portal/{attachment.file.name}"]
    attachment.refresh_from_db()
    assert attachment.file.open("rb").read() == PDF_BYTES

    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.dossier_discard_draft(dossier_id=draft.pk, actor=owner)
    assert keys(s3, name) == []
