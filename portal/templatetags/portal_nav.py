"""The account bar's links to the staff pages each role can use."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.roles import administers_portal, start_page, works_in_agency

register = template.Library()


@register.simple_tag
def staff_links(user: Any) -> list[dict[str, str]]:
    """(id, address, label) of the staff areas open to `user`; none for citizens."""
    links = []
    if works_in_agency(user):
        links.append(
            {"id": "nav-staff-area", "url": reverse("desk:queue"), "label": _("Staff area")}
        )
    if administers_portal(user):
        links.append(
            {"id": "nav-admin", "url": reverse("admin:index"), "label": _("Portal administration")}
        )
        links.append(
            {"id": "nav-it-reports", "url": reverse("reports:list"), "label": _("Reports")}
        )
    return links


@register.simple_tag
def start_page_of(user: Any) -> str:
    """The page `user` starts on (their role's page, or a citizen's account page)."""
    return start_page(user)
