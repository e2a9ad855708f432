"""Every file on object storage when buckets are configured, against a real SeaweedFS server.

Public media (the forms citizens download) and private files each go to a bucket of their own,
so that every web host serves the same files; files still on a local disk are moved there by
`copy_files_to_object_storage`, verified by checksum.
"""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.functional import empty

from dossiers.models import private_storage
from portal.storage import MediaObjectStorage, PrivateObjectStorage
from portal.tests.test_settings import python_settings
from procedures.demo_forms import demo_forms_attach
from procedures.tests.factories import ProcedureFactory, RequiredDocumentFactory
from tests.object_store import keys, s3_client, storage_options

pytestmark = pytest.mark.django_db


@pytest.fixture
def buckets(make_bucket, settings):
    """Both areas on buckets of their own; returns (client, media bucket, private bucket)."""
    media, private = make_bucket("media"), make_bucket("private")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "portal.storage.MediaObjectStorage",
            "OPTIONS": storage_options(media, location=""),
        },
    }
    settings.PRIVATE_OBJECT_STORAGE = storage_options(private, location="")
    private_storage._wrapped = empty
    yield s3_client(), media, private
    private_storage._wrapped = empty


def test_forms_go_to_the_media_bucket_and_are_downloaded_from_it(client, buckets, settings):
    s3, media, _private = buckets
    procedure = ProcedureFactory(published=True)
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai đăng ký khai sinh")
    assert isinstance(default_storage, MediaObjectStorage)

    assert demo_forms_attach() == 1
    document = procedure.documents.get()
    assert keys(s3, media) == [document.template_file.name]
    assert not (settings.MEDIA_ROOT / document.template_file.name).exists()

    # A second web host has nothing on its disk: the form comes from the bucket.
    procedure.refresh_from_db()
    version_document = procedure.current_version.data["documents"][0]
    response = client.get(reverse("procedures:form", args=[procedure.code, version_document["id"]]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    stored = s3.get_object(Bucket=media, Key=document.template_file.name)["Body"].read()
    assert body == stored


def test_media_objects_have_no_public_address(buckets):
    _s3, media, _private = buckets
    name = default_storage.save("procedures/forms/probe.pdf", ContentFile(b"%PDF-1.4 probe"))
    with pytest.raises(ValueError, match="served by the portal"):
        default_storage.url(name)
    import urllib.error
    import urllib.request

    from tests.object_store import ENDPOINT

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{ENDPOINT}/{media}/{name}", timeout=10)
    assert refused.value.code == 403


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def files_on_disk(settings):
    """Files written while the portal still kept them on the local disk."""
    media = FileSystemStorage(location=settings.MEDIA_ROOT)
    private = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)
    written = {
        ("media", media.save("procedures/forms/2026/mau-1.pdf", ContentFile(b"%PDF form 1"))),
        ("media", media.save("procedures/forms/2026/mau-2.pdf", ContentFile(b"%PDF form 2"))),
        ("private", private.save("dossiers/2026/11/don.pdf", ContentFile(b"%PDF dossier"))),
        ("private", private.save("notices/2026/11/giay-tiep-nhan.pdf", ContentFile(b"%PDF n"))),
    }
    return written


def test_local_files_are_copied_to_the_buckets_and_verified(buckets, files_on_disk, capsys):
    s3, media, private = buckets
    call_command("copy_files_to_object_storage")
    out = capsys.readouterr().out
    assert "media: 2 copied and verified, 0 already there" in out
    assert "private: 2 copied and verified, 0 already there" in out
    assert keys(s3, media) == sorted(n for area, n in files_on_disk if area == "media")
    assert keys(s3, private) == sorted(n for area, n in files_on_disk if area == "private")
    body = s3.get_object(Bucket=private, Key="dossiers/2026/11/don.pdf")["Body"].read()
    assert body == b"%PDF dossier"

    # The files keep their names, so the database still finds them; a second run copies nothing.
    call_command("copy_files_to_object_storage")
    out = capsys.readouterr().out
    assert "media: 0 copied and verified, 2 already there" in out
    assert "private: 0 copied and verified, 2 already there" in out


def test_an_object_with_other_content_is_reported_not_overwritten(buckets, files_on_disk):
    s3, _media, private = buckets
    s3.put_object(Bucket=private, Key="dossiers/2026/11/don.pdf", Body=b"something else")
    with pytest.raises(CommandError, match="1 files were not copied intact"):
        call_command("copy_files_to_object_storage")
    body = s3.get_object(Bucket=private, Key="dossiers/2026/11/don.pdf")["Body"].read()
    assert body == b"something else"
    assert "notices/2026/11/giay-tiep-nhan.pdf" in keys(s3, private)  # the others went on


def test_a_dry_run_copies_nothing(buckets, files_on_disk, capsys):
    s3, media, private = buckets
    call_command("copy_files_to_object_storage", "--dry-run")
    assert "media: 2 to copy" in capsys.readouterr().out
    assert keys(s3, media) == [] and keys(s3, private) == []


def test_without_buckets_the_copy_refuses():
    with pytest.raises(CommandError, match="No bucket is configured"):
        call_command("copy_files_to_object_storage")


def test_missing_buckets_are_created_before_the_portal_starts(s3_endpoint, settings, capsys):
    import uuid

    media, private = f"media-{uuid.uuid4().hex[:12]}", f"private-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "portal.storage.MediaObjectStorage",
            "OPTIONS": storage_options(media, location=""),
        },
    }
    settings.PRIVATE_OBJECT_STORAGE = storage_options(private, location="")
    private_storage._wrapped = empty
    s3 = s3_client()
    try:
        call_command("ensure_object_storage")
        assert f"media: bucket {media} created" in capsys.readouterr().out
        existing = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
        assert {media, private} <= existing
        call_command("ensure_object_storage")
        assert f"private: bucket {private} present" in capsys.readouterr().out
        assert isinstance(private_storage._wrapped, PrivateObjectStorage)
    finally:
        from tests.object_store import empty_and_delete

        empty_and_delete(s3, media)
        empty_and_delete(s3, private)
        private_storage._wrapped = empty


def test_the_settings_put_each_area_on_its_bucket_with_shared_keys():
    env = {
        "MEDIA_STORAGE_BUCKET": "dvc-media",
        "PRIVATE_STORAGE_BUCKET": "dvc-private",
        "OBJECT_STORAGE_ENDPOINT_URL": "http://objectstore:8333",
        "OBJECT_STORAGE_ACCESS_KEY": "shared-key",
        "OBJECT_STORAGE_SECRET_KEY": "shared-secret",
        "PRIVATE_STORAGE_ACCESS_KEY": "private-only-key",
    }
    backend = python_settings("settings.STORAGES['default']['BACKEND']", env)
    assert backend == "portal.storage.MediaObjectStorage"
    media = python_settings(
        "[settings.STORAGES['default']['OPTIONS'][k] for k in "
        "('bucket_name', 'endpoint_url', 'access_key', 'secret_key')]",
        env,
    )
    assert media == "['dvc-media', 'http://objectstore:8333', 'shared-key', 'shared-secret']"
    private = python_settings(
        "[settings.PRIVATE_OBJECT_STORAGE[k] for k in "
        "('bucket_name', 'endpoint_url', 'access_key', 'secret_key')]",
        env,
    )
    assert private == (
        "['dvc-private', 'http://objectstore:8333', 'private-only-key', 'shared-secret']"
    )
    local = python_settings("settings.STORAGES['default']['BACKEND']", {})
    assert local == "django.core.files.storage.FileSystemStorage"
