"""pyHanko's synchronous calls start their own asyncio loop: never inside a running one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def outside_event_loop(call: Callable[[], T]) -> T:
    """Run ``call`` here, or in a helper thread when this thread already runs an event loop
    (an ASGI server, a gevent-style worker, a test driving a browser)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()
