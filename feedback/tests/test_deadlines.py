"""The beat scan: a reminder before the due time, escalation to the leaders once overdue."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feedback import services
from feedback.models import Feedback, FeedbackEvent
from feedback.tasks import scan_feedback_deadlines
from portal.models import Notification
from portal.roles import Role
from tests.factories import staff_user

from .factories import FeedbackFactory

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 11, 16, 8, 0, tzinfo=HCM)  # due Thursday 19/11 08:00


@pytest.fixture
def agency_staff():
    leader = staff_user(Role.LEADER)
    desk = staff_user(Role.DESK_OFFICER, agency=leader.agency)
    return leader, desk


def _item(agency, **kwargs):
    return FeedbackFactory(agency=agency, received_at=MONDAY, **kwargs)


def test_nothing_happens_early(agency_staff):
    leader, _desk = agency_staff
    _item(leader.agency)
    result = services.feedback_deadline_scan(now=MONDAY + timedelta(hours=3))
    assert (result.reminded, result.escalated) == (0, 0)
    assert not Notification.objects.exists()


def test_reminder_once_within_the_last_working_day(agency_staff):
    leader, desk = agency_staff
    feedback = _item(leader.agency)
    assert feedback.due_at == datetime(2026, 11, 19, 8, 0, tzinfo=HCM)
    wednesday = datetime(2026, 11, 18, 9, 0, tzinfo=HCM)  # 7 working hours left
    first = services.feedback_deadline_scan(now=wednesday)
    again = services.feedback_deadline_scan(now=wednesday + timedelta(minutes=10))
    assert (first.reminded, again.reminded) == (1, 0)
    rows = Notification.objects.filter(template="feedback_due")
    # Not assigned yet: the agency's desk officers are reminded, by e-mail.
    assert [(n.user, n.channel) for n in rows] == [(desk, "email")]
    assert rows[0].context["code"] == feedback.code
    assert rows[0].context["due"] == "08:00 19/11/2026"
    assert f"/can-bo/phan-anh/{feedback.pk}/" in rows[0].context["url"]


def test_escalation_to_the_leader_exactly_once(agency_staff):
    leader, _desk = agency_staff
    other_leader = staff_user(Role.LEADER)  # another agency: never told
    feedback = _item(leader.agency)
    late = feedback.due_at + timedelta(minutes=1)
    results = [services.feedback_deadline_scan(now=late + timedelta(minutes=m)) for m in (0, 10)]
    assert [r.escalated for r in results] == [1, 0]
    scan_feedback_deadlines.delay()  # the beat task itself, later: still nothing new
    escalations = Notification.objects.filter(template="feedback_due", user=leader)
    assert sorted(escalations.values_list("channel", flat=True)) == ["email", "sms"]
    assert not Notification.objects.filter(user=other_leader).exists()
    assert feedback.events.filter(kind=FeedbackEvent.Kind.ESCALATED).count() == 1
    feedback.refresh_from_db()
    assert feedback.escalated_at == late


def test_answered_feedback_is_not_escalated(agency_staff):
    leader, desk = agency_staff
    feedback = _item(leader.agency)
    services.feedback_answer(feedback_id=feedback.pk, actor=desk, answer="Đã trả lời")
    result = services.feedback_deadline_scan(now=feedback.due_at + timedelta(days=1))
    assert result.escalated == 0
    assert not Notification.objects.filter(template="feedback_due").exists()


def test_a_transfer_starts_a_new_clock_with_its_own_reminders(agency_staff):
    leader, desk = agency_staff
    feedback = _item(leader.agency)
    services.feedback_deadline_scan(now=feedback.due_at + timedelta(minutes=1))
    new_leader = staff_user(Role.LEADER)
    moved = services.feedback_transfer(
        feedback_id=feedback.pk, actor=desk, agency=new_leader.agency, reason="Sai cơ quan"
    )
    assert moved.escalated_at is None and moved.reminded_at is None
    services.feedback_deadline_scan(now=moved.due_at + timedelta(minutes=1))
    assert Notification.objects.filter(template="feedback_due", user=new_leader).count() == 2
    assert Notification.objects.filter(template="feedback_due", user=leader).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_scans_racing_send_once(agency_staff):
    """Two beats at once: the row lock and the dedupe keys keep it to one message each."""
    from dossiers.tests.test_concurrency import run_together

    leader, _desk = agency_staff
    feedback = _item(leader.agency)
    late = feedback.due_at + timedelta(minutes=1)
    results = run_together([lambda: services.feedback_deadline_scan(now=late)] * 2)
    assert sorted(r.escalated for r in results) == [0, 1]
    assert Notification.objects.filter(template="feedback_due", user=leader).count() == 2
    assert feedback.events.filter(kind=FeedbackEvent.Kind.ESCALATED).count() == 1


def test_beat_schedule_has_one_feedback_entry(settings):
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].startswith("feedback.")
    ]
    assert [e["task"] for e in entries] == ["feedback.tasks.scan_feedback_deadlines"]
    assert Feedback.objects.count() == 0
