"""Prometheus metrics at /api/metrics/, read from the database at each scrape.

Every figure comes from the shared database (or the broker), so whichever web host answers the
scrape reports the same values and no per-process state has to be gathered across gunicorn
workers. Only addresses in METRICS_ALLOWED_NETWORKS, or a scraper presenting METRICS_TOKEN as a
bearer token, may read them.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)


class PortalCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        from dossiers.models import Dossier
        from payments.models import Payment
        from portal.models import Heartbeat, Notification

        now = timezone.now()
        pending = Notification.objects.filter(status=Notification.Status.PENDING)
        summary = pending.aggregate(oldest=Min("created_at"))
        yield GaugeMetricFamily(
            "dvc_notifications_pending",
            "Messages in the outbox not sent yet (backlog).",
            value=pending.count(),
        )
        oldest = summary["oldest"]
        yield GaugeMetricFamily(
            "dvc_notification_oldest_pending_age_seconds",
            "Age of the oldest message still waiting in the outbox (0 when none).",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )
        yield GaugeMetricFamily(
            "dvc_notifications_failed",
            "Messages given up after their retries, waiting for IT staff.",
            value=Notification.objects.filter(status=Notification.Status.FAILED).count(),
        )
        yield GaugeMetricFamily(
            "dvc_dossiers_overdue",
            "Dossiers being processed past their due time.",
            value=Dossier.objects.filter(state=Dossier.State.PROCESSING, due_at__lt=now).count(),
        )
        stale = now - timedelta(minutes=settings.PAYMENT_RECONCILE_AFTER_MINUTES)
        yield GaugeMetricFamily(
            "dvc_payments_stale_pending",
            "Online payments still pending after the reconciliation delay.",
            value=Payment.objects.filter(state=Payment.State.PENDING, created_at__lt=stale).count(),
        )
        last_run = GaugeMetricFamily(
            "dvc_task_last_run_timestamp_seconds",
            'When each task last ran on a worker, and beat last ticked (task="beat").',
            labels=["task"],
        )
        for name, seen_at in Heartbeat.objects.values_list("name", "seen_at"):
            last_run.add_metric([name.removeprefix("task:")], seen_at.timestamp())
        yield last_run
        queue = GaugeMetricFamily(
            "dvc_celery_queue_length", "Tasks waiting in the broker's queue.", labels=["queue"]
        )
        length = _queue_length(settings.CELERY_TASK_DEFAULT_QUEUE)
        if length is not None:
            queue.add_metric([settings.CELERY_TASK_DEFAULT_QUEUE], length)
        yield queue


def _queue_length(name: str) -> int | None:
    """Messages waiting in a Redis broker's queue; None when the broker is not Redis or is down."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return int(client.llen(name))
    except redis.RedisError as error:
        logger.warning("Metrics: the broker's queue length is unknown (%s).", error)
        return None


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    offered = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PortalCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
