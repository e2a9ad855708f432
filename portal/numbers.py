"""Numbers as the province writes them, on every page, PDF and spreadsheet.

Vietnamese groups thousands with a dot and writes decimals with a comma ("1.000.000 đ", "4,67",
"59,3 %"). Pages in Vietnamese (the default) and every official document (PDF) use it; the
English pages write "59.3 %" as English readers expect. Amounts in đồng are always grouped with
dots, the way the currency is written. Spreadsheets get real numbers with number formats, so
that the reader's spreadsheet program shows them with its own separators.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import get_language

NBSP = "\u00a0"  # keeps "59,3 %" and "100.000 đ" on one line


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _separators(language: str | None) -> tuple[str, str]:
    language = language or get_language() or settings.LANGUAGE_CODE
    return (",", ".") if language.startswith("en") else (".", ",")


def format_number(value: Any, decimals: int | None = None, *, language: str | None = None) -> str:
    """12345.6 -> "12.345,6"; `decimals` fixes the places (rounded half up), else whole
    numbers show none and others as many as they have. Not a number: returned as text.
    `language`: "vi" for official documents, else the language of the page."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    elif number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    sign = "-" if number < 0 else ""
    whole, _dot, fraction = f"{abs(number):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        whole, last = whole[:-3], whole[-3:]
        groups.insert(0, last)
    thousands, decimal_mark = _separators(language)
    grouped = thousands.join([whole, *groups])
    return f"{sign}{grouped}{decimal_mark}{fraction}" if fraction else f"{sign}{grouped}"


def format_percent(value: Any, decimals: int | None = 1, *, language: str | None = None) -> str:
    """87.5 -> "87,5 %" (the value is already a percentage); nothing to show -> ""."""
    if _decimal(value) is None:
        return ""
    return f"{format_number(value, decimals, language=language)}{NBSP}%"


def format_vnd(amount: Any, *, unit: str = "đ") -> str:
    """1000000 -> "1.000.000 đ" in every language; `unit="đồng"` as the official forms write."""
    if _decimal(amount) is None:
        return ""
    return f"{format_number(amount, 0, language='vi')} {unit}"
