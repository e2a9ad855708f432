from __future__ import annotations

from django.db.models import QuerySet

from portal.models import User
from portal.roles import Role

from .models import Report
from .services import can_see_all_reports


def reports_visible_to(user: User) -> QuerySet[Report]:
    """IT staff see every report; a leader the reports of their own agency; others none."""
    reports = Report.objects.select_related("agency", "sector", "requested_by")
    if can_see_all_reports(user):
        return reports
    if user.is_active and user.has_role(Role.LEADER) and user.agency_id:
        return reports.filter(scope_kind=Report.ScopeKind.AGENCY, agency_id=user.agency_id)
    return reports.none()


def can_use_reports(user: User) -> bool:
    return can_see_all_reports(user) or bool(
        user.is_active and user.has_role(Role.LEADER) and user.agency_id
    )
