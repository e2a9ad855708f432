"""The fixed-window rate limit (dossiers/ratelimit.py) on the real Redis and on local memory."""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from dossiers import ratelimit

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def on_redis():
    backend = caches["default"]
    assert isinstance(backend, RedisCache), "these tests need REDIS_URL (make test sets it)"
    return backend


def test_the_limit_is_counted_per_key_and_scope(on_redis):
    for _ in range(3):
        assert ratelimit.hit("test", "10.0.0.1", limit=3)[0]
    allowed, retry_after = ratelimit.hit("test", "10.0.0.1", limit=3)
    assert not allowed
    assert 0 < retry_after <= 60
    assert ratelimit.hit("test", "10.0.0.2", limit=3)[0]
    assert ratelimit.hit("other", "10.0.0.1", limit=3)[0]


def test_the_count_lives_in_redis_where_every_worker_sees_it(on_redis):
    ratelimit.hit("test", "10.0.0.1", limit=5)
    ratelimit.hit("test", "10.0.0.1", limit=5)

    # Another process: its own connection, straight to the server.
    other = redis.Redis.from_url(settings.REDIS_URL)
    keys = other.keys(f"{settings.CACHES['default'].get('KEY_PREFIX', '')}*rl:test:10.0.0.1:*")
    assert len(keys) == 1
    assert int(other.get(keys[0])) == 2
    assert 0 < other.ttl(keys[0]) <= 61


def test_a_count_is_one_round_trip_also_with_a_cache_read(on_redis, redis_round_trips):
    cache.set("page", ("digest", b"<html>"))
    redis_round_trips.clear()

    counted = ratelimit.count("test", "10.0.0.1", limit=5, and_get=("page", "absent"))

    assert counted.allowed
    assert counted.cached == (("digest", b"<html>"), None)  # as cache.get would return them
    assert len(redis_round_trips) == 1
    assert ratelimit.count("test", "10.0.0.1", limit=5).cached == ()
    assert len(redis_round_trips) == 2
    ratelimit.hit("test", "10.0.0.1", limit=5)
    assert len(redis_round_trips) == 3


def test_a_connection_the_server_closed_is_replaced_and_counted_once_more(on_redis):
    assert ratelimit.hit("test", "10.0.0.9", limit=5)[0]  # the pooled connection exists now
    # Redis restarted or dropped idle clients: every connection of the pool is dead.
    admin = redis.Redis.from_url(settings.REDIS_URL)
    admin.client_kill_filter(_type="normal", skipme=True)

    counted = ratelimit.count("test", "10.0.0.9", limit=5)

    assert counted.allowed
    key = admin.keys(f"{settings.CACHES['default'].get('KEY_PREFIX', '')}*rl:test:10.0.0.9:*")
    assert int(admin.get(key[0])) == 2


def test_an_error_reply_leaves_no_unread_reply_for_the_next_request(on_redis):
    # Something else wrote a text under the counter's key: INCR answers with an error.
    ratelimit.hit("test", "10.0.0.8", limit=5)
    admin = redis.Redis.from_url(settings.REDIS_URL)
    (key,) = admin.keys(f"{settings.CACHES['default'].get('KEY_PREFIX', '')}*rl:test:10.0.0.8:*")
    admin.set(key, "not a number")
    cache.set("page", "stored")

    with pytest.raises(redis.ResponseError):
        ratelimit.count("test", "10.0.0.8", limit=5, and_get=("page",))

    # The next request on the same pool reads its own replies, not the ones left over.
    counted = ratelimit.count("test", "10.0.0.7", limit=5, and_get=("page",))
    assert counted.allowed and counted.cached == ("stored",)
    assert cache.get("page") == "stored"


def test_local_memory_counts_too(settings):
    settings.CACHES = LOCAL_MEMORY
    cache.set("page", "stored")

    first = ratelimit.count("test", "10.0.0.1", limit=1, and_get=("page", "absent"))
    second = ratelimit.count("test", "10.0.0.1", limit=1)

    assert first.allowed and first.cached == ("stored", None)
    assert not second.allowed and second.cached == ()
