"""Caching of public pages: shared caches may keep what a visitor sees, never a signed-in page.

Every page carries the header of base.html, and for a signed-in person that header holds their
name and a log-out form with their CSRF token: a proxy or a shared browser cache that kept such
a page would hand it to the next visitor.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers

PRIVATE = "private, no-store"


def public_for_visitors(*, max_age: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Cache-Control public for max_age seconds to visitors who are not signed in, private and
    not stored for signed-in people; Vary: Cookie either way, so that a cache never answers a
    signed-in request with the visitors' copy or the other way round."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                response["Cache-Control"] = PRIVATE
            else:
                response["Cache-Control"] = f"public, max-age={max_age}"
            patch_vary_headers(response, ("Cookie",))
            return response

        return wrapper

    return decorator
