"""Reads of dossiers, always scoped to who is asking."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from portal.models import User
from portal.roles import Role

from .errors import DossierError
from .models import Attachment, Dossier, Handoff


class DossierNotFound(DossierError):
    pass


def dossier_for_update(*, dossier_id: int) -> Dossier:
    """The dossier, locked until the end of the transaction (permissions are the caller's)."""
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure_version", "agency")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise DossierNotFound(_("This dossier does not exist."))
    return dossier


def dossiers_visible_to(user: User) -> QuerySet[Dossier]:
    """What a person may see: their own dossiers; staff those of their agency."""
    if not user.is_authenticated:
        return Dossier.objects.none()
    if (
        user.is_officer
        and user.agency_id
        and (
            user.has_role(Role.DESK_OFFICER)
            or user.has_role(Role.SPECIALIST)
            or user.has_role(Role.LEADER)
        )
    ):
        return Dossier.objects.filter(Q(agency_id=user.agency_id) | _handed_to(user)).exclude(
            state=Dossier.State.DRAFT
        )
    return Dossier.objects.filter(applicant=user)


def _handed_to(user: User, field: str = "pk") -> Q:
    """Dossiers another agency handed to the user's unit (liên thông): visible to that unit."""
    if user.has_role(Role.LEADER):
        handed = Handoff.objects.filter(to_agency_id=user.agency_id)
    elif user.has_role(Role.SPECIALIST) and user.department_id:
        handed = Handoff.objects.filter(to_department_id=user.department_id)
    else:
        return Q(pk__in=[])
    return Q(**{f"{field}__in": handed.values("dossier_id")})


def dossier_by_code(code: str) -> Dossier | None:
    """For the public lookup: a submitted dossier by its exact code."""
    return (
        Dossier.objects.select_related("procedure", "agency")
        .exclude(state=Dossier.State.DRAFT)
        .filter(code=code.strip().upper())
        .first()
    )


def desk_dossier(*, user: User, dossier_id: int) -> Dossier | None:
    """A submitted dossier of the officer's own agency, with what the desk page shows."""
    if not user.is_authenticated or not user.agency_id:
        return None
    return (
        Dossier.objects.select_related(
            "procedure", "procedure_version", "agency", "department", "applicant"
        )
        .exclude(state=Dossier.State.DRAFT)
        .filter(pk=dossier_id, agency_id=user.agency_id)
        .first()
    )


def staff_attachment(*, user: User, dossier_id: int, attachment_id: int) -> Attachment | None:
    """A file of a dossier: the desk and leaders of its agency, specialists of its department."""
    staff_roles = (Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER)
    if not user.is_authenticated or not user.agency_id:
        return None
    if not any(user.has_role(role) for role in staff_roles):
        return None
    own = Q(dossier__agency_id=user.agency_id)
    if not (user.has_role(Role.DESK_OFFICER) or user.has_role(Role.LEADER)):
        # A specialist reads the dossiers of their own department only.
        if user.department_id is None:
            own = Q(pk__in=[])
        else:
            own &= Q(dossier__department_id=user.department_id)
    return (
        Attachment.objects.filter(pk=attachment_id, dossier_id=dossier_id)
        .filter(own | _handed_to(user, "dossier_id"))
        .exclude(dossier__state=Dossier.State.DRAFT)
        .first()
    )


def staff_dossier(*, user: User, dossier_id: int) -> Dossier | None:
    """A dossier for the processing pages: leaders see their agency's, specialists their
    department's; both see the dossiers handed to their unit by another agency."""
    if not user.is_authenticated or not user.agency_id:
        return None
    if user.has_role(Role.LEADER):
        own = Q(agency_id=user.agency_id)
    elif user.has_role(Role.SPECIALIST) and user.department_id:
        own = Q(agency_id=user.agency_id, department_id=user.department_id)
    else:
        return None
    return (
        Dossier.objects.filter(own | _handed_to(user))
        .exclude(state=Dossier.State.DRAFT)
        .select_related("procedure", "procedure_version", "agency", "department", "assignee")
        .filter(pk=dossier_id)
        .first()
    )
