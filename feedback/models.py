"""Feedback and complaints (phản ánh, kiến nghị), the public Q&A and satisfaction ratings.

DESIGN.md §2 rules 13-14. A feedback item is answered by the competent agency within 3 working
days of receipt. When an item is transferred to another agency, that agency gets its own 3
working days from the transfer (``clock_started_at``/``due_at``); ``received_at`` never moves,
so statistics still count the item from the day the citizen sent it. The state field is
protected: only the transition methods below change it, and services wrap them.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from dossiers.models import Dossier, _private_storage
from portal.models import Agency, Department, User
from procedures.models import Procedure, Sector


def new_token() -> str:
    """The sender's private link: 256 random bits, unguessable."""
    return secrets.token_urlsafe(32)


def _has_department(feedback: models.Model) -> bool:
    return getattr(feedback, "department_id", None) is not None


def _has_no_department(feedback: models.Model) -> bool:
    return getattr(feedback, "department_id", None) is None


class Feedback(ConcurrentTransitionMixin, models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", _("Online form")
        PHONE = "phone", _("Telephone")
        EMAIL = "email", _("E-mail")
        WRITING = "writing", _("In writing")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        ASSIGNED = "assigned", _("Assigned")
        ANSWERED = "answered", _("Answered")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    OPEN_STATES = (State.RECEIVED, State.ASSIGNED)
    # States in which the sender may say whether the answer resolved their issue.
    ANSWERED_STATES = (State.ANSWERED, State.PUBLISHED, State.CLOSED)

    code = models.CharField(_("reference"), max_length=20, unique=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    sender = models.ForeignKey(
        User,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    sender_name = models.CharField(_("full name"), max_length=150)
    sender_phone = models.CharField(_("mobile number"), max_length=15, blank=True)
    sender_email = models.EmailField(_("e-mail address"), blank=True)
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The officer who entered feedback received by phone, e-mail or in writing."),
    )

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="feedback"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("procedure"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    sector = models.ForeignKey(
        Sector,
        verbose_name=_("sector"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("dossier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
    )
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("content"))
    attachment = models.FileField(
        _("attachment"),
        storage=_private_storage,  # type: ignore[arg-type]  # a lazy Storage
        upload_to="feedback/%Y/%m/",
        max_length=255,
        blank=True,
    )
    attachment_name = models.CharField(_("file name"), max_length=255, blank=True)
    attachment_type = models.CharField(_("type"), max_length=50, blank=True)
    consent_to_publish = models.BooleanField(_("may be published in the Q&A"), default=False)

    state = FSMField(
        _("state"), choices=State.choices, default=State.RECEIVED, protected=True, db_index=True
    )
    received_at = models.DateTimeField(
        _("received"), help_text=_("When the sender sent it; never changes, used by statistics.")
    )
    clock_started_at = models.DateTimeField(
        _("clock started"),
        help_text=_("Receipt, or the last transfer or reopening: the 3 working days run from it."),
    )
    due_at = models.DateTimeField(_("answer due"))
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated to the leader"), null=True, blank=True)
    transfer_count = models.PositiveSmallIntegerField(_("transfers"), default=0)

    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        User,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved = models.BooleanField(_("resolved in the sender's view"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("sender replied"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_reason = models.TextField(_("reason for closing"), blank=True)

    # What the public Q&A shows: copies with personal data removed, made at publication.
    public_title = models.CharField(_("public question title"), max_length=200, blank=True)
    public_question = models.TextField(_("public question"), blank=True)
    public_answer = models.TextField(_("public answer"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    search_text = models.TextField(editable=False, default="")
    same_question_count = models.PositiveIntegerField(
        _("people with the same question"),
        default=0,
        help_text=_("Visitors who said they had the same question; the Q&A lists them first."),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-received_at", "-pk"]
        indexes = [
            # The staff queue of an agency and the deadline scan: open items by due time.
            models.Index(
                fields=["agency", "due_at"],
                name="feedback_open_queue",
                condition=Q(state__in=["received", "assigned"]),
            ),
            models.Index(
                fields=["due_at"],
                name="feedback_open_due",
                condition=Q(state__in=["received", "assigned"]),
            ),
            # The public Q&A: most asked first.
            models.Index(
                models.F("same_question_count").desc(),
                models.F("published_at").desc(),
                name="feedback_public_qa",
                condition=Q(state="published"),
            ),
            models.Index(fields=["received_at"], name="feedback_received"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        """Still to be answered and past its answer date (3 working days, DESIGN rule)."""
        return self.is_open and self.due_at < timezone.now()

    @property
    def can_reopen(self) -> bool:
        return self.reopen_count < settings.FEEDBACK_MAX_REOPENS

    @property
    def answered_on_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        return self.answered_at <= self.due_at

    def start_clock(self, *, at: datetime, due: datetime) -> None:
        self.clock_started_at, self.due_at = at, due
        self.reminded_at = self.escalated_at = None

    # --- Transitions: change this instance only ------------------------------------------

    @transition(field=state, source=[State.RECEIVED, State.ASSIGNED], target=State.ASSIGNED)
    def assign(self, *, department: Department) -> None:
        self.department = department

    @transition(field=state, source=[State.RECEIVED, State.ASSIGNED], target=State.RECEIVED)
    def transfer(self, *, agency: Agency, at: datetime, due: datetime) -> None:
        self.agency, self.department = agency, None
        self.transfer_count += 1
        self.start_clock(at=at, due=due)

    @transition(field=state, source=[State.RECEIVED, State.ASSIGNED], target=State.ANSWERED)
    def answer_with(self, *, text: str, at: datetime, by: User) -> None:
        self.answer, self.answered_at, self.answered_by = text, at, by
        self.resolved = self.resolved_at = None

    @transition(field=state, source=State.ANSWERED, target=State.PUBLISHED)
    def publish(self, *, title: str, question: str, answer: str, at: datetime) -> None:
        self.public_title, self.public_question, self.public_answer = title, question, answer
        self.published_at = at

    @transition(
        field=state, source=[State.RECEIVED, State.ASSIGNED, State.ANSWERED], target=State.CLOSED
    )
    def close(self, *, at: datetime, reason: str) -> None:
        self.closed_at, self.close_reason = at, reason

    @transition(
        field=state,
        source=[State.ANSWERED, State.PUBLISHED, State.CLOSED],
        target=State.ASSIGNED,
        conditions=[_has_department],
    )
    def reopen_to_department(self, *, at: datetime, due: datetime) -> None:
        self._reopen(at=at, due=due)

    @transition(
        field=state,
        source=[State.ANSWERED, State.PUBLISHED, State.CLOSED],
        target=State.RECEIVED,
        conditions=[_has_no_department],
    )
    def reopen_to_agency(self, *, at: datetime, due: datetime) -> None:
        self._reopen(at=at, due=due)

    def _reopen(self, *, at: datetime, due: datetime) -> None:
        self.reopen_count += 1
        self.resolved, self.resolved_at = False, at
        self.closed_at, self.close_reason = None, ""
        self.published_at = None
        self.public_title = self.public_question = self.public_answer = ""
        self.search_text = ""
        self.start_clock(at=at, due=due)


class FeedbackEvent(models.Model):
    """The audit trail of a feedback item: who did what, when, and the clock it set."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        ASSIGNED = "assigned", _("Assigned")
        TRANSFERRED = "transferred", _("Transferred to another agency")
        ANSWERED = "answered", _("Answered")
        PUBLISHED = "published", _("Published in the Q&A")
        CLOSED = "closed", _("Closed")
        RESOLVED = "resolved", _("Sender: resolved")
        NOT_RESOLVED = "not_resolved", _("Sender: not resolved")
        REOPENED = "reopened", _("Reopened")
        REMINDED = "reminded", _("Reminder sent")
        ESCALATED = "escalated", _("Escalated to the leader")

    feedback = models.ForeignKey(
        Feedback, verbose_name=_("feedback"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
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
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("feedback event")
        verbose_name_plural = _("feedback events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.feedback} {self.get_kind_display()}"


class FeedbackCodeSequence(models.Model):
    """The last number given to a feedback item on a day (codes are PAKN-yyMMdd-NNNN)."""

    day = models.DateField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last_number}"


class Rating(models.Model):
    """A citizen's satisfaction with one finished dossier (rule 14): once per dossier."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="rating"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="ratings"
    )
    rater = models.ForeignKey(
        User, verbose_name=_("rated by"), on_delete=models.PROTECT, related_name="ratings"
    )
    stars = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    good_attitude = models.BooleanField(_("staff were courteous and helpful"), default=False)
    on_time = models.BooleanField(_("the result came on time"), default=False)
    clear_guidance = models.BooleanField(_("the guidance was clear"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "created_at"], name="rating_agency"),
            # The service index (satisfaction): ratings of a period per agency and stars, read
            # from the index alone.
            models.Index(
                fields=["created_at"], include=["agency", "stars"], name="rating_created_report"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} ★{self.stars}"
