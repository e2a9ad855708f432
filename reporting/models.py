"""Reports are frozen snapshots: their figures are computed once and never change afterwards."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Agency, User
from procedures.models import Sector


class Report(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class ScopeKind(models.TextChoices):
        PROVINCE = "province", _("Whole province")
        AGENCY = "agency", _("One agency")
        SECTOR = "sector", _("One sector")

    title = models.CharField(_("title"), max_length=255)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    period_label = models.CharField(_("period"), max_length=100)
    scope_kind = models.CharField(
        _("scope"), max_length=10, choices=ScopeKind.choices, default=ScopeKind.PROVINCE
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True, blank=True
    )
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, null=True, blank=True
    )
    # "province", "agency:<id>" or "sector:<id>": one column for the uniqueness of automatic runs.
    scope_key = models.CharField(_("scope key"), max_length=30, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    data = models.JSONField(_("figures"), default=dict, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    automatic = models.BooleanField(
        _("prepared automatically at the end of the period"), default=False
    )
    requested_by = models.ForeignKey(
        User, verbose_name=_("requested by"), on_delete=models.PROTECT, null=True, blank=True
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The end-of-period run makes one report per period and scope, even if two beats run.
            models.UniqueConstraint(
                fields=["period_start", "period_end", "scope_key"],
                condition=Q(automatic=True),
                name="report_automatic_once",
            ),
        ]
        permissions = [("view_all_reports", _("Can see and prepare reports of any scope"))]

    def __str__(self) -> str:
        return self.title
