"""Who on the staff side may act on a dossier once it is with a department.

The handling unit is the dossier's department (set when the desk forwards it) inside the
receiving agency; its leaders oversee every department. A unit that receives an inter-agency
hand-off may act only on that hand-off.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.models import User
from portal.roles import Role

from .errors import DossierPermissionError
from .models import Dossier, Handoff


def is_leader_of(user: User, dossier: Dossier) -> bool:
    return bool(
        user.is_authenticated and user.agency_id == dossier.agency_id and user.has_role(Role.LEADER)
    )


def is_handling_staff(user: User, dossier: Dossier) -> bool:
    """A specialist of the dossier's department, or a leader of its agency."""
    if not user.is_authenticated or user.agency_id != dossier.agency_id:
        return False
    if user.has_role(Role.LEADER):
        return True
    return bool(
        user.has_role(Role.SPECIALIST)
        and dossier.department_id is not None
        and user.department_id == dossier.department_id
    )


def require_handling_staff(user: User, dossier: Dossier) -> None:
    if not is_handling_staff(user, dossier):
        raise DossierPermissionError(
            _("Only the department handling this dossier, or a leader of its agency, can do this.")
        )


def require_leader(user: User, dossier: Dossier) -> None:
    if not is_leader_of(user, dossier):
        raise DossierPermissionError(
            _("Only a leader of the agency handling this dossier can decide this.")
        )


def is_receiving_staff(user: User, handoff: Handoff) -> bool:
    """Specialists and leaders of the receiving department, and leaders of its agency."""
    if not user.is_authenticated or user.agency_id != handoff.to_agency_id:
        return False
    if user.has_role(Role.LEADER):
        return True
    return bool(user.has_role(Role.SPECIALIST) and user.department_id == handoff.to_department_id)


def require_receiving_staff(user: User, handoff: Handoff) -> None:
    if not is_receiving_staff(user, handoff):
        raise DossierPermissionError(_("Only the unit this dossier was handed to can do this."))
