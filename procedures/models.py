"""The catalogue of administrative procedures (thủ tục hành chính).

A `Procedure` holds the current, editable content; every published state of it is frozen in a
`ProcedureVersion` (a snapshot of all its parts). Dossiers pin the version they were filed
under, so later edits never change what a citizen applied for.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import Agency, Department, User

from .text import search_key

procedure_code_validator = RegexValidator(
    r"^\d\.\d{6}(\.[0-9A-Za-z.]+)?$",
    _("A national procedure code looks like 1.001193 (optionally followed by an agency code)."),
)


class Sector(models.Model):
    """A sector (lĩnh vực) that groups procedures, e.g. civil status, construction."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=255)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("procedures:sector", kwargs={"code": self.code})


class ServiceLevel(models.IntegerChoices):
    """Online service levels of Decree 43/2011, with the Decree 42/2022 vocabulary."""

    INFORMATION = 1, _("Level 1 – information")
    FORMS = 2, _("Level 2 – downloadable forms")
    PARTLY_ONLINE = 3, _("Level 3 – partly online public service")
    FULLY_ONLINE = 4, _("Level 4 – fully online public service")

    @classmethod
    def decree_42_label(cls, level: int) -> str:
        if level == cls.FULLY_ONLINE:
            return str(_("Fully online public service"))
        if level == cls.PARTLY_ONLINE:
            return str(_("Partly online public service"))
        return ""


class Channel(models.TextChoices):
    """How a dossier reaches the agency."""

    DESK = "desk", _("At the one-stop desk")
    ONLINE = "online", _("Online")
    POST = "post", _("By post")


class ReturnMethod(models.TextChoices):
    """How the result reaches the citizen."""

    DESK = "desk", _("Collected at the one-stop desk")
    ONLINE = "online", _("Online (download)")
    POST = "post", _("By registered post")


class FeeDue(models.TextChoices):
    AT_SUBMISSION = "submission", _("When the dossier is submitted")
    AT_RESULT = "result", _("When the result is collected")


class ProcessingUnit(models.TextChoices):
    WORKING_DAYS = "days", _("working days")
    WORKING_HOURS = "hours", _("working hours")


class PublishedManager(models.Manager["Procedure"]):
    def get_queryset(self) -> models.QuerySet[Procedure]:
        return super().get_queryset().filter(is_published=True)


class Procedure(models.Model):
    """An administrative procedure as the province publishes it now."""

    code = models.CharField(
        _("procedure code"), max_length=40, unique=True, validators=[procedure_code_validator]
    )
    name = models.CharField(_("name"), max_length=500)
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="procedures"
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("implementing agency"),
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("processing department"),
        on_delete=models.PROTECT,
        related_name="procedures",
        null=True,
        blank=True,
    )
    level = models.PositiveSmallIntegerField(
        _("service level"), choices=ServiceLevel.choices, default=ServiceLevel.INFORMATION
    )
    processing_time = models.DecimalField(
        _("processing time"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
        help_text=_("The published time limit, in the unit below."),
    )
    processing_unit = models.CharField(
        _("unit"),
        max_length=5,
        choices=ProcessingUnit.choices,
        default=ProcessingUnit.WORKING_DAYS,
    )
    processing_time_online = models.DecimalField(
        _("processing time for online dossiers"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.25"))],
        help_text=_(
            "Only when the national database publishes a different time for online dossiers. "
            "Otherwise the province's halving policy applies."
        ),
    )
    same_day_cutoff = models.TimeField(
        _("same-day cut-off"),
        null=True,
        blank=True,
        help_text=_(
            "For same-day procedures: dossiers received after this time are settled on the "
            "next working day (usually 15:00)."
        ),
    )
    processing_note = models.TextField(_("notes on the processing time"), blank=True)
    submission_channels = models.JSONField(
        _("submission channels"), default=list, help_text=_("desk, online, post")
    )
    return_methods = models.JSONField(
        _("ways to receive the result"), default=list, help_text=_("desk, online, post")
    )
    result = models.TextField(_("result"), blank=True)
    legal_bases = models.JSONField(_("legal bases"), default=list, blank=True)
    fee_due = models.CharField(
        _("fees are paid"), max_length=10, choices=FeeDue.choices, default=FeeDue.AT_SUBMISSION
    )
    fee_note = models.TextField(_("notes on fees"), blank=True)
    online_payment_allowed = models.BooleanField(_("online payment allowed"), default=False)
    requires_leader_approval = models.BooleanField(
        _("results need a leader's approval"), default=True
    )
    # Decree 118/2025/NĐ-CP: the province publishes the list of procedures received regardless
    # of administrative boundary; a commune-level one on it is filed with any commune or ward.
    filed_regardless_of_boundary = models.BooleanField(
        _("received regardless of administrative boundary"),
        default=False,
        help_text=_(
            "On the province's list of procedures received regardless of administrative "
            "boundary (Decree 118/2025/NĐ-CP): a commune-level dossier may be filed with any "
            "commune or ward of the province."
        ),
    )
    decision = models.CharField(_("publishing decision"), max_length=100, blank=True)
    source_url = models.URLField(_("source in the national database"), max_length=500, blank=True)
    is_published = models.BooleanField(_("published"), default=False, db_index=True)
    current_version = models.ForeignKey(
        "ProcedureVersion",
        verbose_name=_("current version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    search_text = models.TextField(editable=False, default="")
    popularity = models.PositiveIntegerField(
        _("popularity"), default=0, help_text=_("Dossiers filed in the last year; sorts lists.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = models.Manager()
    published = PublishedManager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["sector__position", "name"]
        indexes = [
            models.Index(fields=["is_published", "level"], name="procedure_published_level"),
            models.Index(fields=["is_published", "sector"], name="procedure_published_sector"),
            models.Index(fields=["is_published", "agency"], name="procedure_published_agency"),
            # The catalogue's default order: most used first.
            models.Index(
                models.F("popularity").desc(),
                "name",
                condition=models.Q(is_published=True),
                name="procedure_popular",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = search_key(f"{self.code} {self.name}")
        update_fields = kwargs.get("update_fields")
        if isinstance(update_fields, list | set | tuple | frozenset) and (
            "name" in update_fields or "code" in update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def get_absolute_url(self) -> str:
        return reverse("procedures:detail", kwargs={"code": self.code})

    @property
    def accepts_online_submission(self) -> bool:
        return self.level >= ServiceLevel.PARTLY_ONLINE

    @property
    def is_same_day(self) -> bool:
        return self.processing_unit == ProcessingUnit.WORKING_HOURS


class RequiredDocument(models.Model):
    """One document of the dossier (thành phần hồ sơ)."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        CERTIFIED_COPY = "certified_copy", _("Certified copy")
        COPY = "copy", _("Copy")
        PRESENT = "present", _("Present only (not kept)")
        ELECTRONIC = "electronic", _("Electronic copy")

    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("procedure"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.TextField(_("name"))
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    form = models.CharField(_("form"), max_length=20, choices=Form.choices, default=Form.ORIGINAL)
    is_required = models.BooleanField(_("required"), default=True)
    must_be_signed = models.BooleanField(
        _("signed by the applicant"),
        default=False,
        help_text=_(
            "Level 4: the applicant uploads this document as a PDF carrying their digital "
            "signature; the portal checks it and shows the desk the result."
        ),
    )
    template_file = models.FileField(
        _("form to download"), upload_to="procedures/forms/%Y/", blank=True
    )

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class FeeItem(models.Model):
    """A fee (phí) or charge (lệ phí) of the procedure, in whole VND."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Fee")
        CHARGE = "charge", _("Charge")

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="fees"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices, default=Kind.CHARGE)
    amount = models.PositiveBigIntegerField(_("amount (VND)"))
    exemptions = models.TextField(_("exemptions"), blank=True)

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount:,} đ"


class InterAgencyStep(models.Model):
    """A step handled by another agency for an inter-agency (liên thông) procedure."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    agency = models.ForeignKey(
        Agency, verbose_name=_("co-processing agency"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("what this agency does"), max_length=500)
    working_days = models.DecimalField(
        _("working days"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("365"))],
    )

    class Meta:
        verbose_name = _("inter-agency step")
        verbose_name_plural = _("inter-agency steps")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.agency}: {self.description}"


class ProcedureVersion(models.Model):
    """A frozen copy of everything a procedure said when it was published."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("content"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        User,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], name="procedure_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse(
            "procedures:version", kwargs={"code": self.procedure.code, "number": self.number}
        )


DEFAULT_SAME_DAY_CUTOFF = time(15, 0)


def _private_storage() -> object:
    from portal.storage import private_storage

    return private_storage


class CatalogueImport(models.Model):
    """An uploaded catalogue file, imported by a worker (procedures/catalogue_io.py).

    The admin request only stores the file and queues the task; the progress page reads this
    row. All or nothing: `errors` lists every problem of a file of which nothing was kept.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Nothing imported: the file has problems")
        FAILED = "failed", _("Failed")

    file = models.FileField(
        _("file"),
        upload_to="catalogue-imports/%Y/%m/",
        storage=_private_storage,  # type: ignore[arg-type]  # a lazy Storage
        max_length=255,
    )
    original_name = models.CharField(_("file name"), max_length=255)
    dry_run = models.BooleanField(_("only checked, nothing saved"), default=False)
    # The errors are written in the language of whoever uploaded the file.
    language = models.CharField(_("language"), max_length=10, default="vi")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(_("records"), null=True, blank=True)
    # Counts and errors by record and field, written when the worker has finished.
    result = models.JSONField(_("result"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    requested_by = models.ForeignKey(
        User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.REFUSED, self.Status.FAILED}
