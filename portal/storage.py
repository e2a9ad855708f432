"""Where private files (dossier documents, notices, results) are kept.

Private files have no public address: every download goes through a view that checks who is
asking. By default they live on the local file system under ``PRIVATE_MEDIA_ROOT`` (outside
``MEDIA_ROOT``); with ``PRIVATE_STORAGE_BUCKET`` set they go to S3-compatible object storage
(AWS S3, MinIO, Viettel/VNPT/FPT object storage...) through django-storages, still private:
no public ACL, and the portal streams them after its own permission check.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.functional import LazyObject
from storages.backends.s3 import S3Storage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public address; serve them through a view.")


class PrivateObjectStorage(S3Storage):
    """A private bucket: objects are written without a public ACL and never linked directly."""

    def url(
        self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None
    ) -> str:
        raise ValueError("Private files have no public address; serve them through a view.")


class MediaObjectStorage(S3Storage):
    """Public media (forms to download) in a bucket of their own.

    The bucket needs no public policy: the portal streams each form from it (procedures'
    form_download view, cached by browsers and proxies), so every host serves the same files.
    """

    def url(
        self, name: str, parameters: Any = None, expire: Any = None, http_method: Any = None
    ) -> str:
        raise ValueError("Media files are served by the portal's views, not from the bucket.")


def file_storages() -> dict[str, Storage]:
    """Every storage of the portal's own files, by area: public media and private files."""
    from django.core.files.storage import default_storage

    return {"media": default_storage, "private": cast(Storage, private_storage)}


def object_storages() -> dict[str, S3Storage]:
    """The areas kept in a bucket (the others are on the local disk)."""
    return {
        area: cast(S3Storage, storage)
        for area, storage in file_storages().items()
        if isinstance(storage, S3Storage)
    }


def ensure_buckets() -> list[str]:
    """Create the configured buckets that do not exist yet; returns the names created."""
    from botocore.exceptions import ClientError

    created = []
    for storage in object_storages().values():
        bucket = storage.bucket
        try:
            storage.connection.meta.client.head_bucket(Bucket=bucket.name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket"}:
                raise
            bucket.create()
            created.append(bucket.name)
    return created


def build_private_storage() -> Storage:
    options = settings.PRIVATE_OBJECT_STORAGE
    if options:
        return PrivateObjectStorage(**options)
    return PrivateFileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)


class PrivateStorage(LazyObject):
    """Private files have no public URL: views check permissions. Built on first use, so
    settings changed by tests (or a bucket configured later) apply."""

    def _setup(self) -> None:
        self._wrapped = build_private_storage()


# Dossier files, notices, stored reports and uploaded catalogue files.
private_storage = PrivateStorage()
