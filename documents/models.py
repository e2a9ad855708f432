"""The citizen's personal document store (kho dữ liệu điện tử của tổ chức, cá nhân).

A stored document names a file in the private storage. Files accepted with a dossier and
results issued to it are not copied: the store entry names the dossier's own file. A document
taken from the store into a new dossier is the same: the dossier's attachment names the bytes
the store entry names, and a `StoreUse` row says where it came from. Stored files are never
changed, only deleted, and only once nothing names them any more (`selectors.file_is_held`),
so each side keeps an immutable reference the other cannot break.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Attachment, Dossier, _private_storage
from portal.models import Agency, User


class StoredDocument(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded by you")
        ACCEPTED = "accepted", _("Accepted with a dossier")
        RESULT = "result", _("Result issued")

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="stored_documents"
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    kind = models.CharField(
        _("kind of document"),
        max_length=500,
        help_text=_("The document of the procedure, or what the citizen calls it."),
    )
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    issuer_agency = models.ForeignKey(
        Agency,
        verbose_name=_("issuing agency"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_on = models.DateField(_("date"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    file = models.FileField(
        _("file"),
        storage=_private_storage,  # type: ignore[arg-type]  # a lazy Storage
        upload_to="store/%Y/%m/",
        max_length=255,
        db_index=True,
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The dossier the document was accepted with or issued to."),
    )
    attachment = models.ForeignKey(
        Attachment,
        verbose_name=_("dossier file"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("kept since"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored document")
        verbose_name_plural = _("stored documents")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="stored_document_owner")]
        constraints = [
            # A dossier file is kept once, however often acceptance or delivery is replayed.
            models.UniqueConstraint(
                fields=["owner", "attachment"],
                condition=models.Q(attachment__isnull=False),
                name="stored_document_attachment_once",
            ),
            models.CheckConstraint(
                condition=models.Q(source="upload") | models.Q(dossier__isnull=False),
                name="stored_document_kept_from_a_dossier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.original_name})"

    @property
    def deletable(self) -> bool:
        """Only what the citizen uploaded: what an agency accepted or issued stays."""
        return self.source == self.Source.UPLOAD

    def is_expired(self, today: object = None) -> bool:
        day = today or timezone.localdate()
        return self.valid_until is not None and self.valid_until < day  # type: ignore[operator]


class StoreUse(models.Model):
    """A dossier file taken from the store: what it was, and which earlier dossier it came from.

    The details are copied here, so the desk still sees them after the citizen deleted the
    store entry.
    """

    attachment = models.OneToOneField(
        Attachment,
        verbose_name=_("dossier file"),
        on_delete=models.CASCADE,
        related_name="store_use",
    )
    stored_document = models.ForeignKey(
        StoredDocument,
        verbose_name=_("stored document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="uses",
    )
    file_name = models.CharField(_("stored file"), max_length=255, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=StoredDocument.Source.choices)
    kind = models.CharField(_("kind of document"), max_length=500)
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source_dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("earlier dossier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source_dossier_code = models.CharField(_("earlier dossier code"), max_length=40, blank=True)
    taken_at = models.DateTimeField(_("taken from the store"), auto_now_add=True)

    class Meta:
        verbose_name = _("document taken from the store")
        verbose_name_plural = _("documents taken from the store")

    def __str__(self) -> str:
        return f"{self.attachment_id} ← {self.kind}"
