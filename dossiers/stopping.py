"""Stopping the processing of an accepted dossier (Decree 118/2025/NĐ-CP; Mẫu 05 of Circular
03/2025/TT-VPCP, "Thông báo dừng giải quyết hồ sơ").

Only a leader of the agency that accepted the dossier stops it, with the reasons the citizen
reads in the notice. The dossier is returned (national-portal status 8, "Dừng xử lý"), fees
paid are refunded (the agency did not deliver, DESIGN rule 11) and an open clock pause ends.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from portal.models import User

from . import notices, selectors
from .errors import DossierPermissionError, DossierStateError, DossierValidationError
from .models import Dossier, DossierEvent, Notice
from .processing import _to_applicant, is_agency_leader
from .services import _record, _refund_payments, _save


@transaction.atomic
def dossier_stop(*, dossier_id: int, leader: User, reason: str) -> Dossier:
    """A leader stops the processing of an accepted dossier and the citizen is told why."""
    dossier = selectors.dossier_for_update(dossier_id=dossier_id)
    if not is_agency_leader(leader, dossier):
        raise DossierPermissionError(
            _("Only a leader of the agency that accepted the dossier can stop its processing.")
        )
    if dossier.accepted_at is None or not can_proceed(dossier.stop):
        raise DossierStateError(
            _("Only an accepted dossier that is still being processed can be stopped.")
        )
    reason = reason.strip()
    if not reason:
        raise DossierValidationError(
            _("Give the reasons for stopping the processing."),
            field_errors={"reason": _("Give the reasons for stopping the processing.")},
        )
    now = timezone.now()
    from_state = dossier.state
    dossier.pauses.filter(ended_at=None).update(ended_at=now)
    dossier.stop(at=now)
    _save(dossier, leader)
    _record(dossier, DossierEvent.Kind.STOPPED, actor=leader, from_state=from_state, reason=reason)
    _to_applicant(dossier, "dossier_returned", "stopped", reason=reason)
    _refund_payments(dossier, actor=leader, reason=reason)
    notices.schedule(dossier, Notice.Kind.STOP_NOTICE)
    return dossier
