"""/api/health/ tells monitoring when beat or the workers go silent; /api/health/live/ does not."""

import signal
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from portal import heartbeats
from portal.models import Heartbeat
from portal.tests.test_beat import Beat

pytestmark = pytest.mark.django_db


@pytest.fixture
def watching(settings):
    settings.HEALTH_CHECK_WORKERS = True
    settings.HEALTH_BEAT_SILENT_AFTER = 120
    settings.HEALTH_WORKER_SILENT_AFTER = 600


def beat_seen(ago: float, *, running_for: float = 3600) -> None:
    now = timezone.now()
    Heartbeat.objects.update_or_create(
        name="beat",
        defaults={
            "seen_at": now - timedelta(seconds=ago),
            "started_at": now - timedelta(seconds=running_for),
        },
    )


def task_seen(ago: float) -> None:
    now = timezone.now()
    Heartbeat.objects.update_or_create(
        name="task:portal.tasks.sweep_notifications",
        defaults={"seen_at": now - timedelta(seconds=ago), "started_at": now - timedelta(days=1)},
    )


def test_all_well(client, watching):
    beat_seen(10)
    task_seen(30)
    response = client.get("/api/health/")
    assert response.status_code == 200
    assert response.json()["beat"] == "ok" and response.json()["worker"] == "ok"
    assert "no-store" in response["Cache-Control"]


def test_a_silent_beat_is_a_503(client, watching):
    beat_seen(300)
    task_seen(30)
    response = client.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["beat"] == "silent"
    # ... but the web containers stay in the load balancer's rotation.
    live = client.get("/api/health/live/")
    assert live.status_code == 200 and "beat" not in live.json()


def test_no_beat_ever_is_a_503(client, watching):
    assert client.get("/api/health/").json()["beat"] == "silent"


def test_no_task_run_for_too_long_means_no_worker(client, watching):
    beat_seen(5)
    task_seen(3600)
    response = client.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["worker"] == "silent"


def test_a_beat_that_just_started_gives_the_workers_time(client, watching):
    beat_seen(1, running_for=20)
    response = client.get("/api/health/")
    assert response.status_code == 200
    assert response.json()["worker"] == "starting"


def test_outside_production_the_health_check_leaves_beat_alone(client):
    assert settings.HEALTH_CHECK_WORKERS is False
    assert "beat" not in client.get("/api/health/").json()


def _database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}"
        f":{db.get('PORT') or 5432}/{db['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_killing_beat_turns_the_health_check_to_503_within_its_interval(
    client, watching, settings, tmp_path, monkeypatch
):
    settings.HEALTH_BEAT_SILENT_AFTER = 3
    for sub in ("queue", "control"):
        (tmp_path / "celery" / sub).mkdir(parents=True)
    monkeypatch.setenv("DATABASE_URL", _database_url())
    beat = Beat(tmp_path, "beat", prefix=f"health-{time.monotonic_ns()}")
    try:
        beat.wait_for("Beat lock: held by this beat")
        deadline = time.monotonic() + 30
        while client.get("/api/health/").json()["beat"] != "ok":
            assert time.monotonic() < deadline, beat.log()[-2000:]
            time.sleep(0.2)
        beat.stop(signal.SIGKILL)
        killed = time.monotonic()
        while client.get("/api/health/").status_code != 503:
            assert time.monotonic() - killed < 10
            time.sleep(0.2)
        assert client.get("/api/health/").json()["beat"] == "silent"
        assert time.monotonic() - killed >= 1  # silent only once its interval has passed
    finally:
        beat.stop(signal.SIGKILL)


@pytest.mark.django_db(transaction=True)
def test_a_task_run_on_a_worker_refreshes_its_heartbeat():
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app
    from portal.tasks import clear_expired_sessions

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            clear_expired_sessions.apply_async(ignore_result=False).get(timeout=20)
    finally:
        app.conf.task_always_eager = True
    row = Heartbeat.objects.get(name="task:portal.tasks.clear_expired_sessions")
    assert timezone.now() - row.seen_at < timedelta(seconds=30)
    assert heartbeats.liveness()["worker"] == "ok"
