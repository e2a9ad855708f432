from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff roles. Each is a Django group of the same name (created by a data migration)."""

    DESK_OFFICER = "desk_officer", _("Desk officer")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    IT_ADMIN = "it_admin", _("IT administrator")


# The roles that work in an agency's staff area (/can-bo/).
AGENCY_ROLES = (Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER)


def staff_start_page(user: Any) -> str | None:
    """Where a staff member starts: the page of their main role, or None for a citizen.

    A desk officer starts on the desk queue, a leader on the agency dashboard, a specialist on
    the processing queue (all three need an agency) and provincial IT staff in the admin.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    if user.agency_id:
        if user.has_role(Role.DESK_OFFICER):
            return reverse("desk:queue")
        if user.has_role(Role.LEADER):
            return reverse("desk:dashboard")
        if user.has_role(Role.SPECIALIST):
            return reverse("desk:processing_queue")
    if administers_portal(user):
        return reverse("admin:index")
    return None


def start_page(user: Any) -> str:
    """Where anyone starts after logging in: staff on their role's page, citizens on their
    account page."""
    return staff_start_page(user) or reverse("portal:profile")


def works_in_agency(user: Any) -> bool:
    """Whether the user has a page in the staff area (/can-bo/): desk, specialist or leader."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.agency_id
        and any(user.has_role(role) for role in AGENCY_ROLES)
    )


def administers_portal(user: Any) -> bool:
    """Provincial IT staff: the admin and the reports of every scope."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.has_role(Role.IT_ADMIN)))
    )
