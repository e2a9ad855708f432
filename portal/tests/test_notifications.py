"""The outbox: written with the event, sent once after commit, retried, swept, never lost.

Delivery is tested against real servers on loopback: an aiosmtpd SMTP server, a fake HTTP SMS
gateway (fake_sms_gateway.py) and, for the broker outage, a throwaway redis-server.
"""

import email
import email.policy
import json
import logging
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from portal.celery import app
from portal.models import Notification
from portal.notifications import notify, rendering, services
from portal.notifications.tasks import send_notification, sweep_notifications
from portal.roles import Role
from portal.tests.fake_sms_gateway import FakeSmsGateway
from tests.factories import UserFactory, staff_user

CODE = "000.00.01.H45-261124-0007"
PROCEDURE = "Cấp giấy phép xây dựng đối với công trình cấp đặc biệt, cấp I, cấp II"


def realistic_context(**extra):
    """A worst case: long Vietnamese names and reasons, full-length codes and dates."""
    return {
        "code": CODE,
        "procedure_name": PROCEDURE + " và nhà ở riêng lẻ tại đô thị thuộc địa bàn tỉnh Phú Yên",
        "agency_name": "Ủy ban nhân dân thị xã Đông Hòa, tỉnh Phú Yên – Bộ phận Tiếp nhận và "
        "Trả kết quả",
        "department_name": "Phòng Quản lý đô thị thị xã Đông Hòa",
        "applicant_name": "Nguyễn Thị Phương Thảo",
        "appointment": "16:30 25/11/2024",
        "new_appointment": "16:30 02/12/2024",
        "reason": "Thiếu bản sao có chứng thực giấy chứng nhận quyền sử dụng đất, quyền sở hữu "
        "nhà ở và tài sản khác gắn liền với đất; bản vẽ thiết kế chưa đúng tỷ lệ",
        "documents": ["Bản sao giấy chứng nhận quyền sử dụng đất", "Bản vẽ thiết kế 1/100"],
        "lookup_url": f"https://dichvucong.phuyen.gov.vn/tra-cuu/?ma={CODE}",
        "url": "https://dichvucong.phuyen.gov.vn/can-bo/ho-so/123456/",
        "tracking_number": "EL123456789VN",
        "carrier": "Bưu điện tỉnh Phú Yên (VNPost)",
        "amount": "12.500.000 đ",
        "due": "16:30 25/11/2024",
        "received_at": "07:45 25/11/2024",
        "step_name": "Thẩm định hồ sơ và trình lãnh đạo phê duyệt",
        **extra,
    }


def make_row(**fields):
    defaults = {
        "channel": Notification.Channel.SMS,
        "recipient": "0912345678",
        "template": "dossier_accepted",
        "context": realistic_context(),
        "dedupe_key": f"test:{time.monotonic_ns()}",
        "next_attempt_at": timezone.now(),
    }
    return Notification.objects.create(**{**defaults, **fields})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gateway(settings):
    """The HTTP SMS backend pointed at a fake gateway; `gateway.responses` scripts it."""
    with FakeSmsGateway() as fake:
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = fake.url
        settings.SMS_GATEWAY_TOKEN = "secret-token"
        settings.SMS_SENDER_NAME = "DVC PHUYEN"
        yield fake


class Inbox:
    """aiosmtpd handler: keeps what it receives, refuses some recipients with 550."""

    def __init__(self, refuse=()):
        self.messages = []
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings):
    inbox = Inbox(refuse={"nobody@example.com"})
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


# --- Writing to the outbox ------------------------------------------------------------------


@pytest.mark.django_db
def test_notify_writes_in_the_callers_transaction(django_capture_on_commit_callbacks):
    citizen = UserFactory()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(template="dossier_received", context=realistic_context(), dedupe_key="d:1")
        notify(
            template="dossier_accepted",
            context=realistic_context(),
            dedupe_key="d:2",
            user=citizen,
        )
        assert Notification.objects.count() == 2
        raise RuntimeError("the event failed")
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = notify(
            template="dossier_accepted", context=realistic_context(), dedupe_key="d:2", user=citizen
        )
    assert {(r.channel, r.recipient) for r in rows} == {
        ("email", citizen.email),
        ("sms", citizen.phone),
    }
    assert {r.dedupe_key for r in rows} == {"d:2:email", "d:2:sms"}
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 1
    assert CODE in mail.outbox[0].subject


@pytest.mark.django_db
def test_a_second_notify_with_the_same_key_writes_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    citizen = UserFactory()
    kwargs = {"template": "dossier_accepted", "context": realistic_context(), "user": citizen}
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = notify(dedupe_key="dossier:7:accepted", **kwargs)
        again = notify(dedupe_key="dossier:7:accepted", **kwargs)
        # The duplicate did not spoil the caller's transaction.
        assert Notification.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        later = notify(dedupe_key="dossier:7:accepted", **kwargs)
    assert [n.pk for n in first] == [n.pk for n in again] == [n.pk for n in later]
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(status="sent", attempts=1).count() == 2


@pytest.mark.django_db
def test_notify_addresses_and_channels(django_capture_on_commit_callbacks):
    citizen = UserFactory(email="", phone="0987654321")
    with django_capture_on_commit_callbacks():
        assert notify(template="result_ready", context={}, dedupe_key="a", user=citizen)[0].channel
        rows = notify(
            template="result_ready",
            context={},
            dedupe_key="b",
            user=citizen,
            email="other@example.com",
            channels=("email",),
        )
        nobody = notify(template="result_ready", context={}, dedupe_key="c")
    assert Notification.objects.get(dedupe_key="a:sms").recipient == "0987654321"
    assert not Notification.objects.filter(dedupe_key="a:email").exists()
    assert [(r.channel, r.recipient) for r in rows] == [("email", "other@example.com")]
    assert nobody == []
    assert Notification.objects.get(dedupe_key="a:sms").language == settings.LANGUAGE_CODE

    with pytest.raises(ValueError, match="Unknown notification template"):
        notify(template="no_such_thing", context={}, dedupe_key="d", phone="0987654321")
    with pytest.raises(TypeError):
        notify(template="result_ready", context={"at": timezone.now()}, dedupe_key="e")


@pytest.mark.django_db
def test_notify_many_writes_the_rows_notify_writes(django_capture_on_commit_callbacks):
    staff = UserFactory()
    citizen = UserFactory(email="", phone="0987654321")
    context = realistic_context()
    with django_capture_on_commit_callbacks():
        notify(template="dossier_overdue", context=context, dedupe_key="one", user=staff)
        notify(template="result_ready", context={}, dedupe_key="one-c", user=citizen)
        written = services.notify_many(
            [
                {
                    "template": "dossier_overdue",
                    "context": context,
                    "dedupe_key": "many",
                    "user": staff,
                },
                {
                    "template": "result_ready",
                    "context": {},
                    "dedupe_key": "many-c",
                    "user": citizen,
                },
                {"template": "result_ready", "context": {}, "dedupe_key": "nobody"},
            ]
        )
    assert written == 3

    def rows(key):
        """The rows of one message by channel, all columns but the id, key and times."""
        skip = {"id", "dedupe_key", "created_at", "next_attempt_at"}
        names = [f.attname for f in Notification._meta.concrete_fields if f.attname not in skip]
        return {
            row.channel: [getattr(row, name) for name in names]
            for row in Notification.objects.filter(dedupe_key__startswith=f"{key}:")
        }

    assert rows("many") == rows("one") and set(rows("many")) == {"email", "sms"}
    assert rows("many-c") == rows("one-c") and set(rows("many-c")) == {"sms"}
    assert not Notification.objects.filter(dedupe_key__startswith="nobody").exists()
    assert not Notification.objects.filter(next_attempt_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_notify_many_writes_and_queues_only_what_is_new(gateway):
    staff = UserFactory()
    citizen = UserFactory()

    def message(key, user):
        return {
            "template": "dossier_due_soon",
            "context": realistic_context(),
            "dedupe_key": key,
            "user": user,
        }

    with transaction.atomic():
        assert services.notify_many([message("k:1", staff)]) == 2
    assert len(mail.outbox) == 1 and len(gateway.deliveries) == 1

    with transaction.atomic():
        # Two new rows (k:2 e-mail and SMS); k:1 is already in the outbox, and a key given
        # twice in one call is written once.
        assert (
            services.notify_many(
                [message("k:1", staff), message("k:2", citizen), message("k:2", citizen)]
            )
            == 2
        )
    assert Notification.objects.count() == 4
    assert Notification.objects.filter(status="sent", attempts=1).count() == 4
    assert len(mail.outbox) == 2 and len(gateway.deliveries) == 2

    with pytest.raises(TypeError), transaction.atomic():
        services.notify_many(
            [message("k:3", staff), {**message("k:4", staff), "context": {"at": timezone.now()}}]
        )
    with pytest.raises(ValueError, match="Unknown notification template"):
        services.notify_many([{**message("k:5", staff), "template": "no_such_thing"}])
    assert Notification.objects.count() == 4


# --- E-mail through a real SMTP server -----------------------------------------------------


@pytest.mark.django_db
def test_email_is_delivered_through_an_smtp_server(smtp_inbox, django_capture_on_commit_callbacks):
    context = realistic_context()
    with django_capture_on_commit_callbacks(execute=True):
        [row] = notify(
            template="dossier_accepted",
            context=context,
            dedupe_key="smtp",
            email="thao.nguyen@example.com",
            channels=("email",),
        )
    row.refresh_from_db()
    assert row.status == "sent", row.last_error
    [message] = smtp_inbox.messages
    subject, text, _html = rendering.render_email("dossier_accepted", context, "vi")
    # A long UTF-8 subject is folded onto a continuation line; unfolding leaves the folding
    # white space in front, which mail readers trim.
    assert message["Subject"].strip() == subject
    assert CODE in subject
    assert message["To"] == "thao.nguyen@example.com"
    assert message["Message-ID"] == row.provider_message_id
    plain = message.get_body(("plain",)).get_content()
    rich = message.get_body(("html",)).get_content()
    # Vietnamese survives the trip in both parts.
    for part in (plain, rich):
        assert "Nguyễn Thị Phương Thảo" in part
        assert "Cấp giấy phép xây dựng" in part
        assert "16:30 25/11/2024" in part
    assert plain.replace("\r\n", "\n").strip() == text.strip()


@pytest.mark.django_db
def test_email_refused_by_the_server_fails_at_once(smtp_inbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [row] = notify(
            template="dossier_received",
            context=realistic_context(),
            dedupe_key="refused",
            email="nobody@example.com",
        )
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, None)
    assert "550" in row.last_error
    assert smtp_inbox.messages == []


@pytest.mark.django_db
def test_unreachable_smtp_server_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    row = make_row(channel="email", recipient="a@example.com")
    assert services.notification_send(notification_id=row.pk) == "pending"
    row.refresh_from_db()
    assert row.attempts == 1
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()


# --- SMS through an HTTP gateway -----------------------------------------------------------


@pytest.mark.django_db
def test_sms_gateway_failing_three_times_then_delivering_sends_once(
    gateway, django_capture_on_commit_callbacks
):
    gateway.responses[:] = [503, 503, 503]
    with django_capture_on_commit_callbacks(execute=True):
        [row] = notify(
            template="dossier_accepted",
            context=realistic_context(),
            dedupe_key="sms-retry",
            phone="0912345678",
            channels=("sms",),
        )

    waits = []
    for _ in range(3):
        row.refresh_from_db()
        assert row.status == "pending"
        waits.append(round((row.next_attempt_at - timezone.now()).total_seconds() / 60))
        assert "503" in row.last_error
        assert sweep_notifications() == 0  # not due yet: nothing happens
        # Time passes: the retry is due.
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        sweep_notifications()
    assert waits == [1, 2, 4]

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 4, "")
    assert row.provider_message_id == "msg-4"
    assert sweep_notifications() == 0
    send_notification(row.pk)  # a late duplicate task changes nothing
    assert len(gateway.requests) == 4
    [delivery] = gateway.deliveries
    assert delivery.headers["Authorization"] == "Bearer secret-token"
    assert delivery.headers["Content-Type"] == "application/json"
    assert set(delivery.body) == {"to", "text", "sender", "reference"}
    # One reference for every attempt at the message, so that the gateway can spot repeats.
    assert {r.body["reference"] for r in gateway.requests} == {"sms-retry:sms"}
    assert {r.headers["Idempotency-Key"] for r in gateway.requests} == {"sms-retry:sms"}
    assert delivery.body["to"] == "0912345678"
    assert delivery.body["sender"] == "DVC PHUYEN"
    text = delivery.body["text"]
    assert text.isascii()
    assert CODE in text
    assert "Cap giay phep xay dung" in text
    assert rendering.sms_length(text) <= 160


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(400, "failed"), (401, "failed"), (422, "failed"), (429, "pending"), (500, "pending")],
)
@pytest.mark.django_db
def test_sms_gateway_status_codes(gateway, status, outcome):
    gateway.responses[:] = [status]
    row = make_row()
    assert services.notification_send(notification_id=row.pk) == outcome
    row.refresh_from_db()
    assert str(status) in row.last_error
    assert len(gateway.requests) == 1
    assert (row.next_attempt_at is None) == (outcome == "failed")


def _after_the_slow_answer(gateway, requests: int) -> None:
    """Wait until the gateway has taken `requests` messages and its slow answers are over."""
    deadline = time.monotonic() + 10
    while len(gateway.requests) < requests and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(gateway.delay)


@pytest.mark.django_db
def test_a_gateway_slower_than_the_timeout_sends_the_sms_once(gateway, settings):
    """The gateway took the message but answered too late: it is not sent a second time."""
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    gateway.delay = 1.0
    row = make_row(dedupe_key="slow:1:sms")
    assert services.notification_send(notification_id=row.pk) == "sent"
    _after_the_slow_answer(gateway, 1)
    # Time passes; the sweeper and a late duplicate task find nothing to send.
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    sweep_notifications()
    send_notification(row.pk)
    assert len(gateway.requests) == 1
    assert len(gateway.deliveries) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.provider_message_id) == ("sent", 1, "")
    assert "no answer after the request was sent" in row.last_error


@pytest.mark.django_db
def test_a_slow_gateway_that_drops_repeats_is_asked_again_and_sends_once(gateway, settings):
    """With a gateway that recognises a reference, the retry confirms the first message."""
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    settings.SMS_GATEWAY_DEDUPLICATES = True
    gateway.delay = 1.0
    gateway.deduplicate = True
    row = make_row(dedupe_key="slow:2:sms")
    assert services.notification_send(notification_id=row.pk) == "pending"
    _after_the_slow_answer(gateway, 1)
    gateway.delay = 0
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    sweep_notifications()
    assert len(gateway.requests) == 2
    assert [r.body["reference"] for r in gateway.requests] == ["slow:2:sms"] * 2
    assert len(gateway.deliveries) == 1  # the phone got one message
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert row.provider_message_id == "msg-1"  # the id of the message that went out


@pytest.mark.django_db
def test_a_gateway_closing_the_connection_before_answering_is_not_retried(settings):
    """Read the whole request, then hang up: as good as a timeout after sending."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        received = []

        def take_and_hang_up():
            connection, _address = server.accept()
            with connection:
                connection.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
                while len(body) < length:
                    body += connection.recv(65536)
                received.append(json.loads(body))

        thread = threading.Thread(target=take_and_hang_up)
        thread.start()
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.getsockname()[1]}/sms"
        row = make_row(dedupe_key="hang-up:sms")
        assert services.notification_send(notification_id=row.pk) == "sent"
        thread.join(timeout=10)
    assert [body["reference"] for body in received] == ["hang-up:sms"]
    row.refresh_from_db()
    assert "no answer after the request was sent" in row.last_error


@pytest.mark.django_db
def test_sms_to_an_invalid_number_fails_without_calling_the_gateway(gateway):
    row = make_row(recipient="12345")
    assert services.notification_send(notification_id=row.pk) == "failed"
    assert gateway.requests == []


@pytest.mark.django_db
def test_unreachable_sms_gateway_is_retried(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{free_port()}/sms"
    row = make_row()
    assert services.notification_send(notification_id=row.pk) == "pending"
    row.refresh_from_db()
    assert row.attempts == 1
    assert row.next_attempt_at > timezone.now()
    assert "SMS gateway" in row.last_error


@pytest.mark.django_db
def test_file_and_console_sms_backends(settings, tmp_path, capsys):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "var" / "sms.log"
    row = make_row(template="dossier_withdrawn")
    assert services.notification_send(notification_id=row.pk) == "sent"
    [line] = settings.SMS_FILE_PATH.read_text().splitlines()
    record = json.loads(line)
    assert record["to"] == "0912345678"
    assert CODE in record["text"]
    assert record["id"] == Notification.objects.get(pk=row.pk).provider_message_id

    settings.SMS_BACKEND = "console"
    row = make_row(template="dossier_withdrawn")
    assert services.notification_send(notification_id=row.pk) == "sent"
    assert f"SMS to 0912345678 from {settings.SMS_SENDER_NAME}: " in capsys.readouterr().out


def test_file_sms_backend_configured_from_the_environment(tmp_path):
    """SMS_BACKEND=file and SMS_FILE_PATH as an operator sets them, in a fresh process."""
    from portal.tests.test_settings import outer_environment

    path = tmp_path / "not-yet" / "sms.log"  # its folder is created on the first message
    code = (
        "import django; django.setup();"
        "from portal.notifications.backends import send_sms;"
        "print(send_sms(to='0912345678', text='Ho so da tiep nhan', reference='env:1'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            **outer_environment(),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "SMS_BACKEND": "file",
            "SMS_FILE_PATH": str(path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    [line] = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert (record["to"], record["text"], record["reference"]) == (
        "0912345678",
        "Ho so da tiep nhan",
        "env:1",
    )
    assert record["id"] == result.stdout.strip()


# --- One delivery, whatever runs twice -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_one_row_deliver_once(gateway):
    gateway.delay = 0.5  # the first worker is still talking to the gateway
    row = make_row()
    if connection.vendor == "postgresql":
        start = threading.Barrier(2)
        results = []

        def worker():
            try:
                start.wait()
                results.append(services.notification_send(notification_id=row.pk))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        # One worker delivered; the other skipped the locked row (None) or found it sent.
        assert "sent" in results
        assert sorted(results, key=str) in (["sent", "sent"], [None, "sent"])
    else:
        # SQLite has no row locks (writes are serialised): the "already sent" check decides.
        assert services.notification_send(notification_id=row.pk) == "sent"
        assert services.notification_send(notification_id=row.pk) == "sent"
    assert len(gateway.deliveries) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


@pytest.mark.django_db
def test_sweeper_is_idempotent_and_leaves_the_rest_alone(gateway, settings):
    settings.NOTIFICATION_SWEEP_BATCH = 2
    due = [make_row(dedupe_key=f"due:{i}") for i in range(3)]
    later = make_row(next_attempt_at=timezone.now() + timedelta(minutes=5))
    failed = make_row(status="failed")
    sent = make_row(status="sent")

    assert sweep_notifications() == 2  # one batch
    assert sweep_notifications() == 1
    assert sweep_notifications() == 0
    assert len(gateway.deliveries) == 3
    assert {r.body["to"] for r in gateway.deliveries} == {"0912345678"}
    assert Notification.objects.filter(pk__in=[r.pk for r in due], status="sent").count() == 3
    for other, status in ((later, "pending"), (failed, "failed"), (sent, "sent")):
        other.refresh_from_db()
        assert other.status == status


# --- Retrying for hours, then failing visibly ----------------------------------------------


def test_backoff_doubles_from_one_minute_up_to_an_hour():
    minutes = [services.backoff(n).total_seconds() / 60 for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.django_db
def test_retries_go_on_for_at_least_the_retry_window(gateway):
    gateway.responses[:] = [503] * 100
    row = make_row()
    elapsed = timedelta()
    while services.notification_send(notification_id=row.pk) == "pending":
        row.refresh_from_db()
        wait = row.next_attempt_at - timezone.now()
        elapsed += wait
        # Let `wait` pass: move the row's clock back instead of moving the clock forward.
        Notification.objects.filter(pk=row.pk).update(
            first_attempt_at=row.first_attempt_at - wait - timedelta(seconds=1),
            next_attempt_at=timezone.now(),
        )
    row.refresh_from_db()
    assert row.status == "failed"
    assert elapsed >= timedelta(hours=settings.NOTIFICATION_RETRY_WINDOW_HOURS) - timedelta(
        minutes=60
    )
    assert timezone.now() - row.first_attempt_at >= timedelta(hours=4)
    assert 10 <= row.attempts == len(gateway.requests) <= 20


@pytest.mark.django_db
def test_failed_notification_is_visible_and_resent_from_the_admin(
    gateway, login_staff, django_capture_on_commit_callbacks
):
    gateway.responses[:] = [503]
    row = make_row(
        attempts=12,
        first_attempt_at=timezone.now() - timedelta(hours=4, minutes=1),
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    assert services.notification_send(notification_id=row.pk) == "failed"

    client = login_staff(staff_user(Role.IT_ADMIN))
    changelist = reverse("admin:portal_notification_changelist")
    response = client.get(changelist, {"status__exact": "failed"})
    assert response.status_code == 200
    assert "0912345678" in response.content.decode()
    assert response.context["cl"].result_count == 1
    response = client.get(reverse("admin:portal_notification_change", args=[row.pk]))
    assert "503" in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist, {"action": "resend", "_selected_action": [row.pk]}, follow=True
        )
    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(gateway.deliveries) == 1


@pytest.mark.django_db
def test_only_it_staff_may_resend(client, login_staff):
    row = make_row(status="failed")
    client = login_staff(staff_user(Role.DESK_OFFICER))
    response = client.post(
        reverse("admin:portal_notification_changelist"),
        {"action": "resend", "_selected_action": [row.pk]},
    )
    assert response.status_code in (302, 403)
    row.refresh_from_db()
    assert row.status == "failed"


# --- The broker is down when the event happens ---------------------------------------------


class ThrowawayRedis:
    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _use_broker(url):
    app.conf.broker_url = url
    # Forget connections to the previous broker.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def throwaway_broker():
    redis = ThrowawayRedis()
    previous = app.conf.broker_url
    redis.start()
    _use_broker(redis.url)
    app.conf.task_always_eager = False
    try:
        yield redis
    finally:
        app.conf.task_always_eager = True
        _use_broker(previous)
        redis.stop()


@pytest.mark.django_db(transaction=True)
def test_broker_outage_delays_but_never_loses_or_duplicates(throwaway_broker, caplog):
    # An earlier in-process Celery worker may have raised the root logger's level.
    caplog.set_level(logging.WARNING)
    citizen = UserFactory(phone="")
    throwaway_broker.stop()

    with transaction.atomic():  # the event's transaction, e.g. accepting a dossier
        notify(
            template="dossier_accepted",
            context=realistic_context(),
            dedupe_key="outage",
            user=citizen,
        )
    row = Notification.objects.get()
    assert row.status == "pending"
    assert "left for the sweeper" in caplog.text
    assert mail.outbox == []

    throwaway_broker.start()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert sweep_notifications() == 1  # beat's job, queued on the broker for the worker
        sweep_notifications()  # a second beat does no harm
        # Wait on the mailbox, not the table: polling SQLite's shared in-memory test database
        # from this thread would lock the worker's transaction out.
        deadline = time.monotonic() + 20
        while not mail.outbox:
            assert time.monotonic() < deadline, "the worker did not send the notification"
            time.sleep(0.1)
        time.sleep(0.5)  # let the worker commit before it is stopped
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [citizen.email]


# --- Templates ----------------------------------------------------------------------------


def test_beat_runs_the_sweeper_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-notifications"]
    assert entry["task"] == sweep_notifications.name
    assert entry["schedule"] == 60
    assert sweep_notifications.name in app.tasks
    assert send_notification.name in app.tasks


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("template", sorted(rendering.TEMPLATES))
def test_sms_fits_one_segment_without_diacritics(template, language):
    # Re-run after translating: the Vietnamese text is what must fit.
    text = rendering.render_sms(template, realistic_context(), language)
    assert text.isascii(), text
    assert "{" not in text and "%" not in text, text
    assert CODE in text
    assert rendering.sms_length(text) <= rendering.SMS_SEGMENT, (len(text), text)


@pytest.mark.parametrize("template", sorted(rendering.TEMPLATES))
def test_email_templates_render_in_vietnamese(template):
    with translation.override("vi"):
        subject, text, html = rendering.render_email(template, realistic_context(), "vi")
    assert CODE in subject
    assert "\n" not in subject
    assert CODE in text
    assert CODE in html
    assert "&amp;" not in text
    assert settings.PORTAL_NAME in html
    assert html.lstrip().lower().startswith("<!doctype html>")


def test_sms_text_loses_diacritics_only():
    assert rendering.sms_safe("Hồ sơ đã được tiếp nhận – ĐÔNG HÒA “OK”…") == (
        'Ho so da duoc tiep nhan - DONG HOA "OK"...'
    )
    assert rendering.sms_length("a[b]") == 6


@pytest.mark.django_db
def test_the_admin_outbox_names_each_message_in_words(login_staff):
    make_row(template="dossier_received")
    make_row(template="payment_alert")
    client = login_staff(staff_user(Role.IT_ADMIN))
    changelist = reverse("admin:portal_notification_changelist")
    with translation.override("vi"):
        html = client.get(changelist, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Hồ sơ đã được tiếp nhận" in html and "Cảnh báo thanh toán" in html
    assert ">dossier_received<" not in html  # no template file name in the list or the filter
    response = client.get(changelist, {"template": "payment_alert"})
    assert response.context["cl"].result_count == 1
