from __future__ import annotations

from django import template

from portal.models import Agency
from portal.succession import agency_current

register = template.Library()


@register.filter
def successor_now(agency: Agency | None) -> Agency | None:
    """The agency holding this one's tasks today, or None when it has no successor."""
    if agency is None or agency.successor_id is None:
        return None
    current = agency_current(agency)
    return current if current.pk != agency.pk else None
