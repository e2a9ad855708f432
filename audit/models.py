"""The tamper-evident record: one append-only, hash-chained table of every act that matters.

Each row stores the SHA-256 of its canonical content together with the previous row's hash,
so changing, removing or slipping in a row breaks the chain from that point on
(``audit.chain.verify``). PostgreSQL triggers refuse UPDATE and DELETE, so even the application
cannot rewrite history; only a database superuser who disables the triggers can, and the daily
verification then names the first broken row. TRUNCATE is left to the table's owner (the
test suite's flush needs it); emptying the table is caught by the verification too, since the
last verified row is then missing.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditRecord(models.Model):
    """One act: who (and from which unit and address) did what to which dossier or object."""

    id = models.BigAutoField(primary_key=True)
    recorded_at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=60)
    # Plain values, not foreign keys: the record outlives renamed or removed accounts.
    actor_id = models.BigIntegerField(_("actor ID"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    unit = models.CharField(_("unit"), max_length=255, blank=True)
    dossier_id = models.BigIntegerField(_("dossier ID"), null=True, blank=True)
    target = models.CharField(_("object"), max_length=120, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["id"]
        indexes = [models.Index(fields=["dossier_id", "kind"], name="audit_dossier_kind")]
        triggers = [
            pgtrigger.Protect(
                name="audit_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class ChainVerification(models.Model):
    """One run of the chain check: how far it got and, if broken, where and why."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    ok = models.BooleanField(_("chain intact"))
    rows_checked = models.BigIntegerField(_("rows checked"))
    head_id = models.BigIntegerField(_("last row"), null=True, blank=True)
    head_hash = models.CharField(_("last row's hash"), max_length=64, blank=True)
    broken_id = models.BigIntegerField(_("first broken row"), null=True, blank=True)
    problem = models.TextField(_("problem"), blank=True)

    class Meta:
        verbose_name = _("audit chain verification")
        verbose_name_plural = _("audit chain verifications")
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.started_at:%d/%m/%Y %H:%M} {'OK' if self.ok else 'BROKEN'}"
