"""How much a procedure is used (Kon Tum Art. 5.1.b): dossiers received, settled, on time.

The dossier model belongs to the `dossiers` app and is looked up lazily, so that the catalogue
works (and shows zeros) before that app has a model, and never imports it at module level.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.db.models import Count, F, Q

from .models import Procedure

DOSSIER_MODEL: str = "dossiers.Dossier"
# Drafts are invisible to staff and counted nowhere (DESIGN §5).
_NOT_RECEIVED_STATES = ("draft",)


@dataclass(frozen=True)
class ProcedureUsage:
    received: int = 0
    processed: int = 0
    processed_on_time: int = 0
    on_time_rate: Decimal | None = None  # percent, one decimal; None when nothing is settled


def on_time_rate(processed: int, on_time: int) -> Decimal | None:
    if not processed:
        return None
    return (Decimal(on_time) * 100 / Decimal(processed)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def procedure_usage(procedure: Procedure) -> ProcedureUsage:
    """Dossiers filed under this procedure; zeros while there is no dossier model yet."""
    try:
        dossier_model = apps.get_model(DOSSIER_MODEL)
    except LookupError:
        return ProcedureUsage()
    # Settled = a result or a refusal after processing; refusals at the desk and withdrawals
    # are not settlements. A settled dossier counts against its legal due time, even after an
    # apology moved the appointment.
    settled = Q(state="done") | Q(state="returned", accepted_at__isnull=False)
    totals = (
        dossier_model.objects.filter(procedure=procedure)
        .exclude(state__in=_NOT_RECEIVED_STATES)
        .aggregate(
            received=Count("pk"),
            processed=Count("pk", filter=settled),
            on_time=Count("pk", filter=settled & Q(finished_at__lte=F("due_at"))),
        )
    )
    return ProcedureUsage(
        received=totals["received"],
        processed=totals["processed"],
        processed_on_time=totals["on_time"],
        on_time_rate=on_time_rate(totals["processed"], totals["on_time"]),
    )
