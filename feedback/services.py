"""Every write of the feedback app: typed, keyword-only, atomic, audited.

Clock rules (DESIGN §2 rule 13, §6):

* An item is due ``FEEDBACK_ANSWER_WORKING_DAYS`` (3) working days after it is received,
  counted in office hours over the working-day calendar.
* A transfer to another agency (misdirected feedback) starts a new clock: the receiving agency
  gets its own 3 working days from the transfer. ``received_at`` is kept, so statistics count
  the item from the day the citizen sent it; the transfer event records the old and new due
  times and the agencies.
* A reopening by the sender (once) starts a new 3-working-day clock, as a new request would.
* Reminders and the escalation to the leader are sent once per clock (dedupe keys include the
  due time), so a new clock gets new reminders and a re-run of the scan sends nothing twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from audit import services as audit
from dossiers.files import ALLOWED_TYPES, _sniff
from dossiers.models import Dossier
from portal import workdays
from portal.models import Agency, Department, User
from portal.notifications import notify
from portal.roles import Role
from procedures.models import Procedure

from . import codes, selectors
from .errors import FeedbackError, FeedbackStateError, RatingError
from .models import Feedback, FeedbackEvent, Rating
from .privacy import mask_personal_data

SUBJECT_MAX = 200
TEXT_MAX = 5000
ANSWER_MAX = 10000
COMMENT_MAX = 1000


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def answer_due(start: datetime) -> datetime:
    return workdays.add_working_days(start, settings.FEEDBACK_ANSWER_WORKING_DAYS)


def check_attachment(upload: UploadedFile) -> str:
    """The real type of an acceptable attachment, or a FeedbackError saying what is wrong."""
    name = upload.name or ""
    limit = settings.FEEDBACK_MAX_FILE_MB
    if not upload.size:
        raise FeedbackError(_("The file “%(name)s” is empty.") % {"name": name})
    if upload.size > limit * 1024 * 1024:
        raise FeedbackError(
            _("The file “%(name)s” is larger than %(limit)s MB.") % {"name": name, "limit": limit}
        )
    kind = _sniff(upload)
    if kind not in ALLOWED_TYPES:
        raise FeedbackError(
            _("The file “%(name)s” is not a PDF, JPEG or PNG file (or it is damaged).")
            % {"name": name}
        )
    return kind


def _event(
    feedback: Feedback,
    kind: str,
    *,
    actor: User | None,
    from_state: str = "",
    note: str = "",
    **data: Any,
) -> FeedbackEvent:
    event = FeedbackEvent.objects.create(
        feedback=feedback,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=feedback.state,
        note=note,
        data=data,
    )
    audit.record(
        kind=f"feedback.{kind}",
        actor=actor,
        target=f"feedback:{feedback.pk}",
        data={
            "code": feedback.code,
            "from": from_state,
            "to": feedback.state,
            "note": note,
            # The answer's text is part of the record: what the citizen was told stays provable.
            **({"answer": feedback.answer} if kind == FeedbackEvent.Kind.ANSWERED else {}),
            **data,
        },
    )
    return event


def sender_url(feedback: Feedback) -> str:
    path = reverse("feedback:track", kwargs={"token": feedback.token})
    return f"{settings.PORTAL_BASE_URL}{path}"


def staff_url(feedback: Feedback) -> str:
    path = reverse("feedback:staff_detail", kwargs={"pk": feedback.pk})
    return f"{settings.PORTAL_BASE_URL}{path}"


def _notify_sender(feedback: Feedback, template: str, key: str) -> None:
    """By the channel the sender used: a phone call is answered by SMS, an e-mail by e-mail."""
    preferences: dict[str, tuple[str, str]] = {
        Feedback.Channel.PHONE: ("sms", "email"),
        Feedback.Channel.EMAIL: ("email", "sms"),
    }
    channels = preferences.get(feedback.channel, ("email", "sms"))
    addresses = {"email": feedback.sender_email, "sms": feedback.sender_phone}
    usable = [channel for channel in channels if addresses[channel]]
    if feedback.channel in (Feedback.Channel.PHONE, Feedback.Channel.EMAIL):
        usable = usable[:1]  # the sender's own channel first, the other only as a fallback
    if not usable:
        return
    notify(
        template=template,
        context={
            "code": feedback.code,
            "agency_name": feedback.agency.name,
            "lookup_url": sender_url(feedback),
            "applicant_name": feedback.sender_name,
        },
        dedupe_key=f"feedback:{feedback.pk}:{key}",
        user=feedback.sender,
        email=feedback.sender_email,
        phone=feedback.sender_phone,
        channels=tuple(usable),
    )


# --- Receipt --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackInput:
    """What a sender tells us; validated by the forms, checked again here."""

    name: str
    subject: str
    text: str
    phone: str = ""
    email: str = ""
    agency: Agency | None = None
    procedure: Procedure | None = None
    dossier: Dossier | None = None
    attachment: UploadedFile | None = None
    consent_to_publish: bool = False


@transaction.atomic
def feedback_submit(
    *,
    data: FeedbackInput,
    channel: str = Feedback.Channel.ONLINE,
    sender: User | None = None,
    recorded_by: User | None = None,
    received_at: datetime | None = None,
) -> Feedback:
    """Record feedback from the public form or, with `recorded_by`, entered by staff."""
    if not data.name.strip():
        raise FeedbackError(_("Enter your full name."))
    if not (data.phone or data.email):
        raise FeedbackError(_("Give a mobile number or an e-mail address so that we can answer."))
    if not data.subject.strip() or not data.text.strip():
        raise FeedbackError(_("Enter the subject and the content of your feedback."))
    if len(data.subject) > SUBJECT_MAX or len(data.text) > TEXT_MAX:
        raise FeedbackError(_("The feedback is too long."))
    if channel not in Feedback.Channel.values:
        raise FeedbackError(_("Choose how the feedback was received."))
    if recorded_by is not None:
        if not selectors.can_manage(recorded_by):
            raise FeedbackError(_("Only the agency's desk officers and leaders record feedback."))
        agency = recorded_by.agency
    else:
        channel = Feedback.Channel.ONLINE
        agency = data.procedure.agency if data.procedure else data.agency
    if agency is None:
        raise FeedbackError(_("Choose the agency or the procedure your feedback is about."))
    kind = check_attachment(data.attachment) if data.attachment else ""
    now = timezone.now()
    received_at = min(received_at or now, now)
    feedback = Feedback(
        code=codes.feedback_code(timezone.localdate(now)),
        channel=channel,
        sender=sender if sender and sender.is_authenticated else None,
        sender_name=data.name.strip(),
        sender_phone=data.phone,
        sender_email=data.email,
        recorded_by=recorded_by,
        agency=agency,
        procedure=data.procedure,
        sector=data.procedure.sector if data.procedure else None,
        dossier=data.dossier,
        subject=data.subject.strip(),
        text=data.text.strip(),
        consent_to_publish=data.consent_to_publish,
        received_at=received_at,
        clock_started_at=received_at,
        due_at=answer_due(received_at),
    )
    if data.attachment:
        feedback.attachment_name = (data.attachment.name or "")[:255]
        feedback.attachment_type = kind
        digest = hashlib.sha256(feedback.code.encode()).hexdigest()[:16]
        extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[kind]
        feedback.attachment.save(f"{digest}.{extension}", data.attachment, save=False)
    feedback.save()
    _event(
        feedback,
        FeedbackEvent.Kind.RECEIVED,
        actor=recorded_by or feedback.sender,
        channel=channel,
        due_at=feedback.due_at.isoformat(),
    )
    _notify_sender(feedback, "feedback_received", "received")
    return feedback


# --- Staff workflow -------------------------------------------------------------------------


def _locked(*, feedback_id: int, actor: User) -> Feedback:
    try:
        return selectors.feedback_for_staff(user=actor, pk=feedback_id, for_update=True)
    except Feedback.DoesNotExist:
        raise FeedbackError(_("This feedback is not in your queue.")) from None


def _require_manager(actor: User) -> None:
    if not selectors.can_manage(actor):
        raise FeedbackError(_("Only the agency's desk officers and leaders can do this."))


@transaction.atomic
def feedback_assign(*, feedback_id: int, actor: User, department: Department) -> Feedback:
    feedback = _locked(feedback_id=feedback_id, actor=actor)
    _require_manager(actor)
    if department.agency_id != feedback.agency_id or not department.is_active:
        raise FeedbackError(_("Choose a department of your agency."))
    if not can_proceed(feedback.assign):
        raise FeedbackStateError(_("This feedback can no longer be assigned."))
    before = feedback.state
    feedback.assign(department=department)
    feedback.save()
    _event(
        feedback,
        FeedbackEvent.Kind.ASSIGNED,
        actor=actor,
        from_state=before,
        department=department.name,
    )
    return feedback


@transaction.atomic
def feedback_transfer(*, feedback_id: int, actor: User, agency: Agency, reason: str) -> Feedback:
    """Misdirected: the competent agency takes it over with its own 3 working days."""
    feedback = _locked(feedback_id=feedback_id, actor=actor)
    _require_manager(actor)
    if agency.pk == feedback.agency_id or not agency.is_active:
        raise FeedbackError(_("Choose another, active agency."))
    if not reason.strip():
        raise FeedbackError(_("Say why the feedback belongs to the other agency."))
    if not can_proceed(feedback.transfer):
        raise FeedbackStateError(_("Only unanswered feedback can be transferred."))
    before, old_agency, old_due = feedback.state, feedback.agency, feedback.due_at
    now = timezone.now()
    feedback.transfer(agency=agency, at=now, due=answer_due(now))
    feedback.save()
    _event(
        feedback,
        FeedbackEvent.Kind.TRANSFERRED,
        actor=actor,
        from_state=before,
        note=reason.strip(),
        from_agency=old_agency.name,
        to_agency=agency.name,
        old_due_at=old_due.isoformat(),
        due_at=feedback.due_at.isoformat(),
    )
    return feedback


@transaction.atomic
def feedback_answer(*, feedback_id: int, actor: User, answer: str) -> Feedback:
    feedback = _locked(feedback_id=feedback_id, actor=actor)
    answer = answer.strip()
    if not answer:
        raise FeedbackError(_("Write the answer."))
    if len(answer) > ANSWER_MAX:
        raise FeedbackError(_("The answer is too long."))
    if not can_proceed(feedback.answer_with):
        raise FeedbackStateError(_("This feedback has already been answered or closed."))
    before = feedback.state
    now = timezone.now()
    feedback.answer_with(text=answer, at=now, by=actor)
    feedback.save()
    _event(
        feedback,
        FeedbackEvent.Kind.ANSWERED,
        actor=actor,
        from_state=before,
        on_time=now <= feedback.due_at,
    )
    # One answer message per clock: a reopened item answered again is a new message.
    _notify_sender(feedback, "feedback_answered", f"answered:{feedback.reopen_count}")
    return feedback


@transaction.atomic
def feedback_publish(
    *, feedback_id: int, actor: User, title: str = "", question: str = "", answer: str = ""
) -> Feedback:
    """Put an answered item in the public Q&A, with the sender's consent, personal data masked."""
    feedback = _locked(feedback_id=feedback_id, actor=actor)
    _require_manager(actor)
    if not feedback.consent_to_publish:
        raise FeedbackError(_("The sender did not agree to publication."))
    if not can_proceed(feedback.publish):
        raise FeedbackStateError(_("Only answered feedback can be published."))
    names = [feedback.sender_name]
    if feedback.sender:
        names.append(feedback.sender.full_name)
    if feedback.dossier:
        names.append(feedback.dossier.applicant_name)

    def clean(text: str, fallback: str, limit: int) -> str:
        return mask_personal_data((text or fallback).strip(), names=names)[:limit]

    public_title = clean(title, feedback.subject, 200)
    public_question = clean(question, feedback.text, TEXT_MAX)
    public_answer = clean(answer, feedback.answer, ANSWER_MAX)
    before = feedback.state
    feedback.publish(
        title=public_title, question=public_question, answer=public_answer, at=timezone.now()
    )
    feedback.search_text = selectors.qa_search_text(public_title, public_question, public_answer)
    feedback.save()
    _event(feedback, FeedbackEvent.Kind.PUBLISHED, actor=actor, from_state=before)
    return feedback


@transaction.atomic
def feedback_close(*, feedback_id: int, actor: User, reason: str) -> Feedback:
    feedback = _locked(feedback_id=feedback_id, actor=actor)
    _require_manager(actor)
    if not reason.strip():
        raise FeedbackError(_("Say why the feedback is closed."))
    if not can_proceed(feedback.close):
        raise FeedbackStateError(_("This feedback is already closed or published."))
    before = feedback.state
    feedback.close(at=timezone.now(), reason=reason.strip())
    feedback.save()
    _event(feedback, FeedbackEvent.Kind.CLOSED, actor=actor, from_state=before, note=reason)
    return feedback


# --- The sender's verdict ---------------------------------------------------------------------


@transaction.atomic
def feedback_record_verdict(
    *, token: str, resolved: bool, note: str = "", actor: User | None = None
) -> Feedback:
    """The sender says whether the answer resolved the issue; "no" reopens it, once."""
    feedback = Feedback.objects.select_for_update().filter(token=token).first()
    if feedback is None:
        raise FeedbackError(_("This feedback link is not valid."))
    if feedback.state not in Feedback.ANSWERED_STATES or feedback.answered_at is None:
        raise FeedbackStateError(_("Your feedback has not been answered yet."))
    if feedback.resolved is not None:
        raise FeedbackStateError(_("You have already told us what you think of this answer."))
    actor = actor if actor and actor.is_authenticated else None
    now = timezone.now()
    before = feedback.state
    if resolved:
        feedback.resolved, feedback.resolved_at = True, now
        feedback.save(update_fields=["resolved", "resolved_at"])
        _event(feedback, FeedbackEvent.Kind.RESOLVED, actor=actor, from_state=before, note=note)
        return feedback
    if not feedback.can_reopen:
        feedback.resolved, feedback.resolved_at = False, now
        feedback.save(update_fields=["resolved", "resolved_at"])
        _event(feedback, FeedbackEvent.Kind.NOT_RESOLVED, actor=actor, from_state=before, note=note)
        return feedback
    due = answer_due(now)
    if feedback.department_id:
        feedback.reopen_to_department(at=now, due=due)
    else:
        feedback.reopen_to_agency(at=now, due=due)
    feedback.save()
    _event(
        feedback,
        FeedbackEvent.Kind.REOPENED,
        actor=actor,
        from_state=before,
        note=note,
        due_at=due.isoformat(),
    )
    return feedback


# --- Deadlines (Celery beat) ------------------------------------------------------------------


def _staff(agency_id: int, *roles: Role, department_id: int | None = None) -> list[User]:
    users = User.objects.filter(
        agency_id=agency_id, is_active=True, groups__name__in=[r.value for r in roles]
    )
    if department_id:
        users = users.filter(department_id=department_id)
    return list(users.distinct().order_by("pk"))


def _notify_staff(feedback: Feedback, users: list[User], key: str) -> int:
    sent = 0
    for user in users:
        rows = notify(
            template="feedback_due",
            context={
                "code": feedback.code,
                "agency_name": feedback.agency.name,
                "due": _when(feedback.due_at),
                "url": staff_url(feedback),
                "applicant_name": user.full_name,
            },
            dedupe_key=f"feedback:{feedback.pk}:{feedback.due_at.isoformat()}:{key}:{user.pk}",
            user=user,
            channels=("email", "sms") if key == "overdue" else ("email",),
        )
        sent += len(rows)
    return sent


@dataclass
class ScanResult:
    reminded: int = 0
    escalated: int = 0


def feedback_deadline_scan(*, now: datetime | None = None) -> ScanResult:
    """Remind before the due time and escalate to the leaders once overdue, once per clock.

    Each item is handled in its own short transaction with ``SKIP LOCKED``: two beats running
    at once split the work, and the ``reminded_at``/``escalated_at`` marks and the outbox dedupe
    keys make a second pass a no-op.
    """
    now = now or timezone.now()
    result = ScanResult()
    window = settings.FEEDBACK_REMINDER_WORKING_HOURS
    # Cheap pre-filter on the partial index: anything due within a week of calendar time.
    horizon = now + timedelta(days=7)
    candidate_ids = list(
        Feedback.objects.filter(state__in=Feedback.OPEN_STATES, due_at__lte=horizon)
        .filter(escalated_at__isnull=True)
        .values_list("pk", flat=True)
        .order_by("due_at")
    )
    for pk in candidate_ids:
        with transaction.atomic():
            feedback = (
                Feedback.objects.select_for_update(skip_locked=True)
                .select_related("agency")
                .filter(pk=pk, state__in=Feedback.OPEN_STATES)
                .first()
            )
            if feedback is None:
                continue
            if feedback.due_at <= now and feedback.escalated_at is None:
                leaders = _staff(feedback.agency_id, Role.LEADER)
                _notify_staff(feedback, leaders, "overdue")
                feedback.escalated_at = now
                feedback.reminded_at = feedback.reminded_at or now
                feedback.save(update_fields=["escalated_at", "reminded_at"])
                _event(
                    feedback,
                    FeedbackEvent.Kind.ESCALATED,
                    actor=None,
                    from_state=feedback.state,
                    leaders=[u.pk for u in leaders],
                    due_at=feedback.due_at.isoformat(),
                )
                result.escalated += 1
            elif (
                feedback.due_at > now
                and feedback.reminded_at is None
                and workdays.working_hours_between(now, feedback.due_at) <= window
            ):
                recipients = (
                    _staff(
                        feedback.agency_id,
                        Role.SPECIALIST,
                        Role.LEADER,
                        department_id=feedback.department_id,
                    )
                    if feedback.department_id
                    else []
                ) or _staff(feedback.agency_id, Role.DESK_OFFICER)
                _notify_staff(feedback, recipients, "reminder")
                feedback.reminded_at = now
                feedback.save(update_fields=["reminded_at"])
                _event(
                    feedback,
                    FeedbackEvent.Kind.REMINDED,
                    actor=None,
                    from_state=feedback.state,
                    recipients=[u.pk for u in recipients],
                    due_at=feedback.due_at.isoformat(),
                )
                result.reminded += 1
    return result


# --- Public Q&A and ratings ---------------------------------------------------------------------


def question_same_asked(*, feedback_id: int) -> None:
    """A visitor has the same question: the Q&A lists the most asked first."""
    Feedback.objects.filter(pk=feedback_id, state=Feedback.State.PUBLISHED).update(
        same_question_count=F("same_question_count") + 1
    )


@dataclass(frozen=True)
class RatingInput:
    stars: int
    good_attitude: bool = False
    on_time: bool = False
    clear_guidance: bool = False
    comment: str = ""


def rateable_dossier(*, dossier: Dossier, user: User) -> bool:
    return (
        user.is_authenticated
        and dossier.applicant_id == user.pk
        and dossier.state == Dossier.State.DONE
        and not Rating.objects.filter(dossier=dossier).exists()
    )


@transaction.atomic
def rating_submit(*, dossier_id: int, rater: User, data: RatingInput) -> Rating:
    """The owner of a finished dossier rates it once (rule 14)."""
    dossier = Dossier.objects.select_for_update().filter(pk=dossier_id, applicant=rater).first()
    if dossier is None:
        raise RatingError(_("You can only rate your own dossiers."))
    if dossier.state != Dossier.State.DONE:
        raise RatingError(_("You can rate a dossier once its result is ready."))
    if not 1 <= data.stars <= 5:
        raise RatingError(_("Choose from 1 to 5 stars."))
    if len(data.comment) > COMMENT_MAX:
        raise RatingError(_("The comment is too long."))
    if Rating.objects.filter(dossier=dossier).exists():
        raise RatingError(_("You have already rated this dossier. Thank you."))
    try:
        with transaction.atomic():
            return Rating.objects.create(
                dossier=dossier,
                agency_id=dossier.agency_id,
                rater=rater,
                stars=data.stars,
                good_attitude=data.good_attitude,
                on_time=data.on_time,
                clear_guidance=data.clear_guidance,
                comment=data.comment.strip(),
            )
    except IntegrityError:
        raise RatingError(_("You have already rated this dossier. Thank you.")) from None
