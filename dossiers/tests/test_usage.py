"""The procedure page's usage figures, computed from real dossiers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dossiers.tests.factories import DossierFactory
from procedures.tests.factories import ProcedureFactory
from procedures.usage import procedure_usage

pytestmark = pytest.mark.django_db


def test_usage_counts_received_settled_and_on_time():
    procedure = ProcedureFactory(level4=True, published=True)
    now = timezone.now()
    DossierFactory(procedure=procedure)  # a draft counts nowhere
    DossierFactory(procedure=procedure, received=True)
    DossierFactory(procedure=procedure, withdrawn=True)  # not a settlement
    DossierFactory(procedure=procedure, returned=True)  # refused at the desk: not settled
    DossierFactory(procedure=procedure, done=True, due_at=now + timedelta(days=1))  # on time
    DossierFactory(procedure=procedure, done=True, due_at=now - timedelta(days=1))  # late
    usage = procedure_usage(procedure)
    assert (usage.received, usage.processed, usage.processed_on_time) == (5, 2, 1)
    assert usage.on_time_rate == Decimal("50.0")


def test_usage_is_zero_without_dossiers():
    usage = procedure_usage(ProcedureFactory(published=True))
    assert (usage.received, usage.processed, usage.on_time_rate) == (0, 0, None)
