"""Fixtures shared by every app's tests and the cross-app journeys."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

# Files whose tests share one costly setup (the demo portal built once per process) run on
# the same worker when the suite runs in parallel (`make test`: pytest-xdist).
SHARED_SETUP_GROUPS = {
    "demo-portal": ("tests/test_two_hosts.py", "portal/tests/test_backup.py"),
}

# A real S3-compatible server for the object-storage tests; whole installations run as
# separate processes (backups, several hosts).
pytest_plugins = ["tests.object_store", "tests.sites", "tests.oidc_provider"]


def _worker_redis_url(url: str, worker: str) -> str:
    """The Redis database of one parallel worker: the configured one + 1 + its number."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    number = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(base + 1 + number) % 16}"))


def pytest_configure(config):
    # Parallel workers share one Redis: each gets a database of its own, since the tests
    # empty theirs (cache.clear() flushes it) and count rate limits in it. pytest-django
    # gives each worker its own test database already.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    redis_url = os.environ.get("REDIS_URL")
    if not worker or not redis_url:
        return
    from django.conf import settings
    from django.test.utils import override_settings

    own = _worker_redis_url(redis_url, worker)
    os.environ["REDIS_URL"] = own  # for the portals the tests start as separate processes
    caches = {name: dict(options) for name, options in settings.CACHES.items()}
    for options in caches.values():
        if options.get("LOCATION") == redis_url:
            options["LOCATION"] = own
    changed = {"REDIS_URL": own, "CACHES": caches}
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        if getattr(settings, name) == redis_url:
            changed[name] = own
    override_settings(**changed).enable()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # `--dist loadgroup`: a file's tests stay on one worker (its module fixtures are built
    # once), files of a shared setup stay together.
    if not config.pluginmanager.hasplugin("xdist"):
        return
    root = Path(config.rootpath)
    groups = {path: name for name, paths in SHARED_SETUP_GROUPS.items() for path in paths}
    for item in items:
        path = Path(item.path).relative_to(root).as_posix()
        item.add_marker(pytest.mark.xdist_group(groups.get(path, path)))


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    # Tests run tasks in-process; the broker itself is exercised by its own test.
    from django.conf import settings

    from portal.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    # Read again: a parallel worker's broker is its own Redis database (pytest_configure).
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.conf.result_backend = settings.CELERY_RESULT_BACKEND


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    from django.utils.functional import empty

    from dossiers.models import private_storage

    private_storage._wrapped = empty


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # The working-day calendar caches overrides per process; tests create their own.
    from portal import workdays

    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    # One Redis, many test runs: a key prefix per test keeps them apart. What the process
    # keeps beside it (rate-limit counts reserved, saved lookup pages) starts afresh too.
    from django.core.cache import cache

    from dossiers import public_names, ratelimit
    from dossiers.views_public import saved_pages
    from portal import cache as portal_cache
    from portal.views import popular_lists

    ratelimit.forget_reservations()
    saved_pages.clear()
    public_names.forget_names()
    popular_lists.clear()
    portal_cache.forget_outages()
    yield
    cache.clear()
    portal_cache.forget_outages()


@pytest.fixture
def login_staff(client):
    """Log a staff user in through password + TOTP, as they would in a browser."""
    from tests.factories import PASSWORD, totp_device
    from tests.helpers import two_factor_login

    def _login(user):
        device = totp_device(user)
        response = two_factor_login(
            client, username=user.username, password=PASSWORD, device=device
        )
        if response.status_code != 302:
            raise AssertionError(response.content[:2000])
        return client

    return _login


@pytest.fixture(scope="session")
def demo_signing_keys(tmp_path_factory):
    """A throwaway demo CA: the provincial root and the portal's fallback signing key."""
    from datetime import UTC, datetime

    from signing import ca

    directory = tmp_path_factory.mktemp("signing-keys")
    # Valid over every date the tests travel to.
    ca.issue_agency_certificate(
        directory,
        agency_code="portal",
        agency_name="Cổng dịch vụ công tỉnh",
        province="Phú Yên",
        not_before=datetime(2015, 1, 1, tzinfo=UTC),
        valid_days=40 * 365,
    )
    return directory


@pytest.fixture(autouse=True)
def _signing_keys(settings, demo_signing_keys):
    # Every issued PDF is signed: tests sign with the demo CA's keys, never production ones.
    settings.SIGNING_KEYS_DIR = demo_signing_keys
    settings.SIGNING_DEFAULT_KEY = "portal"
    settings.SIGNING_TRUST_ROOTS = []
    settings.SIGNING_TSA_URL = ""
