"""Tasks travel through the configured broker (Redis in CI, in-memory without REDIS_URL)."""

from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.celery import app
from portal.tasks import clear_expired_sessions


@pytest.fixture
def real_worker():
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


def test_broker_follows_redis_url():
    if settings.REDIS_URL:
        assert app.conf.broker_url == settings.REDIS_URL
    else:
        assert app.conf.broker_url == "memory://"


def test_beat_schedule_lives_in_settings():
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
    # As a worker does when it starts: every app's tasks module, found by autodiscovery.
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks


@pytest.mark.django_db(transaction=True)
def test_task_runs_on_a_worker_through_the_broker(real_worker):
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="new", session_data="", expire_date=now + timedelta(days=1))
    # Tasks keep no result by default (CELERY_TASK_IGNORE_RESULT): ask for this one.
    result = clear_expired_sessions.apply_async(ignore_result=False)
    assert result.get(timeout=20) == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
