"""Template helpers of the public catalogue: money and the service-level badge."""

from __future__ import annotations

from django import template

from procedures.presenters import LevelDisplay, format_vnd, level_display

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    """{{ 1000000|vnd }} -> '1.000.000 đ'."""
    return format_vnd(amount)


@register.inclusion_tag("procedures/_level_badge.html")
def level_badge(level: LevelDisplay | int) -> dict[str, object]:
    """The level number as a coloured badge, with the Decree 42/2022 words for levels 3-4."""
    display = level if isinstance(level, LevelDisplay) else level_display(int(level))
    return {"level": display}
