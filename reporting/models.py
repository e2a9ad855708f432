"""Reporting models. National-portal (DVCQG) sync: `SyncRun`, `DossierSyncState`,
`SyncReconciliation` (see `reporting/sync.py`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier


class SyncRun(models.Model):
    """One pass of the national-portal sync: what it looked at, sent and got acknowledged."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    changed_since = models.DateTimeField(
        _("changes since"), null=True, blank=True, help_text=_("Empty: the first, full sync.")
    )
    changed_until = models.DateTimeField(_("changes until"))
    examined = models.PositiveIntegerField(_("dossiers examined"), default=0)
    sent = models.PositiveIntegerField(_("dossiers sent"), default=0)
    acknowledged = models.PositiveIntegerField(_("dossiers acknowledged"), default=0)
    unchanged = models.PositiveIntegerField(_("dossiers already up to date"), default=0)
    batches = models.PositiveIntegerField(_("batches"), default=0)
    attempts = models.PositiveIntegerField(_("requests"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("national-portal sync run")
        verbose_name_plural = _("national-portal sync runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class DossierSyncState(models.Model):
    """What the national portal last acknowledged for a dossier (one row per dossier)."""

    dossier = models.OneToOneField(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="national_sync",
    )
    version = models.DateTimeField(_("version sent"), help_text=_("The dossier's last change."))
    status_code = models.PositiveSmallIntegerField(_("DVCQG status"))
    payload_sha256 = models.CharField(_("payload fingerprint"), max_length=64)
    acknowledged_at = models.DateTimeField(_("acknowledged"))
    run = models.ForeignKey(
        SyncRun, verbose_name=_("run"), on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("dossier sync state")
        verbose_name_plural = _("dossier sync states")

    def __str__(self) -> str:
        return f"{self.dossier_id} → {self.status_code}"


class SyncReconciliation(models.Model):
    """The daily count check: dossiers we hold as acknowledged vs the receiver's own count."""

    checked_at = models.DateTimeField(_("checked"))
    local_count = models.PositiveIntegerField(_("acknowledged here"))
    remote_count = models.PositiveIntegerField(_("held by the national portal"), null=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("sync reconciliation")
        verbose_name_plural = _("sync reconciliations")
        ordering = ["-checked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d} {self.local_count}/{self.remote_count}"

    @property
    def matches(self) -> bool:
        return self.remote_count == self.local_count
