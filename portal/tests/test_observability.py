"""Operators' view: JSON log lines carrying the request id, also in the tasks a request queues."""

import io
import json
import logging

import pytest
from celery.contrib.testing.worker import start_worker

from portal import observability
from portal.celery import app


@app.task(name="tests.request_id_seen_by_task")
def request_id_seen_by_task() -> str:
    logging.getLogger("portal.tests").info("inside the task")
    return observability.request_id.get()


@pytest.fixture
def json_log():
    """The lines a JSON console handler writes while the test runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observability.JsonFormatter())
    handler.addFilter(observability.RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_every_answer_names_its_request_id(client):
    first, second = client.get("/"), client.get("/")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("lb-7f3a9c2e-1234", True),  # the proxy's own id is kept, to follow a request through
        ("short", False),
        ("a" * 65, False),
        ("two words here!", False),
        ("evil\r\nSet-Cookie: x=1", False),
    ],
)
def test_a_sane_request_id_from_the_proxy_is_kept(client, offered, kept):
    response = client.get("/", HTTP_X_REQUEST_ID=offered)
    assert (response["X-Request-ID"] == offered) is kept
    assert "\n" not in response["X-Request-ID"]


@pytest.mark.django_db
def test_log_lines_are_json_with_the_request_id(client, json_log):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    lines = [line for line in json_log() if line["logger"] == "django.request"]
    assert lines, json_log()
    assert lines[0]["level"] == "WARNING"
    assert "/khong-co-trang-nay/" in lines[0]["message"]
    assert lines[0]["request_id"] == response["X-Request-ID"]


def test_a_traceback_stays_inside_its_one_line(json_log):
    try:
        raise ValueError("hỏng")
    except ValueError:
        logging.getLogger("portal.tests").exception("Something failed", extra={"dossier": 42})
    (line,) = [line for line in json_log() if line["logger"] == "portal.tests"]
    assert line["message"] == "Something failed"
    assert line["dossier"] == 42
    assert "Traceback" in line["exception"] and "ValueError: hỏng" in line["exception"]


@pytest.mark.django_db
def test_a_strange_host_header_is_one_line_not_a_traceback(client, caplog, settings):
    settings.ALLOWED_HOSTS = ["dichvucong.example.gov.vn"]
    with caplog.at_level(logging.WARNING):
        response = client.get("/", HTTP_HOST="scanner.example.com")
    assert response.status_code == 400
    records = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert records and "scanner.example.com" in records[0].getMessage()
    assert all(record.exc_info is None for record in records)


@pytest.fixture
def real_worker():
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_a_task_carries_the_request_id_through_the_broker(real_worker):
    token = observability.request_id.set("lb-request-0001")
    try:
        result = request_id_seen_by_task.apply_async(ignore_result=False)
    finally:
        observability.request_id.reset(token)
    assert result.get(timeout=20) == "lb-request-0001"
    # A task queued outside any request gets an id of its own.
    assert len(request_id_seen_by_task.apply_async(ignore_result=False).get(timeout=20)) == 32
