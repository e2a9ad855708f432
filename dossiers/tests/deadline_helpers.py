"""Shared set-up for the deadline tests: a settable clock and a dossier with a department."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier
from dossiers.tests.factories import DossierFactory, desk_officer_for
from portal.models import Department, User
from portal.roles import Role
from procedures.models import Channel, Procedure
from procedures.tests.factories import ProcedureFactory
from tests.factories import DepartmentFactory, staff_user

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HCM)


class Clock:
    """`timezone.now()` everywhere (services, auto_now_add fields) answers what we set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch

    def set(self, moment: datetime) -> None:
        self._monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def forwarded_dossier(
    clock: Clock,
    *,
    accepted: datetime,
    procedure: Procedure | None = None,
    channel: str = Channel.DESK,
) -> tuple[Dossier, Department, User]:
    """A dossier accepted by the desk at `accepted` and forwarded to a department at once.

    Returns the dossier, its department and a specialist of that department.
    """
    procedure = procedure or ProcedureFactory(
        level4=True, published=True, processing_time=Decimal(10)
    )
    dossier = DossierFactory(received=True, procedure=procedure, channel=channel)
    desk = desk_officer_for(dossier)
    clock.set(accepted)
    services.dossier_accept(dossier_id=dossier.pk, officer=desk)
    department = DepartmentFactory(agency=dossier.agency, name="Phòng Quản lý đô thị")
    clock.set(accepted + timedelta(minutes=30))
    services.dossier_forward(dossier_id=dossier.pk, officer=desk, department=department)
    specialist = staff_user(Role.SPECIALIST, agency=dossier.agency, department=department)
    dossier.refresh_from_db()
    return dossier, department, specialist
