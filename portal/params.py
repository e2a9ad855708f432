"""Numbers read from query parameters: ASCII digits only.

``str.isdigit`` is true for "²", "①" and the Arabic-Indic "٣", and ``int()`` refuses the first
two and accepts the third: a parameter checked with one and read with the other ends in a 500,
and nobody means "٣" in an address bar of a Vietnamese portal. Numbers that do not parse here
are treated like any other unknown value: ignored.
"""

from __future__ import annotations

import re

_ASCII_NUMBER = re.compile(r"[0-9]{1,18}")
_ASCII_PAGE = re.compile(r"-?[0-9]+|last")


def ascii_int(value: str | None, *, max_digits: int = 12) -> int | None:
    """The number written in ``value`` with the digits 0-9 only, else None."""
    text = (value or "").strip()
    if len(text) > max_digits or not _ASCII_NUMBER.fullmatch(text):
        return None
    return int(text)


def page_number(value: str | None) -> int | str:
    """What to give ``Paginator.get_page``: the page asked for in ASCII digits (out of range
    gives the last page there), else 1."""
    text = (value or "").strip()
    return text if _ASCII_PAGE.fullmatch(text) else 1
