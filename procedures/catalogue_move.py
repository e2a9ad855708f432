"""Moving an agency's catalogue to its successor (two-tier local government, 1/7/2025).

Dossiers already filed keep the agency and the procedure version they were filed under; only the
catalogue (what citizens file from now on) moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from portal.models import Agency, User
from portal.succession import agency_current

from . import services
from .models import InterAgencyStep, Procedure


class CatalogueMoveError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CatalogueMovePreview:
    source: Agency
    target: Agency
    procedures: list[Procedure]
    steps: int

    @property
    def department_cleared(self) -> list[Procedure]:
        """Procedures whose processing department belongs to the old agency (it cannot move)."""
        return [p for p in self.procedures if p.department_id is not None]


def catalogue_move_preview(*, agency: Agency) -> CatalogueMovePreview:
    """What moving the agency's catalogue to its current successor would change."""
    target = agency_current(agency)
    if target.pk == agency.pk:
        raise CatalogueMoveError(
            _("%(agency)s has no successor: set one before moving its catalogue.")
            % {"agency": agency.name}
        )
    procedures = list(
        Procedure.objects.filter(agency=agency).select_related("department").order_by("code")
    )
    steps = InterAgencyStep.objects.filter(agency=agency).count()
    return CatalogueMovePreview(source=agency, target=target, procedures=procedures, steps=steps)


@transaction.atomic
def catalogue_move_to_successor(*, agency_id: int, actor: User) -> int:
    """Move every procedure of the agency (and its inter-agency steps) to its current successor.

    Published procedures get a new version naming the successor; the move is recorded on the
    agency and in the audit record. Returns how many procedures moved.
    """
    agency = Agency.objects.select_for_update().get(pk=agency_id)
    preview = catalogue_move_preview(agency=agency)
    target = preview.target
    step_rows = InterAgencyStep.objects.filter(agency=agency)
    with_steps = set(step_rows.values_list("procedure_id", flat=True))
    steps = step_rows.update(agency=target)
    moved: set[int] = set()
    for procedure in Procedure.objects.select_for_update().filter(agency=agency).order_by("pk"):
        procedure.agency = target
        if procedure.department_id is not None:
            # The old agency's department does not follow; the successor assigns its own.
            procedure.department = None
        procedure.save(update_fields=["agency", "department", "updated_at"])
        services.procedure_record_edit(procedure=procedure, actor=actor)
        moved.add(procedure.pk)
    # Procedures of other agencies that name the old one in a step get a version naming the new.
    for procedure in Procedure.objects.filter(pk__in=with_steps - moved):
        services.procedure_record_edit(procedure=procedure, actor=actor)
    agency.catalogue_moved_at = timezone.now()
    agency.catalogue_moved_by = actor
    agency.save(update_fields=["catalogue_moved_at", "catalogue_moved_by"])
    audit.record(
        kind="catalogue.moved",
        actor=actor,
        target=f"agency:{agency.code}",
        data={"to": target.code, "procedures": len(moved), "steps": steps},
    )
    return len(moved)
