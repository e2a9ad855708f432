"""Reporting models: frozen reports, and the national-portal (DVCQG) sync (`SyncRun`,
`DossierSyncState`, `SyncReconciliation`, see `reporting/sync.py`)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier, _private_storage
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
    agencies_now = models.BooleanField(
        _("count by the agency as it is now"),
        default=False,
        help_text=_(
            "Dossiers of a renamed or merged agency are counted under its current successor."
        ),
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
    # Rendered once when the figures are frozen; downloads and e-mails send these files.
    pdf_file = models.FileField(
        _("PDF file"),
        upload_to="reports/%Y/%m/",
        storage=_private_storage,  # type: ignore[arg-type]  # a lazy Storage
        blank=True,
        max_length=255,
        editable=False,
    )
    xlsx_file = models.FileField(
        _("spreadsheet (XLSX)"),
        upload_to="reports/%Y/%m/",
        storage=_private_storage,  # type: ignore[arg-type]  # a lazy Storage
        blank=True,
        max_length=255,
        editable=False,
    )
    csv_file = models.FileField(
        _("CSV file"),
        upload_to="reports/%Y/%m/",
        storage=_private_storage,  # type: ignore[arg-type]  # a lazy Storage
        blank=True,
        max_length=255,
        editable=False,
    )

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

    FORMATS = ("pdf", "xlsx", "csv")

    def stored_file(self, fmt: str) -> models.fields.files.FieldFile:
        """The stored export in `fmt` (one of FORMATS); empty until rendered."""
        field_file: models.fields.files.FieldFile = getattr(self, f"{fmt}_file")
        return field_file


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


# The counts of a rollup row (reporting/rollup.py sums them).
ROLLUP_COUNTS = (
    "received",
    "received_online",
    "received_desk",
    "received_post",
    "settled",
    "processed_early",
    "processed_on_time",
    "processed_late",
    "returned",
    "withdrawn",
    "due",
    "due_settled",
)


class DossierRollup(models.Model):
    """Half-month counts of settled dossiers, per agency and procedure (reporting/rollup.py).

    Only dossiers settled (done, returned or withdrawn) before the rollup's horizon are
    counted here; they never change again. Each row holds flows of one half-month bucket
    (1st–14th, 15th–end of a month): received by channel by submission, settled by outcome
    by settlement, and the due-time flows that give "overdue at the end of a period".
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.CASCADE, related_name="+"
    )
    bucket = models.PositiveIntegerField(help_text="(year × 12 + month − 1) × 2 + second half")
    horizon = models.DateTimeField(help_text="the horizon of the refresh that counted these")
    received = models.PositiveIntegerField(default=0)
    received_online = models.PositiveIntegerField(default=0)
    received_desk = models.PositiveIntegerField(default=0)
    received_post = models.PositiveIntegerField(default=0)
    settled = models.PositiveIntegerField(default=0)
    processed_early = models.PositiveIntegerField(default=0)
    processed_on_time = models.PositiveIntegerField(default=0)
    processed_late = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    due = models.PositiveIntegerField(default=0)
    due_settled = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("report rollup row")
        verbose_name_plural = _("report rollup")
        # Reports read every column of the rows before a period's end: from the index alone.
        indexes = [
            models.Index(
                fields=["bucket"],
                include=["agency", "procedure", "horizon", *ROLLUP_COUNTS],
                name="rollup_bucket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.procedure_id} #{self.bucket}"


class RollupHorizon(models.Model):
    """The one row saying up to when settled dossiers are in `DossierRollup`."""

    horizon = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report rollup horizon")

    def __str__(self) -> str:
        return f"{self.horizon}"
