"""Dossiers (hồ sơ) and their life cycle: DESIGN.md §5.

The state field is protected: only the transition methods below change it, and they only
change this instance (no queries, no I/O). Services in `services.py` wrap them with permission
checks, row locks, events and notifications.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from portal.models import Agency, Department, User
from portal.storage import PrivateStorage, private_storage
from procedures.models import Channel, Procedure, ProcedureVersion, ReturnMethod


def _private_storage() -> PrivateStorage:
    return private_storage


class Dossier(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RECEIVED = "received", _("Awaiting reception")
        INCOMPLETE = "incomplete", _("Supplement requested")
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Result ready")
        RETURNED = "returned", _("Returned")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.RECEIVED, State.INCOMPLETE, State.PROCESSING)

    code = models.CharField(_("dossier code"), max_length=40, unique=True, null=True, blank=True)
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="dossiers"
    )
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        verbose_name=_("procedure version"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("receiving agency"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
    )
    assignee = models.ForeignKey(
        User,
        verbose_name=_("specialist"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_dossiers",
    )
    applicant = models.ForeignKey(
        User,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        help_text=_("The account that submitted the dossier (none for walk-ins)."),
    )
    applicant_name = models.CharField(_("applicant"), max_length=150)
    applicant_national_id = models.CharField(_("national ID number (CCCD)"), max_length=12)
    applicant_phone = models.CharField(_("mobile number"), max_length=15, blank=True)
    applicant_email = models.EmailField(_("e-mail address"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=255, blank=True)
    on_behalf_of = models.CharField(
        _("submitted on behalf of"),
        max_length=255,
        blank=True,
        help_text=_("Name of the person or organisation represented, with an authorisation."),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    return_method = models.CharField(
        _("result by"), max_length=10, choices=ReturnMethod.choices, default=ReturnMethod.DESK
    )
    postal_address = models.CharField(
        _("postal address for the result"), max_length=255, blank=True
    )
    state = FSMField(
        _("state"), choices=State.choices, default=State.DRAFT, protected=True, db_index=True
    )
    originals_checked = models.BooleanField(
        _("originals compared and forms signed at the desk"), default=False
    )

    submitted_at = models.DateTimeField(_("received"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    due_at = models.DateTimeField(
        _("due"),
        null=True,
        blank=True,
        help_text=_("The legal due time; statistics measure lateness against it."),
    )
    appointment_at = models.DateTimeField(
        _("appointment for the result"),
        null=True,
        blank=True,
        help_text=_("What the citizen was told; a later apology may move it."),
    )
    forward_due_at = models.DateTimeField(_("to be forwarded by"), null=True, blank=True)
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("result delivered"), null=True, blank=True)
    result_text = models.TextField(_("result"), blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            # The desk queue of an agency: open dossiers by urgency.
            models.Index(
                fields=["agency", "state", "due_at"],
                name="dossier_agency_queue",
                condition=Q(state__in=["received", "incomplete", "processing"]),
            ),
            # The deadline scan: open dossiers by due time.
            models.Index(
                fields=["due_at"],
                name="dossier_open_due",
                condition=Q(state__in=["received", "incomplete", "processing"]),
            ),
            # The specialist queue of a department: dossiers being processed by due time.
            models.Index(
                fields=["department", "due_at"],
                name="dossier_department_queue",
                condition=Q(state="processing"),
            ),
            # Results still to hand over at the desk of an agency.
            models.Index(
                fields=["agency", "finished_at"],
                name="dossier_agency_undelivered",
                condition=Q(state="done", delivered_at__isnull=True),
            ),
            # The leader's dashboard: dossiers finished this month (open ones are left out, so
            # the desk queue keeps reading `dossier_agency_queue`).
            models.Index(
                fields=["agency", "finished_at"],
                name="dossier_agency_finished",
                condition=Q(finished_at__isnull=False),
            ),
            models.Index(fields=["applicant", "-created_at"], name="dossier_applicant"),
            # Reports: dossiers still open, read from the index alone (a few tens of thousands
            # among millions).
            models.Index(
                fields=["submitted_at"],
                include=["agency", "procedure", "due_at", "finished_at", "state", "channel"],
                name="dossier_open_report",
                condition=Q(state__in=["received", "incomplete", "processing"]),
            ),
            # Reports: dossiers settled since a period started, read from the index alone.
            models.Index(
                fields=["finished_at"],
                include=["submitted_at", "due_at", "state", "channel", "agency", "procedure"],
                name="dossier_settled_report",
            ),
            # The deadline scan's forwarding check: accepted dossiers still at the desk.
            models.Index(
                fields=["forward_due_at"],
                name="dossier_forward_due",
                condition=Q(state="processing", forwarded_at__isnull=True),
            ),
            # The national-portal sync: dossiers changed since the last run.
            models.Index(fields=["updated_at"], name="dossier_updated"),
            models.Index(fields=["procedure", "state"], name="dossier_procedure_state"),
        ]

    def __str__(self) -> str:
        return self.code or _("Draft %(pk)s") % {"pk": self.pk}

    @property
    def is_online(self) -> bool:
        return self.channel == Channel.ONLINE

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    # --- Transitions: change this instance only ------------------------------------------

    @transition(field=state, source=State.DRAFT, target=State.RECEIVED)
    def submit(self, *, code: str, at: datetime) -> None:
        self.code, self.submitted_at = code, at

    @transition(field=state, source=[State.RECEIVED, State.PROCESSING], target=State.INCOMPLETE)
    def request_supplement(self) -> None:
        pass

    @transition(
        field=state,
        source=State.INCOMPLETE,
        target=RETURN_VALUE(State.RECEIVED, State.PROCESSING),
    )
    def supplement(self) -> str:
        # Back to whoever asked: the desk before acceptance, the department after it.
        return self.State.PROCESSING if self.accepted_at else self.State.RECEIVED

    @transition(field=state, source=State.RECEIVED, target=State.PROCESSING)
    def accept(self, *, at: datetime, due: datetime, forward_due: datetime) -> None:
        self.accepted_at, self.due_at, self.appointment_at = at, due, due
        self.forward_due_at = forward_due

    @transition(field=state, source=[State.RECEIVED, State.INCOMPLETE], target=State.RETURNED)
    def refuse(self, *, at: datetime) -> None:
        self.finished_at = at

    @transition(field=state, source=State.PROCESSING, target=State.RETURNED)
    def reject(self, *, at: datetime) -> None:
        self.finished_at = at

    @transition(field=state, source=[State.PROCESSING, State.INCOMPLETE], target=State.RETURNED)
    def stop(self, *, at: datetime) -> None:
        # Decree 118/2025: processing of an accepted dossier is stopped, with a notice (Mẫu 05).
        self.finished_at = at

    @transition(field=state, source=State.PROCESSING, target=State.DONE)
    def complete(self, *, at: datetime, result_text: str) -> None:
        self.finished_at, self.result_text = at, result_text

    @transition(field=state, source=[State.RECEIVED, State.INCOMPLETE], target=State.WITHDRAWN)
    def withdraw(self, *, at: datetime) -> None:
        self.finished_at = at


class DossierEvent(models.Model):
    """One line of a dossier's timeline: who did what, when and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Draft created")
        SUBMITTED = "submitted", _("Submitted")
        REGISTERED = "registered", _("Registered at the desk")
        SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
        SUPPLEMENTED = "supplemented", _("Supplement provided")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        FORWARDED = "forwarded", _("Forwarded")
        REJECTED = "rejected", _("Rejected")
        STOPPED = "stopped", _("Processing stopped")
        COMPLETED = "completed", _("Result ready")
        DELIVERED = "delivered", _("Result delivered")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        RESUMED = "resumed", _("Processing resumed")
        HANDOFF_SENT = "handoff_sent", _("Handed to another unit")
        HANDOFF_RECEIVED = "handoff_received", _("Received by the other unit")
        HANDOFF_RETURNED = "handoff_returned", _("Handed back")
        APOLOGY_DRAFTED = "apology_drafted", _("Apology drafted")
        APOLOGY_SENT_BACK = "apology_sent_back", _("Apology sent back")
        APOLOGY_APPROVED = "apology_approved", _("Apology and new appointment")
        ASSIGNED = "assigned", _("Assigned to a specialist")
        RESULT_PROPOSED = "result_proposed", _("Result proposed for approval")
        REFUSAL_PROPOSED = "refusal_proposed", _("Refusal proposed for approval")
        PROPOSAL_SENT_BACK = "proposal_sent_back", _("Sent back by the leader")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        User,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_state = models.CharField(_("from"), max_length=12, blank=True)
    to_state = models.CharField(_("to"), max_length=12, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier} {self.get_kind_display()}"


class DossierCodeSequence(models.Model):
    """The last number given to a dossier of an agency on a day (codes are per agency per day)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossier_code_sequence_day")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last_number}"


class DossierRegisterVolume(models.Model):
    """The last number written in an agency's dossier register of a year (Sổ theo dõi hồ sơ)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    volume = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "volume"], name="dossier_register_volume")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.volume}: {self.last_number}"


class RegisterEntry(models.Model):
    """A dossier's line in the register of the agency that accepted it (Mẫu 07, 2025)."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="register"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    volume = models.PositiveIntegerField(_("register volume"))
    number = models.PositiveIntegerField(_("register number"))
    registered_at = models.DateTimeField(_("registered"))

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        ordering = ["agency", "volume", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "volume", "number"], name="register_entry_number"
            )
        ]
        indexes = [models.Index(fields=["agency", "registered_at"], name="register_agency_time")]

    def __str__(self) -> str:
        return f"{self.volume}/{self.number}"


class Attachment(models.Model):
    """A file of a dossier: one per required document, supplements, and results."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        SUPPLEMENT = "supplement", _("Supplement")
        RESULT = "result", _("Result")
        HANDOFF = "handoff", _("Inter-agency answer")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.DOCUMENT)
    document_id = models.PositiveBigIntegerField(
        _("required document"),
        null=True,
        blank=True,
        help_text=_("The document of the procedure version this file answers."),
    )
    document_name = models.TextField(_("document"))
    # For a document the applicant must sign (level 4): the check of the PDF's signature.
    signature_outcome = models.CharField(_("applicant's signature"), max_length=12, blank=True)
    signature_note = models.CharField(_("signature check"), max_length=500, blank=True)
    file = models.FileField(
        _("file"),
        storage=_private_storage,  # type: ignore[arg-type]  # a lazy Storage
        upload_to="dossiers/%Y/%m/",
        max_length=255,
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        User,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    proposal = models.ForeignKey(
        "Proposal",
        verbose_name=_("proposal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="result_files",
        help_text=_("For result files: the proposal they were submitted with."),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Notice(models.Model):
    """A PDF handed to the applicant at a step (one-stop forms of the set in force), made once."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt and appointment slip")
        SUPPLEMENT_REQUEST = "supplement_request", _("Supplement request")
        REFUSAL = "refusal", _("Refusal to receive")
        APOLOGY = "apology", _("Apology and new appointment")
        CONTROL_SLIP = "control_slip", _("Processing control slip")
        STOP_NOTICE = "stop_notice", _("Notice of stopping processing")

    class FormSet(models.TextChoices):
        CIRCULAR_2025 = "2025", _("Circular 03/2025/TT-VPCP")
        CIRCULAR_2018 = "2018", _("Circular 01/2018/TT-VPCP")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    event = models.ForeignKey(
        DossierEvent,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
    )
    file = models.FileField(
        _("file"),
        storage=_private_storage,  # type: ignore[arg-type]  # a lazy Storage
        upload_to="notices/%Y/%m/",
        max_length=255,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    error = models.TextField(_("error"), blank=True)
    form_set = models.CharField(
        _("form set"),
        max_length=4,
        choices=FormSet.choices,
        default=FormSet.CIRCULAR_2025,
        help_text=_("The set of official forms the notice was issued under."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["created_at", "pk"]
        constraints = [
            # One event never produces two PDFs, however often the task is delivered.
            models.UniqueConstraint(fields=["event", "kind"], name="notice_event_kind")
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.get_kind_display()}"


# --- Deadlines: pauses, inter-agency hand-offs, apologies (DESIGN.md §2 rules 8-9, §6) ------


class ClockPause(models.Model):
    """An interval when the processing clock stood still, waiting for the citizen."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="pauses"
    )
    started_at = models.DateTimeField(_("paused"))
    ended_at = models.DateTimeField(_("resumed"), null=True, blank=True)
    working_hours = models.DecimalField(
        _("working hours paused"), max_digits=10, decimal_places=4, null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        User, verbose_name=_("paused by"), on_delete=models.PROTECT, related_name="+"
    )
    due_before = models.DateTimeField(_("due before the pause"))
    due_after = models.DateTimeField(_("due after the pause"), null=True, blank=True)
    appointment_before = models.DateTimeField(_("appointment before the pause"), null=True)
    appointment_after = models.DateTimeField(_("appointment after the pause"), null=True)

    class Meta:
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(ended_at=None), name="clock_pause_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.started_at:%Y-%m-%d %H:%M}"


class Handoff(models.Model):
    """One inter-agency (liên thông) step: the dossier goes to another unit and comes back."""

    class Result(models.TextChoices):
        OPEN = "open", _("In progress")
        EARLY = "early", _("Early")
        ON_TIME = "on_time", _("On time")
        LATE = "late", _("Late")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="handoffs"
    )
    from_agency = models.ForeignKey(
        Agency, verbose_name=_("from agency"), on_delete=models.PROTECT, related_name="+"
    )
    from_department = models.ForeignKey(
        Department, verbose_name=_("from department"), on_delete=models.PROTECT, related_name="+"
    )
    giver = models.ForeignKey(
        User, verbose_name=_("handed over by"), on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        Agency,
        verbose_name=_("to agency"),
        on_delete=models.PROTECT,
        related_name="handoffs_received",
    )
    to_department = models.ForeignKey(
        Department,
        verbose_name=_("to department"),
        on_delete=models.PROTECT,
        related_name="handoffs_received",
    )
    task = models.TextField(_("what is asked"))
    sent_at = models.DateTimeField(_("sent"))
    working_days = models.DecimalField(_("working days allowed"), max_digits=5, decimal_places=2)
    due_at = models.DateTimeField(_("sub-deadline"))
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    receiver = models.ForeignKey(
        User,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("handed back"), null=True, blank=True)
    returned_by = models.ForeignKey(
        User,
        verbose_name=_("handed back by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), blank=True)
    outcome_file = models.ForeignKey(
        Attachment,
        verbose_name=_("answer file"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inter-agency hand-off")
        verbose_name_plural = _("inter-agency hand-offs")
        ordering = ["sent_at", "pk"]
        constraints = [
            # A dossier is in one place at a time.
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(returned_at=None), name="handoff_one_open"
            )
        ]
        indexes = [
            models.Index(
                fields=["to_department", "sent_at"],
                name="handoff_inbox",
                condition=Q(returned_at=None),
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} → {self.to_department}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    def result_at(self, now: datetime) -> str:
        """Early / on time / late against the sub-deadline (an open step is judged at `now`)."""
        from django.utils import timezone

        if self.returned_at is None:
            return self.Result.LATE if now > self.due_at else self.Result.OPEN
        if self.returned_at > self.due_at:
            return self.Result.LATE
        if timezone.localdate(self.returned_at) < timezone.localdate(self.due_at):
            return self.Result.EARLY
        return self.Result.ON_TIME


class Apology(models.Model):
    """A late dossier's apology and new appointment (Phiếu xin lỗi và hẹn lại ngày trả kết quả).

    Drafted by the handling department, approved by a leader; only then does the citizen's
    appointment move. The legal due time never moves: statistics keep the original date.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the leader")
        APPROVED = "approved", _("Approved and sent")
        SENT_BACK = "sent_back", _("Sent back")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="apologies"
    )
    reason = models.TextField(_("reason for the delay"))
    previous_appointment_at = models.DateTimeField(_("previous appointment"))
    new_appointment_at = models.DateTimeField(_("new appointment"))
    drafted_by = models.ForeignKey(
        User, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(_("drafted"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("leader's note"), blank=True)

    class Meta:
        verbose_name = _("apology")
        verbose_name_plural = _("apologies")
        ordering = ["drafted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(status="pending"),
                name="apology_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.get_status_display()}"


class Proposal(models.Model):
    """A specialist's draft decision on a dossier (tờ trình): a result, or a refusal.

    A leader of the agency approves it or sends it back with a note. At most one proposal of a
    dossier is pending at a time. Result files belong to the proposal they came with, so a
    result that was sent back never reaches the citizen.
    """

    class Kind(models.TextChoices):
        RESULT = "result", _("Result")
        REFUSAL = "refusal", _("Refusal")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        SENT_BACK = "sent_back", _("Sent back")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="proposals"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    text = models.TextField(
        _("text"), help_text=_("The result text, or the reasons for the refusal.")
    )
    proposed_by = models.ForeignKey(
        User, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed"))
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("leader's note"), blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=Q(status="pending"),
                name="proposal_one_pending_per_dossier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.get_kind_display()} ({self.get_status_display()})"


class Delivery(models.Model):
    """How and when the result reached the applicant: one per dossier."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="delivery"
    )
    method = models.CharField(_("method"), max_length=10, choices=ReturnMethod.choices)
    delivered_at = models.DateTimeField(_("delivered"))
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    tracking_number = models.CharField(_("postal tracking number"), max_length=40, blank=True)
    carrier = models.CharField(_("postal carrier"), max_length=100, blank=True)
    posted_on = models.DateField(_("posting date"), null=True, blank=True)
    collector_name = models.CharField(_("collected by"), max_length=150, blank=True)
    collector_id_number = models.CharField(_("collector's ID number"), max_length=20, blank=True)
    id_check_note = models.TextField(_("identity check"), blank=True)

    class Meta:
        verbose_name = _("result delivery")
        verbose_name_plural = _("result deliveries")

    def __str__(self) -> str:
        return f"{self.dossier} {self.get_method_display()}"


class DeadlineAlert(models.Model):
    """A deadline warning given to staff: once per dossier, threshold and deadline (DESIGN §6).

    The deadline scan (`deadlines.py`) writes the row and the staff messages in one
    transaction; the unique constraint makes a second pass (or a second beat) a no-op, and a
    moved deadline (an apology's new appointment, a clock pause) is a new row: it warns again.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        FORWARD_BREACH = "forward_breach", _("Not forwarded in time")

    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="deadline_alerts",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    deadline = models.DateTimeField(_("deadline"))
    recipients = models.PositiveSmallIntegerField(_("staff notified"), default=0)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline alert")
        verbose_name_plural = _("deadline alerts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "kind", "deadline"], name="deadline_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier} {self.get_kind_display()}"


class LookupNamesVersion(models.Model):
    """One row: raised after every committed change of a procedure or an agency.

    The public lookup reads it with the dossier (one query) and serves a saved page only while
    it is the same, so a renamed procedure or agency shows at once (public_names.py).
    """

    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("lookup names version")
        verbose_name_plural = _("lookup names version")

    def __str__(self) -> str:
        return str(self.version)
