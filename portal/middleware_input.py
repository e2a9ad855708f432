"""What a request carries is cleaned of NUL characters before any view reads it.

PostgreSQL cannot store or compare a text containing NUL (U+0000), and no person types one:
it only comes from a robot or a pasted binary. Query parameters, form fields (names and
values) and headers (cookies among them) lose their NUL characters here, once for every view
and form, so the person keeps everything else they typed; an address with a NUL in its path
is no page of the portal. JSON bodies are read through :mod:`portal.json_input`, which bounds
them likewise.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict

Handler = Callable[[HttpRequest], HttpResponse]

NUL = "\x00"


def strip_nul(value: str) -> str:
    return value.replace(NUL, "") if NUL in value else value


def _has_nul(values: MultiValueDict) -> bool:
    return any(NUL in key or any(NUL in v for v in items) for key, items in values.lists())


def _cleaned(values: QueryDict) -> QueryDict:
    """The same parameters without NUL characters (the same object when there were none)."""
    if not _has_nul(values):
        return values
    cleaned = QueryDict(mutable=True, encoding=values.encoding)
    for key, items in values.lists():
        cleaned.setlist(strip_nul(key), [strip_nul(v) for v in items])
    cleaned._mutable = False
    return cleaned


class InputCleaningMiddleware:
    """Strips NUL from query parameters, form fields and headers; refuses it in the path.

    Placed first, so that nothing (sessions, CSRF, authentication) reads the raw values.
    Form fields are cleaned when first read, so that views reading the raw body of their
    request (JSON webhooks) still can.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path_info:
            from .views import page_not_found

            return page_not_found(request)
        meta = request.META
        for key, value in meta.items():
            # Headers, cookies among them (the User-Agent is stored with failed logins).
            if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
                meta[key] = strip_nul(value)
        # Parsed cookies too: a quoted cookie may spell NUL as "\\000".
        if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
            request.COOKIES = {
                strip_nul(key): strip_nul(value) for key, value in request.COOKIES.items()
            }
        query = meta.get("QUERY_STRING", "")
        if NUL in query or "%00" in query:
            request.GET = _cleaned(request.GET)  # type: ignore[assignment]
        self._clean_form_fields_when_read(request)
        return self.get_response(request)

    @staticmethod
    def _clean_form_fields_when_read(request: HttpRequest) -> None:
        load = request._load_post_and_files  # type: ignore[attr-defined]

        def load_and_clean() -> None:
            load()
            request._post = _cleaned(request._post)  # type: ignore[attr-defined]

        request._load_post_and_files = load_and_clean  # type: ignore[method-assign]
