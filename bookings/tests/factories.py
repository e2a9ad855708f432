"""A published procedure at an agency whose desk takes appointments, and its citizen."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory


def published_procedure(**kwargs):
    agency = kwargs.pop("agency", None) or AgencyFactory(name="UBND thành phố Tuy Hòa")
    procedure = ProcedureFactory(agency=agency, name="Đăng ký khai sinh", **kwargs)
    procedure.documents.create(name="Tờ khai đăng ký khai sinh", position=1)
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())
