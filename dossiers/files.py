"""Uploaded dossier files: checked by their content, not their name, and limited in size."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.utils.translation import gettext as _
from PIL import Image
from PIL.Image import DecompressionBombWarning

from .errors import DossierValidationError

if TYPE_CHECKING:
    from .models import Attachment, Dossier

# Other apps that may name a dossier's stored file (the personal document store): a file is
# deleted only when none of them still holds it.
file_holders: list[Callable[[str], bool]] = []


def file_is_held(name: str) -> bool:
    return any(holder(name) for holder in file_holders)


PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
ALLOWED_TYPES = (PDF, JPEG, PNG)


def _sniff(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        size = upload.size or 0
        upload.seek(max(0, size - 2048))
        tail = upload.read()
        upload.seek(0)
        return PDF if b"%%EOF" in tail else None
    if head.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    else:
        return None
    if kind == PNG and not _ends_with_png_trailer(upload):
        return None
    try:
        # Image.open reads the header only; dimensions past Pillow's pixel limit (a small file
        # that would decompress to gigabytes) are refused there, before any pixel is decoded.
        with warnings.catch_warnings():
            warnings.simplefilter("error", DecompressionBombWarning)
            with Image.open(upload) as image:
                image.verify()
                if image.format not in ("JPEG", "PNG"):
                    return None
    except Exception:
        # Damaged data makes Pillow raise almost anything (OSError, SyntaxError, struct.error,
        # IndexError once a library has set ImageFile.LOAD_TRUNCATED_IMAGES, …): all mean the
        # same to the person uploading, a file that is not a readable PDF, JPEG or PNG.
        return None
    finally:
        upload.seek(0)
    return kind


PNG_TRAILER = b"IEND\xaeB`\x82"  # the IEND chunk's type and (constant) checksum


def _ends_with_png_trailer(upload: UploadedFile) -> bool:
    """A PNG cut short loses its IEND chunk; Pillow's own check skips that test once any library
    (WeasyPrint does) has set ImageFile.LOAD_TRUNCATED_IMAGES, so it is made here."""
    size = upload.size or 0
    upload.seek(max(0, size - 64))
    tail = upload.read()
    upload.seek(0)
    return PNG_TRAILER in tail


def check_upload(
    upload: UploadedFile, *, dossier: Dossier, replaces: Collection[Attachment] = ()
) -> str:
    """The real type of an acceptable file, or a DossierValidationError saying what is wrong.

    `replaces`: the dossier's files this upload takes the place of; they leave the dossier
    with it, so they do not count towards the dossier's total size.
    """
    _check_size(upload)
    used = 0
    if dossier.pk:
        kept = dossier.attachments.exclude(pk__in=[attachment.pk for attachment in replaces])
        used = kept.aggregate(total=Sum("size"))["total"] or 0
    if used + (upload.size or 0) > settings.DOSSIER_MAX_TOTAL_MB * 1024 * 1024:
        raise DossierValidationError(
            _("All the files of a dossier together may not exceed %(limit)s MB.")
            % {"limit": settings.DOSSIER_MAX_TOTAL_MB}
        )
    return _check_type(upload)


def check_file(upload: UploadedFile) -> str:
    """The checks of one file on its own (size and real type), outside any dossier."""
    _check_size(upload)
    return _check_type(upload)


def _check_size(upload: UploadedFile) -> None:
    name = upload.name or ""
    if (upload.size or 0) == 0:
        raise DossierValidationError(_("The file “%(name)s” is empty.") % {"name": name})
    if (upload.size or 0) > settings.DOSSIER_MAX_FILE_MB * 1024 * 1024:
        raise DossierValidationError(
            _("The file “%(name)s” is larger than %(limit)s MB.")
            % {"name": name, "limit": settings.DOSSIER_MAX_FILE_MB}
        )


def _check_type(upload: UploadedFile) -> str:
    kind = _sniff(upload)
    if kind is None:
        raise DossierValidationError(
            _("The file “%(name)s” is not a PDF, JPEG or PNG file (or it is damaged).")
            % {"name": upload.name or ""}
        )
    return kind
