"""Redis outages seen by this process, and a cache that keeps working through them.

Nothing the portal keeps in Redis's cache is needed to answer a page: it saves work (public
statistics, the calendar version) or counts requests (rate limits, dossiers/ratelimit.py). So
when Redis does not answer, the cache carries on in this process's memory instead of failing
the page, and the process stops asking Redis for `RETRY_SECONDS` (a closed port answers at
once, but a host that is down costs the whole connect timeout on every call). The first
failure is logged as a warning, the recovery too; in between nothing is logged per request.

The Celery broker is usually the same Redis: portal/tasks_sending.py uses the same outages.
"""

from __future__ import annotations

import logging
import threading
from time import monotonic
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, ReadOnlyError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What redis-py raises when the server cannot be reached, does not answer in time, is not a
# Redis server (a proxy or another service at the address), or is a replica that refuses
# writes after a failover. Not ResponseError in general: that is a bug of ours.
REDIS_UNREACHABLE: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    InvalidResponse,
    ReadOnlyError,
)
# ...and sockets closed under the client.
REDIS_ERRORS: tuple[type[BaseException], ...] = (*REDIS_UNREACHABLE, OSError)
RETRY_SECONDS = 10.0
# The process's stand-in for the shared cache: small, it only bridges an outage.
LOCAL_MAX_ENTRIES = 2000


class Outage:
    """One server as this process sees it: reachable, or skipped until `retry_at`."""

    def __init__(self, name: str, *, retry_seconds: float = RETRY_SECONDS) -> None:
        self.name = name
        self.retry_seconds = retry_seconds
        self.retry_at = 0.0  # 0: reachable
        self.lock = threading.Lock()

    @property
    def skipping(self) -> bool:
        """True while the server failed less than `retry_seconds` ago: do not ask it."""
        return self.retry_at != 0.0 and monotonic() < self.retry_at

    def failed(self, error: BaseException, *, fallback: str) -> None:
        """Record a failure; the first of an outage is logged with what happens instead."""
        with self.lock:
            first = self.retry_at == 0.0
            self.retry_at = monotonic() + self.retry_seconds
        if first:
            logger.warning(
                "Redis unreachable (%s: %s); %s; tried again every %.0f s",
                self.name,
                error,
                fallback,
                self.retry_seconds,
            )

    def answered(self) -> None:
        """The server answered: the outage, if there was one, is over."""
        if self.retry_at != 0.0:
            with self.lock:
                self.retry_at = 0.0
            logger.warning("Redis reachable again (%s)", self.name)


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_of(name: str) -> Outage:
    """The outage record of a server (by URL), shared by every thread of the process."""
    outage = _outages.get(name)
    if outage is None:
        with _outages_lock:
            outage = _outages.setdefault(name, Outage(name))
    return outage


def forget_outages() -> None:
    """Every server reachable again as far as this process knows (tests, after a restart)."""
    with _outages_lock:
        _outages.clear()


def redact(url: str) -> str:
    """A server URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    return f"{scheme}{sep}{rest}"


def server_url(backend: RedisCache) -> str:
    """The URL of the (first) server of a Redis cache backend."""
    servers: list[str] = getattr(backend, "_servers", [])  # parsed LOCATION (not in the stubs)
    return servers[0] if servers else "redis"


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that falls back to this process's memory while Redis is down.

    Values written during an outage stay in the process (with their timeouts) and are read
    only while the outage lasts; Redis is the cache again as soon as it answers.
    """

    FALLBACK = "the cache works in this process's memory meanwhile"

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        first = server_url(self)
        self.outage = outage_of(redact(first))
        self.local = LocMemCache(
            f"redis-fallback:{first}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": LOCAL_MAX_ENTRIES}},
        )

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if not self.outage.skipping:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except (RedisError, OSError) as error:  # a cache that fails is a cache miss
                self.outage.failed(error, fallback=self.FALLBACK)
            else:
                self.outage.answered()
                return result
        return getattr(self.local, name)(*args, **kwargs)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("add", key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call("get", key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("touch", key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> Any:
        return self._call("delete", key, version)

    def get_many(self, keys: Any, version: Any = None) -> Any:
        return self._call("get_many", keys, version)

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._call("has_key", key, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        return self._call("incr", key, delta, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys: Any, version: Any = None) -> Any:
        return self._call("delete_many", keys, version)

    def clear(self) -> Any:
        return self._call("clear")

    def reachable(self) -> bool:
        """Ask Redis itself (never the stand-in): the health check's question."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except REDIS_ERRORS:
            return False
