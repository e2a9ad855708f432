"""The desk queue's "today's appointments": `{% load booking_tags %}{% desk_bookings_today %}`."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import desk_bookings_of_day

register = template.Library()


@register.inclusion_tag("bookings/desk/_today.html", takes_context=True)
def desk_bookings_today(context: Any) -> dict[str, Any]:
    user = getattr(context.get("request"), "user", None)
    agency_id = getattr(user, "agency_id", None)
    rows = list(desk_bookings_of_day(agency_id=agency_id)) if agency_id else []
    return {"rows": rows, "csrf_token": context.get("csrf_token")}
