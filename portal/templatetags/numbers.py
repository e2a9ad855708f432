"""`{% load numbers %}`: `{{ value|number }}`, `{{ value|number:2 }}`, `{{ rate|percent }}`,
`{{ amount|vnd }}`, all in the Vietnamese format of `portal.numbers`."""

from __future__ import annotations

from typing import Any

from django import template

from portal import numbers

register = template.Library()


@register.filter
def number(value: Any, decimals: Any = None) -> str:
    places = int(decimals) if decimals not in (None, "") else None
    return numbers.format_number(value, places)


@register.filter
def percent(value: Any, decimals: Any = 1) -> str:
    return numbers.format_percent(value, int(decimals))


@register.filter
def vnd(amount: Any) -> str:
    return numbers.format_vnd(amount)


@register.filter
def document_number(value: Any, decimals: Any = None) -> str:
    """For official documents (PDF): Vietnamese whatever the language of the request."""
    places = int(decimals) if decimals not in (None, "") else None
    return numbers.format_number(value, places, language="vi")
