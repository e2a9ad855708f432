"""/api/metrics/: what IT staff's Prometheus scrapes, and who may read it."""

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from dossiers.models import Dossier
from portal.models import Heartbeat
from portal.notifications import notify
from portal.tests.test_notifications import realistic_context, throwaway_broker  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/metrics/"


def value(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} missing from:\n{text}"
    return float(match.group(1))


def test_a_stranger_gets_nothing(client, settings):
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": "Basic x"}):
        response = client.get(URL, REMOTE_ADDR="203.0.113.9", **headers)
        assert response.status_code == 403
        assert b"dvc_" not in response.content
    # Neither the address nor the token of the monitoring network: refused as well.
    assert client.get(URL, REMOTE_ADDR="10.21.0.5").status_code == 403


def test_the_monitoring_network_and_the_token_may_read(client, settings):
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    inside = client.get(URL, REMOTE_ADDR="10.20.3.4")
    assert inside.status_code == 200
    assert inside["Content-Type"].startswith("text/plain; version=")
    token = client.get(
        URL, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-token-0123456789"
    )
    assert token.status_code == 200


def test_figures_come_from_the_database(client):
    from dossiers.tests.factories import DossierFactory

    DossierFactory(processing=True, due_at=timezone.now() - timedelta(days=1))
    DossierFactory(processing=True, due_at=timezone.now() + timedelta(days=1))
    Heartbeat.objects.create(
        name="task:portal.tasks.sweep_notifications",
        seen_at=timezone.now(),
        started_at=timezone.now(),
    )
    text = client.get(URL).content.decode()
    assert value(text, "dvc_dossiers_overdue") == 1
    assert Dossier.objects.count() == 2
    last = value(
        text, "dvc_task_last_run_timestamp_seconds", '{task="portal.tasks.sweep_notifications"}'
    )
    assert abs(last - timezone.now().timestamp()) < 60


@pytest.mark.django_db(transaction=True)
def test_the_outbox_backlog_rises_while_redis_is_down(client, throwaway_broker):  # noqa: F811
    citizen = UserFactory(phone="")
    before = value(client.get(URL).content.decode(), "dvc_notifications_pending")
    throwaway_broker.stop()
    for number in range(3):
        with transaction.atomic():
            notify(
                template="dossier_accepted",
                context=realistic_context(),
                dedupe_key=f"outage-{number}",
                user=citizen,
            )
    text = client.get(URL).content.decode()
    assert value(text, "dvc_notifications_pending") == before + 3
    assert value(text, "dvc_notification_oldest_pending_age_seconds") >= 0
