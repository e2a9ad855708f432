"""Gunicorn settings for the web container (and for bench/run.py), all from the environment.

WEB_CONCURRENCY         worker processes (default 2 x CPUs + 1)
GUNICORN_THREADS        threads per worker (default 1: sync workers)
GUNICORN_BIND           listen address (default 0.0.0.0:8000)
GUNICORN_TIMEOUT        seconds before a silent worker is restarted (default 30)
GUNICORN_MAX_REQUESTS   recycle a worker after this many requests (default 2000, 0 = never)
GUNICORN_PRELOAD        load Django in the master before forking (default 1): less memory,
                        and a recycled worker starts in milliseconds
GUNICORN_ACCESS_LOG     access log target (default "-" = stdout; empty = off)
TRUSTED_PROXIES         the reverse proxies' addresses or networks (the portal's setting):
                        gunicorn trusts their X-Forwarded-* headers, and the access log
                        shows the client's address behind them (default: none, loopback)
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() in {"1", "true", "yes"}
# The same reverse proxies the portal trusts for the client address (TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "").strip() or "127.0.0.1,::1"
# Access lines name the client behind TRUSTED_PROXIES, not the proxy (portal/access_log.py).
logger_class = "portal.access_log.ClientAddressLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Avoid writing worker heartbeats to a possibly slow or read-only disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108


def when_ready(server) -> None:
    """With preload, warm what Django otherwise loads on each worker's first request (the
    URLconf with every view module, the translation catalogues), so forked and recycled
    workers start warm."""
    if not preload_app:
        return
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")
