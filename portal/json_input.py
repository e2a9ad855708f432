"""JSON bodies of the machine endpoints, read within bounds.

Python's parser recurses once per level of nesting: ``[[[[…]]]]`` a few thousand deep ends in
a RecursionError, and a large body costs memory before anything looks at it. So the size is
checked before the body is read, the nesting before it is parsed, and NUL characters
(PostgreSQL refuses them) are removed from every key and string, as the input middleware does
for forms; an escaped lone surrogate (``"\\ud800"``, no character at all) becomes "?".
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpRequest
from django.http.request import RawPostDataException

from .middleware_input import strip_nul

MAX_BYTES = 64 * 1024
MAX_DEPTH = 20

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[^\[\]{}]+")


class JSONInputError(Exception):
    """The body is not an acceptable JSON object; ``message`` says why (for the sender)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def nesting_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings ignored)."""
    brackets = _BRACKETS.sub(b"", _STRING.sub(b"", body))
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _text(value: str) -> str:
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): no character at all
        value = value.encode(errors="replace").decode()
    return strip_nul(value)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {_text(key): _cleaned(item) for key, item in value.items()}
    return value


def parse_json_object(
    body: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> dict[str, Any]:
    """The JSON object in ``body``, or a JSONInputError."""
    if len(body) > max_bytes:
        raise JSONInputError(f"the body may not exceed {max_bytes} bytes")
    if nesting_depth(body) > max_depth:
        raise JSONInputError(f"the JSON may not nest deeper than {max_depth} levels")
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise JSONInputError("the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise JSONInputError("a JSON object is expected")
    return dict(_cleaned(payload))


def request_json_object(
    request: HttpRequest, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> dict[str, Any]:
    """The JSON object a request carries, checked as :func:`parse_json_object` does; the
    declared length is checked before the body is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise JSONInputError(f"the body may not exceed {max_bytes} bytes")
    try:
        body = request.body
    except RawPostDataException:  # already read as a form
        raise JSONInputError("a JSON object is expected") from None
    return parse_json_object(body, max_bytes=max_bytes, max_depth=max_depth)
