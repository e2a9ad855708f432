"""The fixed-window rate limit (dossiers/ratelimit.py) on the real Redis and on local memory."""

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
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


def test_a_count_is_one_round_trip(on_redis, redis_round_trips):
    assert ratelimit.count("test", "10.0.0.1", limit=5).allowed
    assert len(redis_round_trips) == 1
    ratelimit.hit("test", "10.0.0.1", limit=5)
    assert len(redis_round_trips) == 2


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

    with pytest.raises(redis.ResponseError):
        ratelimit.count("test", "10.0.0.8", limit=5)

    # The next requests on the same pool read their own replies, not the ones left over.
    assert ratelimit.count("test", "10.0.0.7", limit=1).allowed
    assert not ratelimit.count("test", "10.0.0.7", limit=1).allowed


def test_local_memory_counts_too(settings):
    settings.CACHES = LOCAL_MEMORY

    first = ratelimit.count("test", "10.0.0.1", limit=1)
    second = ratelimit.count("test", "10.0.0.1", limit=1)

    assert first.allowed and not second.allowed
    assert 0 < second.retry_after <= 60


def test_reserved_counts_keep_to_the_limit_in_one_process(on_redis, redis_round_trips):
    allowed = [ratelimit.take("test", "10.0.1.1", limit=10).allowed for _ in range(14)]
    assert allowed == [True] * 10 + [False] * 4
    # Reserved 1, 2, 4, then 3 of 8 (cut to the limit); every refusal asks again.
    reservations = [sent for sent in redis_round_trips if b"INCRBY" in b"".join(sent)]
    assert len(reservations) == 4 + 4
    assert ratelimit.take("test", "10.0.1.2", limit=10).allowed  # another address


def test_reserved_counts_keep_to_the_limit_across_processes(on_redis, monkeypatch):
    # Three worker processes share the counter in Redis, each with its own reservations.
    processes = [ratelimit._Reservations() for _ in range(3)]
    allowed = 0
    for request in range(60):
        monkeypatch.setattr(ratelimit, "_reservations", processes[request % 3])
        allowed += ratelimit.take("test", "10.0.1.3", limit=20).allowed
    # Never more than the limit; counts reserved and left unspent make it at most a little
    # stricter, never below half.
    assert 10 <= allowed <= 20
    admin = redis.Redis.from_url(settings.REDIS_URL)
    (key,) = admin.keys(f"{settings.CACHES['default'].get('KEY_PREFIX', '')}*rl:test:10.0.1.3:*")
    assert 0 < admin.ttl(key) <= 61


def test_reserving_falls_back_to_counting_on_local_memory(settings):
    settings.CACHES = LOCAL_MEMORY
    allowed = [ratelimit.take("test", "10.0.1.4", limit=3).allowed for _ in range(5)]
    assert allowed == [True, True, True, False, False]
