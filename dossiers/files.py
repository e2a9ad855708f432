"""Uploaded dossier files: checked by their content, not their name, and limited in size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from .errors import DossierValidationError

if TYPE_CHECKING:
    from .models import Dossier

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
    try:
        with Image.open(upload) as image:
            image.verify()
            if image.format not in ("JPEG", "PNG"):
                return None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    finally:
        upload.seek(0)
    return kind


def check_upload(upload: UploadedFile, *, dossier: Dossier) -> str:
    """The real type of an acceptable file, or a DossierValidationError saying what is wrong."""
    name = upload.name or ""
    max_file = settings.DOSSIER_MAX_FILE_MB * 1024 * 1024
    if (upload.size or 0) == 0:
        raise DossierValidationError(_("The file “%(name)s” is empty.") % {"name": name})
    if (upload.size or 0) > max_file:
        raise DossierValidationError(
            _("The file “%(name)s” is larger than %(limit)s MB.")
            % {"name": name, "limit": settings.DOSSIER_MAX_FILE_MB}
        )
    used = 0
    if dossier.pk:
        used = dossier.attachments.aggregate(total=Sum("size"))["total"] or 0
    if used + (upload.size or 0) > settings.DOSSIER_MAX_TOTAL_MB * 1024 * 1024:
        raise DossierValidationError(
            _("All the files of a dossier together may not exceed %(limit)s MB.")
            % {"limit": settings.DOSSIER_MAX_TOTAL_MB}
        )
    kind = _sniff(upload)
    if kind is None:
        raise DossierValidationError(
            _("The file “%(name)s” is not a PDF, JPEG or PNG file (or it is damaged).")
            % {"name": name}
        )
    return kind
