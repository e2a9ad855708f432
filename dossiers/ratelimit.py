"""A fixed-window rate limit on Django's cache (Redis in production, local memory in the demo).

Small on purpose: one Redis round trip per request (two cache calls on other backends). A
client can get up to twice the limit across a window boundary, which is fine for slowing down
code guessing.

A page that is counted can read cache entries in the same round trip (`and_get`): the public
lookup fetches its rendered page together with the count, so that it talks to Redis once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

if TYPE_CHECKING:
    from redis import Redis


@dataclass(frozen=True)
class Count:
    allowed: bool
    retry_after: int  # seconds until the window ends
    cached: tuple[Any, ...] = ()  # the entries asked for with `and_get`, None when absent


def client_ip(request: HttpRequest) -> str:
    """The caller's address; behind PROXY_COUNT trusted proxies, read X-Forwarded-For."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def hit(scope: str, key: str, *, limit: int, window: int = 60) -> tuple[bool, int]:
    """Count one request of `key`; returns (allowed, seconds until the window ends)."""
    counted = count(scope, key, limit=limit, window=window)
    return counted.allowed, counted.retry_after


def count(
    scope: str, key: str, *, limit: int, window: int = 60, and_get: Sequence[str] = ()
) -> Count:
    """Count one request of `key` and, in the same Redis round trip, read the cache entries
    `and_get` (keys of Django's default cache, as given to cache.set)."""
    now = int(time.time())
    start = now - now % window
    counter_key = f"rl:{scope}:{key}:{start}"
    # `django.core.cache.cache` is a proxy, never an instance of the backend class.
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        # One round trip: INCR, EXPIRE (and GET) sent together; the cache API would take three.
        # No MULTI/EXEC: the counter is per window, so an EXPIRE lost with the connection
        # leaves a stale key behind, never a wrong count.
        raw_key = backend.make_key(counter_key)
        replies = _round_trip(
            _redis(backend),
            [
                ("INCR", raw_key),
                ("EXPIRE", raw_key, window + 1),
                *(("GET", backend.make_key(cache_key)) for cache_key in and_get),
            ],
        )
        number = int(replies[0])
        loads = backend._cache._serializer.loads  # type: ignore[attr-defined]
        cached = tuple(None if raw is None else loads(raw) for raw in replies[2:])
    else:
        backend.add(counter_key, 0, timeout=window + 1)
        try:
            number = backend.incr(counter_key)
        except ValueError:  # expired between add and incr
            backend.set(counter_key, 1, timeout=window + 1)
            number = 1
        cached = tuple(backend.get(cache_key) for cache_key in and_get)
    return Count(allowed=number <= limit, retry_after=start + window - now, cached=cached)


def _round_trip(client: Redis, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Send `commands` together and read their replies, in one round trip.

    What a non-transactional pipeline does, without its bookkeeping per command (about half
    the cost of the busiest page's Redis call). A connection that breaks is dropped and the
    commands sent once more on a new one: a request counted twice only makes its window's
    limit a little stricter. Any other error drops the connection too, so that no unread
    reply is left on it for the next request.
    """
    pool = client.connection_pool
    for attempt in (1, 2):
        connection = pool.get_connection()
        try:
            connection.send_packed_command(connection.pack_commands(commands))
            return [connection.read_response() for _command in commands]
        except (RedisConnectionError, RedisTimeoutError):
            connection.disconnect()
            if attempt == 2:
                raise
        except BaseException:
            connection.disconnect()
            raise
        finally:
            pool.release(connection)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


_clients: WeakKeyDictionary[RedisCache, Redis] = WeakKeyDictionary()


def _redis(backend: RedisCache) -> Redis:
    """One client per cache backend, reused: Django's backend builds a new redis.Redis for
    every call, which costs about as much as the round trip itself. The client takes a
    connection from the backend's pool for each command, so it is safe to share."""
    client = _clients.get(backend)
    if client is None:
        client = _clients[backend] = backend._cache.get_client(write=True)
    return client
