"""What the portal issued and signed: the record the public verification page reads."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.models import Attachment, Dossier, Notice, private_storage
from portal.models import Agency


def _private_storage() -> object:
    return private_storage


def new_token() -> str:
    return secrets.token_urlsafe(16)


class SignedDocument(models.Model):
    """One issued PDF: its verification token (printed as a QR code) and the hash of the copy."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt and appointment slip")
        SUPPLEMENT_REQUEST = "supplement_request", _("Supplement request")
        REFUSAL = "refusal", _("Refusal to receive")
        APOLOGY = "apology", _("Apology and new appointment")
        CONTROL_SLIP = "control_slip", _("Processing control slip")
        STOP_NOTICE = "stop_notice", _("Notice of stopping processing")
        FEE_RECEIPT = "fee_receipt", _("Fee receipt")
        RESULT = "result", _("Result file")
        REPORT = "report", _("Six-monthly report")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        ISSUED = "issued", _("Issued")
        FAILED = "failed", _("Could not be signed")

    token = models.CharField(_("verification code"), max_length=32, unique=True, default=new_token)
    kind = models.CharField(_("document"), max_length=30, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    notice = models.OneToOneField(
        Notice,
        verbose_name=_("notice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signed_document",
    )
    # Fee receipts and result files are stored here, signed; notices keep their own file.
    payment = models.ForeignKey(
        "payments.Payment",
        verbose_name=_("payment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signed_documents",
    )
    attachment = models.OneToOneField(
        Attachment,
        verbose_name=_("result file"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signed_document",
    )
    report = models.ForeignKey(
        "reporting.Report",
        verbose_name=_("report"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signed_documents",
    )
    # What the fee receipt showed when signed ("paid", "refunded"): a refund is a new receipt.
    variant = models.CharField(_("variant"), max_length=20, blank=True)
    file = models.FileField(
        _("signed file"),
        storage=_private_storage,  # type: ignore[arg-type]  # a lazy Storage
        upload_to="signed/%Y/%m/",
        max_length=255,
        blank=True,
    )
    error = models.TextField(_("why it could not be signed"), blank=True)
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    dossier_code = models.CharField(_("dossier code"), max_length=40, blank=True)
    # Empty for province and sector reports: signed by the portal operator (REPORT_ISSUER).
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signer = models.CharField(_("signed by"), max_length=255, blank=True)
    certificate_serial = models.CharField(_("certificate serial"), max_length=64, blank=True)
    sha256 = models.CharField(_("SHA-256 of the issued file"), max_length=64, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sha256"], name="signed_document_sha256")]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "variant"],
                condition=models.Q(kind="fee_receipt"),
                name="signed_document_one_receipt_per_payment_variant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_code} {self.get_kind_display()}"

    @property
    def issuer(self) -> str:
        """Who issued it, as shown on the verification page."""
        return self.agency.name if self.agency else str(settings.REPORT_ISSUER)


class AgencyCertificate(Agency):
    """An agency seen through its signing certificate (the admin's certificate list)."""

    class Meta:
        proxy = True
        verbose_name = _("agency signing certificate")
        verbose_name_plural = _("agency signing certificates")
