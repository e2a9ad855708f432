"""Template helpers of the staff pages."""

from __future__ import annotations

from typing import Any

from django import template

from portal.roles import Role

register = template.Library()


@register.simple_tag
def staff_roles(user: Any) -> dict[str, bool]:
    """Which staff sections to offer in the navigation."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "agency_id", None):
        return {}
    return {
        "desk": user.has_role(Role.DESK_OFFICER),
        "specialist": user.has_role(Role.SPECIALIST),
        "leader": user.has_role(Role.LEADER),
    }
