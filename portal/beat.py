"""Exactly one beat sends the periodic tasks, however many beat processes are started.

Two beats would send every deadline scan, reminder and report twice. Compose starts one, but a
second host, a rolling upgrade or an operator's mistake can start another: so beat only sends
while it holds a lock in Redis (SET NX with an expiry, renewed at every tick). Another beat
waits in standby and takes over when the holder stops (it releases the lock) or dies (the lock
expires after BEAT_LOCK_TTL_SECONDS). Without Redis (`make run`) there is one process anyway.
"""

from __future__ import annotations

import logging
import uuid

from celery.beat import PersistentScheduler
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

# Renew only our own lock, release only our own lock (another beat may hold it by now).
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
)
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)


class SingleBeatScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.lock_key = f"{settings.CACHE_KEY_PREFIX}:beat-lock"
        self.lock_ttl = float(settings.BEAT_LOCK_TTL_SECONDS)
        self.token = uuid.uuid4().hex
        self.holding = False
        self.started_at = timezone.now()
        self.redis = None
        if settings.REDIS_URL:
            import redis

            self.redis = redis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5
            )
        super().__init__(*args, **kwargs)

    def _hold_lock(self) -> bool:
        if self.redis is None:
            return True
        import redis

        ttl_ms = int(self.lock_ttl * 1000)
        try:
            if self.holding:
                held = bool(self.redis.eval(_RENEW, 1, self.lock_key, self.token, ttl_ms))
            else:
                held = bool(self.redis.set(self.lock_key, self.token, nx=True, px=ttl_ms))
        except redis.RedisError as error:
            # Without Redis no task can be queued anyway; try again at the next tick.
            logger.warning("Beat lock: Redis unreachable (%s); not sending.", error)
            held = False
        if held and not self.holding:
            logger.info("Beat lock: held by this beat (%s); sending periodic tasks.", self.token)
        elif self.holding and not held:
            logger.warning("Beat lock: lost; standing by.")
        elif not held:
            logger.info("Beat lock: another beat holds it; standing by.")
        self.holding = held
        return held

    def tick(self, *args, **kwargs) -> float:
        if not self._hold_lock():
            # Look again well before the holder's lock could expire.
            return max(1.0, self.lock_ttl / 3)
        self._heartbeat()
        interval = super().tick(*args, **kwargs)
        return min(interval, max(1.0, self.lock_ttl / 3))

    def _heartbeat(self) -> None:
        from django.db import DatabaseError, close_old_connections

        from portal import heartbeats

        close_old_connections()
        try:
            heartbeats.beat_alive(started_at=self.started_at)
        except DatabaseError as error:
            logger.warning("Beat heartbeat not written: %s", error)

    def close(self) -> None:
        super().close()
        if self.redis is not None and self.holding:
            try:
                self.redis.eval(_RELEASE, 1, self.lock_key, self.token)
                logger.info("Beat lock: released.")
            except Exception:  # stopping anyway; the lock expires on its own
                logger.warning("Beat lock: not released; it expires on its own.")
            self.holding = False
