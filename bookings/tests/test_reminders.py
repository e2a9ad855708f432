"""The reminder of tomorrow's appointments goes once, through the outbox, by e-mail and SMS."""

from datetime import date

import pytest
from django.core import mail

from bookings import services, tasks
from portal.models import Notification
from tests.factories import UserFactory

from .factories import local, published_procedure

pytestmark = pytest.mark.django_db

THURSDAY = date(2026, 12, 31)
MONDAY = date(2027, 1, 4)


def test_reminder_sent_once_the_day_before(django_capture_on_commit_callbacks):
    procedure = published_procedure()
    citizen = UserFactory(email="hoa@example.com", phone="0905111222")
    booking = services.booking_create(
        citizen=citizen, procedure=procedure, starts_at=local(MONDAY, 8), now=local(THURSDAY, 9)
    )
    # Not yet: two days before.
    assert services.booking_send_reminders(now=local(date(2027, 1, 2), 9)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.booking_send_reminders(now=local(date(2027, 1, 3), 8)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.booking_send_reminders(now=local(date(2027, 1, 3), 9)) == 0
    rows = Notification.objects.filter(template="booking_reminder")
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "sms"]
    assert set(rows.values_list("status", flat=True)) == {Notification.Status.SENT}
    assert [message.to for message in mail.outbox] == [["hoa@example.com"]]
    assert booking.code in mail.outbox[0].body
    assert "08:00 04/01/2027" in mail.outbox[0].body
    sms = rows.get(channel="sms")
    assert sms.recipient == "0905111222"


def test_no_reminder_for_a_cancelled_appointment():
    procedure = published_procedure()
    citizen = UserFactory()
    booking = services.booking_create(
        citizen=citizen, procedure=procedure, starts_at=local(MONDAY, 8), now=local(THURSDAY, 9)
    )
    services.booking_cancel(booking_id=booking.pk, actor=citizen, now=local(THURSDAY, 10))
    assert services.booking_send_reminders(now=local(date(2027, 1, 3), 8)) == 0
    assert not Notification.objects.filter(template="booking_reminder").exists()


def test_the_periodic_task_is_scheduled(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["send-booking-reminders"]
    assert schedule["task"] == tasks.send_booking_reminders.name
    assert tasks.send_booking_reminders.delay().get() == 0


def test_the_code_is_confirmed_in_writing_once_the_booking_is_saved(
    django_capture_on_commit_callbacks,
):
    procedure = published_procedure()
    citizen = UserFactory(email="hoa@example.com", phone="0905111222")
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.booking_create(
            citizen=citizen,
            procedure=procedure,
            starts_at=local(MONDAY, 8),
            now=local(THURSDAY, 9),
        )
    rows = Notification.objects.filter(template="booking_confirmed")
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "sms"]
    assert set(rows.values_list("status", flat=True)) == {Notification.Status.SENT}
    (message,) = mail.outbox
    assert message.to == ["hoa@example.com"]
    assert booking.code in message.subject and "08:00 04/01/2027" in message.body
    assert "nhắc lịch trước một ngày" in message.body
    assert rows.get(channel="sms").recipient == "0905111222"
