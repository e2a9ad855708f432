"""Where private files (dossier documents, notices, results) are kept.

Private files have no public address: every download goes through a view that checks who is
asking. By default they live on the local file system under ``PRIVATE_MEDIA_ROOT`` (outside
``MEDIA_ROOT``); with ``PRIVATE_STORAGE_BUCKET`` set they go to S3-compatible object storage
(AWS S3, MinIO, Viettel/VNPT/FPT object storage...) through django-storages, still private:
no public ACL, and the portal streams them after its own permission check.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
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


def build_private_storage() -> Storage:
    options = settings.PRIVATE_OBJECT_STORAGE
    if options:
        return PrivateObjectStorage(**options)
    return PrivateFileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)
