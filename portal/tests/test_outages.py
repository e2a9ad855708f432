"""Redis or PostgreSQL unreachable: pages degrade or say so in Vietnamese, never a 500.

Redis is "unreachable" as in an outage: the cache and the Celery broker and result backend point
at a closed port (nothing listens on 127.0.0.1:1), with every other setting as configured.
PostgreSQL is unreachable the same way, and a connection is killed by the real server in the
middle of a request (pg_terminate_backend).
"""

from __future__ import annotations

import logging
import socketserver
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from django.test import Client
from django.urls import reverse

from dossiers.models import Dossier, Notice
from dossiers.tests.factories import DossierFactory, desk_officer_for
from feedback.models import Feedback
from payments.models import Payment
from payments.tests.factories import PaymentFactory, fee_dossier
from portal.celery import app
from portal.models import Notification
from portal.roles import Role
from reporting.models import Report
from tests.factories import AgencyFactory, staff_user

CLOSED = "redis://127.0.0.1:1/0"
# A page that waits for Redis would take seconds (connect retries, result-backend retries).
QUICK_SECONDS = 3.0


def _use_celery(*, broker: str, backend: str) -> None:
    app.conf.broker_url = broker
    app.conf.result_backend = backend
    # Forget connections and the result backend made for the previous URLs.
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


class RedisOutage:
    """The cache, the broker and the result backend at a closed port, until `end()`."""

    def __init__(self, settings):
        self.settings = settings
        self.cache = settings.CACHES
        self.celery = (app.conf.broker_url, app.conf.result_backend)

    def begin(self):
        cache = self.cache["default"]
        assert "Redis" in cache["BACKEND"], "the tests run against Redis: set REDIS_URL"
        self.settings.CACHES = {"default": {**cache, "LOCATION": CLOSED}}
        _use_celery(broker=CLOSED, backend=CLOSED)
        app.conf.task_always_eager = False

    def end(self):
        """Redis is back (tasks run in-process again, as in the other tests)."""
        self.settings.CACHES = self.cache
        _use_celery(broker=self.celery[0], backend=self.celery[1])
        app.conf.task_always_eager = True


@pytest.fixture
def redis_unreachable(settings):
    outage = RedisOutage(settings)
    outage.begin()
    try:
        yield outage
    finally:
        outage.end()


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert response.status_code < 500, response.content[:2000]
    assert elapsed < QUICK_SECONDS, f"{args[0]} took {elapsed:.1f} s"
    return response


# --- Redis unreachable: public pages ---------------------------------------------------------


@pytest.mark.django_db
def test_public_pages_answer_quickly_without_redis(client, redis_unreachable):
    dossier = DossierFactory(received=True)
    home = timed(client.get, "/")
    assert home.status_code == 200
    for path in (f"/tra-cuu/?ma={dossier.code}", f"/kiosk/?ma={dossier.code}"):
        page = timed(client.get, path)
        assert page.status_code == 200
        assert dossier.code in page.content.decode()
        assert "Chờ tiếp nhận" in page.content.decode()
    statistics = timed(client.get, "/thong-ke/")
    assert statistics.status_code == 200
    assert timed(client.get, "/thu-tuc/").status_code == 200
    assert timed(client.get, "/phan-anh/").status_code == 200


@pytest.mark.django_db
def test_the_lookup_limit_holds_in_the_process_and_says_why_in_the_log(
    client, settings, redis_unreachable, caplog
):
    settings.LOOKUP_RATE_LIMIT = 3
    dossier = DossierFactory(received=True)
    caplog.set_level(logging.WARNING)
    for _attempt in range(3):
        page = timed(client.get, f"/tra-cuu/?ma={dossier.code}", REMOTE_ADDR="10.7.7.7")
        assert page.status_code == 200
    refused = timed(client.get, f"/tra-cuu/?ma={dossier.code}", REMOTE_ADDR="10.7.7.7")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Another address is not refused for the first one's requests.
    other = timed(client.get, f"/tra-cuu/?ma={dossier.code}", REMOTE_ADDR="10.7.7.8")
    assert other.status_code == 200
    assert "Redis unreachable" in caplog.text


@pytest.mark.django_db
def test_feedback_is_stored_without_redis_and_its_limit_holds(client, settings, redis_unreachable):
    settings.FEEDBACK_RATE_LIMIT = 2
    agency = AgencyFactory()
    data = {
        "name": "Lê Thị Hoa",
        "phone": "0905 123 456",
        "email": "",
        "agency": agency.pk,
        "subject": "Hỏi thủ tục",
        "text": "Nội dung phản ánh khi Redis ngừng",
        "website": "",
    }
    for _attempt in range(2):
        response = timed(client.post, "/phan-anh/", data, REMOTE_ADDR="10.8.8.8")
        assert response.status_code == 302
    assert Feedback.objects.filter(text="Nội dung phản ánh khi Redis ngừng").count() == 2
    feedback = Feedback.objects.first()
    assert Notification.objects.filter(template="feedback_received", status="pending").exists()
    assert timed(client.get, f"/phan-anh/theo-doi/{feedback.token}/").status_code == 200

    refused = timed(
        client.post, "/phan-anh/", {**data, "subject": "Lần ba"}, REMOTE_ADDR="10.8.8.8"
    )
    assert refused.status_code == 429
    assert "Lần ba" in refused.content.decode()  # what was typed is kept


class NotRedis(socketserver.BaseRequestHandler):
    """Another service at Redis's address (a proxy, a web server): answers, but not RESP."""

    def handle(self):
        self.request.recv(4096)
        self.request.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.django_db
def test_a_server_that_is_not_redis_is_an_outage_too(client, settings, caplog):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), NotRedis)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"redis://127.0.0.1:{server.server_address[1]}/0"
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
        dossier = DossierFactory(received=True)
        caplog.set_level(logging.WARNING)
        for path in (f"/tra-cuu/?ma={dossier.code}", "/thong-ke/"):
            assert timed(client.get, path).status_code == 200
        health = client.get("/api/health/").json()
        assert health == {"status": "degraded", "database": "ok", "cache": "error"}
        assert "Redis unreachable" in caplog.text
    finally:
        server.shutdown()
        server.server_close()


# --- Redis unreachable: staff actions (on-commit tasks) ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_desk_accept_commits_quickly_and_leaves_the_work_to_the_sweepers(
    login_staff, redis_unreachable, caplog
):
    dossier = DossierFactory(received=True)
    client = login_staff(desk_officer_for(dossier))
    caplog.set_level(logging.WARNING)
    response = timed(client.post, reverse("desk:accept", args=[dossier.pk]))
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    # The receipt waits for the notice sweeper, the messages in the outbox.
    assert Notice.objects.filter(dossier=dossier, status=Notice.Status.PENDING).exists()
    assert Notification.objects.filter(status="pending").exists()
    page = timed(client.get, reverse("desk:dossier", args=[dossier.pk]))
    assert page.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_refusing_a_paid_dossier_commits_the_refund_request_quickly(login_staff, redis_unreachable):
    dossier = fee_dossier()
    payment = PaymentFactory(dossier=dossier, agency=dossier.agency, paid=True)
    client = login_staff(desk_officer_for(dossier))
    response = timed(
        client.post,
        reverse("desk:refuse", args=[dossier.pk]),
        {"refuse-reason": "Thủ tục không thuộc thẩm quyền."},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    payment.refresh_from_db()
    assert dossier.state == Dossier.State.RETURNED
    assert payment.state == Payment.State.REFUND_REQUESTED


@pytest.mark.django_db(transaction=True)
def test_a_report_requested_without_redis_is_kept_and_sent_by_the_sweeper(
    login_staff, redis_unreachable, settings
):
    from reporting.tasks import resend_pending_reports

    it_admin = staff_user(Role.IT_ADMIN)
    client = login_staff(it_admin)
    response = timed(
        client.post,
        reverse("reports:list"),
        {
            "period_kind": "custom",
            "start": "2026-01-01",
            "end": "2026-03-31",
            "convention": "decree09",
            "scope_kind": "province",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get(requested_by=it_admin)
    assert report.status == Report.Status.PENDING

    # Redis is back: beat's sweeper sends the report that waited (tasks run in-process here).
    redis_unreachable.end()
    settings.REPORT_RESEND_AFTER_SECONDS = 0
    assert resend_pending_reports() == 1
    report.refresh_from_db()
    assert report.status == Report.Status.READY
    assert resend_pending_reports() == 0


# --- PostgreSQL unreachable ------------------------------------------------------------------


def _assert_vietnamese_503(response):
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert 'lang="vi"' in page
    assert "tạm thời" in page
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_answers_a_vietnamese_503_and_recovers():
    client = Client(raise_request_exception=False)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        for path in ("/", "/thu-tuc/", "/tra-cuu/?ma=000.00.21.H45-261205-0001"):
            _assert_vietnamese_503(client.get(path))
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert client.get("/").status_code == 200


def _get(url):
    """GET through a real HTTP connection; the response whatever its status."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_mid_request_answers_503_and_the_next_request_works(live_server):
    AgencyFactory()
    killed: list[int] = []
    test_thread = threading.get_ident()

    def kill_first_query(execute, sql, params, many, context):
        # PostgreSQL itself ends the session of the request being served (as a restart, a
        # failover or an administrator's pg_terminate_backend would) before its query runs.
        if not killed:
            pid = context["connection"].connection.info.backend_pid
            killed.append(pid)
            with psycopg.connect(**_server_params(), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        return execute(sql, params, many, context)

    def arm(sender, connection, **kwargs):
        if threading.get_ident() != test_thread:  # the live server's request threads
            connection.execute_wrappers.append(kill_first_query)

    connection_created.connect(arm)
    try:
        status, headers, page = _get(f"{live_server.url}/co-quan/")
    finally:
        connection_created.disconnect(arm)
    assert killed, "the request's connection was not killed"
    assert status == 503
    assert int(headers["Retry-After"]) > 0
    assert 'lang="vi"' in page and "tạm thời" in page
    # The broken connection was dropped with its request: the next one gets a new one.
    status, _headers, page = _get(f"{live_server.url}/co-quan/")
    assert status == 200


def _server_params():
    settings_dict = connection.settings_dict
    return {
        "host": settings_dict["HOST"],
        "port": settings_dict["PORT"] or 5432,
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"] or None,
        "dbname": settings_dict["NAME"],
    }
