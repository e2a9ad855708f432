"""The Celery application. Broker and schedule come from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks carry the id of the request that queued them, for the logs (portal/observability.py).
# Each task run on a worker refreshes its heartbeat, for the health check (portal/heartbeats.py).
from portal import heartbeats, observability  # noqa: E402

observability.connect_celery_signals()
heartbeats.connect_celery_signals()
