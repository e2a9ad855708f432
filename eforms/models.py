"""E-forms: application forms defined as fields, and what a citizen typed into them."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import User
from procedures.models import RequiredDocument

from .schema import validate_schema


class EForm(models.Model):
    """The application form of one required document, filled online instead of downloaded.

    The definition is frozen with the procedure version (its snapshot carries it), so a dossier
    keeps the form it was filed under when the admin changes it later.
    """

    document = models.OneToOneField(
        RequiredDocument,
        verbose_name=_("application form (required document)"),
        on_delete=models.CASCADE,
        related_name="eform",
    )
    definition = models.JSONField(
        _("fields of the form"),
        help_text=_(
            "JSON: title, sections with their fields (text, textarea, date, number, choice, "
            "national_id, phone, email, address, group), declaration and signer."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("e-form")
        verbose_name_plural = _("e-forms")
        ordering = ["document__procedure__code", "document__position"]

    def __str__(self) -> str:
        return f"{self.document.procedure.code} – {self.definition.get('title', '')}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        try:
            validate_schema(self.definition)
        except ValidationError as error:
            raise ValidationError({"definition": error.messages}) from error


class EFormEntry(models.Model):
    """What the applicant typed into one e-form of a dossier.

    `values` holds the typed text while the form is incomplete and the checked values once it
    is complete; the application PDF is rendered from it when the dossier is submitted.
    """

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="eform_entries",
    )
    document_id = models.PositiveBigIntegerField(_("required document"))
    values = models.JSONField(_("values"), default=dict)
    is_complete = models.BooleanField(_("complete"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        User,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("e-form entry")
        verbose_name_plural = _("e-form entries")
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "document_id"], name="eform_entry_one_per_document"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}/{self.document_id}"

    def value(self, name: str) -> Any:
        return self.values.get(name)
