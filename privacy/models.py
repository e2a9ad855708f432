"""Personal-data rights (Law 91/2025/QH15 and Decree 356/2025/NĐ-CP, see docs/legal-basis.md).

* ``SharingRecord``: for each dossier, to whom the portal passes data about the applicant and on
  what basis (written at submission, shown to the citizen).
* ``DataRequest``: a citizen's request about their data: a copy of everything held (answered at
  once, as a ZIP), or a correction, deletion, restriction of or objection to the processing
  (handled by IT staff in the admin, answered within 2 working days; the citizen sees its status).
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier
from portal.models import User


class SharingRecord(models.Model):
    class Recipient(models.TextChoices):
        NATIONAL_PORTAL = "national_portal", _("National public-service portal (DVCQG)")
        PARTNER_API = "partner_api", _("Partners using the dossier-status API")

    class Basis(models.TextChoices):
        LEGAL_DUTY = "legal_duty", _("Required by law for the administrative procedure")
        CONSENT = "consent", _("Consent of the applicant")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.CharField(_("shared with"), max_length=20, choices=Recipient.choices)
    basis = models.CharField(_("basis"), max_length=12, choices=Basis.choices)
    data_shared = models.CharField(_("data shared"), max_length=255)
    legal_reference = models.CharField(_("legal reference"), max_length=255)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("data-sharing record")
        verbose_name_plural = _("data-sharing records")
        ordering = ["dossier_id", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "recipient"], name="sharing_once_per_dossier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} → {self.get_recipient_display()}"


class DataRequest(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", _("Copy of my data")
        CORRECTION = "correction", _("Correction of my data")
        DELETION = "deletion", _("Deletion of my data")
        RESTRICTION = "restriction", _("Restriction of the processing of my data")
        OBJECTION = "objection", _("Objection to the processing of my data")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("Being handled")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Declined")

    subject = models.ForeignKey(
        User, verbose_name=_("citizen"), on_delete=models.PROTECT, related_name="data_requests"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    field = models.CharField(_("what is wrong"), max_length=200, blank=True)
    details = models.TextField(_("correct value and explanation"), blank=True)
    answer = models.TextField(_("answer to the citizen"), blank=True)
    handled_by = models.ForeignKey(
        User,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Decree 356/2025/NĐ-CP: an answer within 2 working days of receipt; a restriction or an
    # objection carried out within 15 days (privacy/services.py).
    answer_due_at = models.DateTimeField(_("answer due by"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    complete_due_at = models.DateTimeField(_("to be carried out by"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal-data request")
        verbose_name_plural = _("personal-data requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.subject}"

    @property
    def reference(self) -> str:
        """The number the citizen quotes for the request."""
        return f"YC-{self.pk:06d}"

    def answer_overdue(self, now: datetime) -> bool:
        """Past its answer time and not answered (Decree 356/2025/NĐ-CP)."""
        due = self.answer_due_at
        return self.answered_at is None and due is not None and due < now
