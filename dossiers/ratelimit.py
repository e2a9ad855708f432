"""A fixed-window rate limit on Django's cache (Redis in production, local memory in the demo).

Small on purpose: one Redis round trip per request (two cache calls on other backends). A
client can get up to twice the limit across a window boundary, which is fine for slowing down
code guessing.

The busiest page (the public lookup) counts with `take` instead: each process reserves counts
from the shared counter in blocks and spends them locally, so a client that keeps coming back
costs a Redis round trip only every few requests, and the limit still holds across processes.

While Redis is unreachable every limit is counted in the process instead (the same limit per
process, so up to one limit per web process across the deployment): the lookup, the kiosk and
the forms keep working, still throttled, and the outage is logged once (portal/cache.py).
docs/production.md says why failing open this way is safe for each page that uses a limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from portal.cache import REDIS_ERRORS, Outage, outage_of, redact, server_url
from portal.client_address import client_address

if TYPE_CHECKING:
    from redis import Redis

# The rate limits count per client address, behind TRUSTED_PROXIES (portal/client_address.py).
client_ip = client_address


@dataclass(frozen=True)
class Count:
    allowed: bool
    retry_after: int  # seconds until the window ends


def hit(scope: str, key: str, *, limit: int, window: int = 60) -> tuple[bool, int]:
    """Count one request of `key`; returns (allowed, seconds until the window ends)."""
    counted = count(scope, key, limit=limit, window=window)
    return counted.allowed, counted.retry_after


def count(scope: str, key: str, *, limit: int, window: int = 60) -> Count:
    """Count one request of `key` (one Redis round trip)."""
    now = int(time.time())
    start = now - now % window
    counter_key = f"rl:{scope}:{key}:{start}"
    # `django.core.cache.cache` is a proxy, never an instance of the backend class.
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        # One round trip: INCR and EXPIRE sent together; the cache API would take two.
        # No MULTI/EXEC: the counter is per window, so an EXPIRE lost with the connection
        # leaves a stale key behind, never a wrong count.
        raw_key = backend.make_key(counter_key)
        replies = _redis_round_trip(backend, [("INCR", raw_key), ("EXPIRE", raw_key, window + 1)])
        number = _count_in(_local, counter_key, window) if replies is None else int(replies[0])
    else:
        number = _count_in(backend, counter_key, window)
    return Count(allowed=number <= limit, retry_after=start + window - now)


# Where the limits are counted while Redis is unreachable: this process's memory.
_local = LocMemCache("ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 20_000}})
FALLBACK = "rate limits are counted in this process meanwhile"


def _count_in(backend: BaseCache, counter_key: str, window: int) -> int:
    """Count one request under `counter_key` with the cache API (two calls)."""
    backend.add(counter_key, 0, timeout=window + 1)
    try:
        return int(backend.incr(counter_key))
    except ValueError:  # expired between add and incr
        backend.set(counter_key, 1, timeout=window + 1)
        return 1


# A process reserves 1, then 2, 4… up to this many counts at a time for a key that keeps coming
# back within a window.
MAX_BLOCK = 32
# Reservations kept at most per process (one per client address seen in the current window).
MAX_RESERVATIONS = 10_000


@dataclass
class _Reservation:
    left: int  # counts reserved and not yet spent
    block: int  # the size of the next reservation


class _Reservations:
    """The counts this process has reserved, by counter key (which names its window)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_key: dict[str, _Reservation] = {}
        self.window_start = 0

    def spend(self, counter_key: str, start: int) -> _Reservation | None:
        """Spend one reserved count of the key, if any is left; the key's reservation."""
        with self.lock:
            if start > self.window_start or len(self.by_key) > MAX_RESERVATIONS:
                # A new window: what was reserved for the last one is of no use any more.
                self.by_key.clear()
                self.window_start = max(start, self.window_start)
            reservation = self.by_key.get(counter_key)
            if reservation is not None and reservation.left > 0:
                reservation.left -= 1
                return None
            if reservation is None:
                reservation = self.by_key[counter_key] = _Reservation(left=0, block=1)
            return reservation

    def granted(self, reservation: _Reservation, counts: int) -> None:
        """`counts` were granted to the reservation: one is spent now, the rest later."""
        with self.lock:
            reservation.left += counts - 1
            reservation.block = min(reservation.block * 2, MAX_BLOCK)


_reservations = _Reservations()


def forget_reservations() -> None:
    """Drop the counts this process reserved (they are lost to their keys, as on a restart)."""
    with _reservations.lock:
        _reservations.by_key.clear()


def take(scope: str, key: str, *, limit: int, window: int = 60) -> Count:
    """Count one request of `key` against `limit` per window, reserving counts in blocks.

    One INCRBY reserves a block for this process (1 count for a key seen for the first time in
    the window, then twice as many each time up to MAX_BLOCK); the next requests of the key in
    this process spend it without asking Redis. A reservation that crosses the limit is cut
    to what is left, so a key never gets more than `limit` requests in a window, whichever
    processes serve them. Counts a process reserved and did not spend are lost to the key: a
    client whose requests are spread over many processes can be refused a little early, but
    not before it made about half the limit (a process never holds more unspent counts than
    it has spent). Other cache backends count every request (`count`).
    """
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache):
        return count(scope, key, limit=limit, window=window)
    now = int(time.time())
    start = now - now % window
    retry_after = start + window - now
    counter_key = f"rl:{scope}:{key}:{start}"
    reservation = _reservations.spend(counter_key, start)
    if reservation is None:
        return Count(allowed=True, retry_after=retry_after)
    block = reservation.block
    raw_key = backend.make_key(counter_key)
    replies = _redis_round_trip(
        backend, [("INCRBY", raw_key, block), ("EXPIRE", raw_key, window + 1)]
    )
    if replies is None:
        # Redis is down: every request counted here, as `count` does on other backends.
        allowed = _count_in(_local, counter_key, window) <= limit
        return Count(allowed=allowed, retry_after=retry_after)
    counts = min(block, limit - (int(replies[0]) - block))
    if counts <= 0:
        return Count(allowed=False, retry_after=retry_after)
    _reservations.granted(reservation, counts)
    return Count(allowed=True, retry_after=retry_after)


def _redis_round_trip(backend: RedisCache, commands: Sequence[tuple[Any, ...]]) -> list[Any] | None:
    """`_round_trip` on the backend's server; None while the server is unreachable."""
    outage = _outage(backend)
    if outage.skipping:
        return None
    try:
        replies = _round_trip(_redis(backend), commands)
    except REDIS_ERRORS as error:
        outage.failed(error, fallback=FALLBACK)
        return None
    outage.answered()
    return replies


def _outage(backend: RedisCache) -> Outage:
    outage = getattr(backend, "outage", None)  # portal.cache.ResilientRedisCache has one
    if not isinstance(outage, Outage):
        outage = outage_of(redact(server_url(backend)))
    return outage


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
