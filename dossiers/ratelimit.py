"""A fixed-window rate limit on Django's cache (Redis in production, local memory in the demo).

Small on purpose: one Redis round trip per request (two cache calls on other backends). A
client can get up to twice the limit across a window boundary, which is fine for slowing down
code guessing.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest


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
    now = int(time.time())
    start = now - now % window
    cache_key = f"rl:{scope}:{key}:{start}"
    if isinstance(cache, RedisCache):
        # One round trip: INCR and EXPIRE in a pipeline (the cache API would take three).
        client = cache._cache.get_client(cache_key, write=True)
        pipe = client.pipeline()
        raw_key = cache.make_and_validate_key(cache_key)
        pipe.incr(raw_key)
        pipe.expire(raw_key, window + 1)
        count = int(pipe.execute()[0])
    else:
        cache.add(cache_key, 0, timeout=window + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window + 1)
            count = 1
    return count <= limit, start + window - now
