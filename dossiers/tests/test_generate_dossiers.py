"""generate_dossiers: realistic, unique codes, dates from the calendar, sequences kept up."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max

from dossiers import codes
from dossiers.models import Dossier, DossierCodeSequence, DossierEvent
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, DepartmentFactory

# The PostgreSQL writer runs COPY on a second connection: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

COUNT = 3000


@pytest.fixture
def catalogue():
    agencies = [AgencyFactory(), AgencyFactory()]
    for agency in agencies:
        DepartmentFactory(agency=agency)
        ProcedureFactory(agency=agency, published=True)
        ProcedureFactory(agency=agency, level4=True, published=True)
        ProcedureFactory(agency=agency, same_day=True, published=True)
    return agencies


def test_generates_realistic_dossiers_with_unique_codes(catalogue):
    out = StringIO()
    call_command("generate_dossiers", count=COUNT, batch=700, seed=7, days=120, stdout=out)
    assert "dossiers/s" in out.getvalue()
    dossiers = Dossier.objects.all()
    assert dossiers.count() == COUNT
    assert dossiers.values("code").distinct().count() == COUNT
    states = Counter(dossiers.values_list("state", flat=True))
    assert {"done", "returned", "withdrawn"} <= set(states)
    open_count = sum(states[s] for s in Dossier.OPEN_STATES)
    assert 0 < open_count < COUNT * 0.05
    assert states["done"] > COUNT * 0.8
    assert set(dossiers.values_list("channel", flat=True)) >= {"desk", "online"}
    accepted = dossiers.filter(accepted_at__isnull=False)
    assert accepted.exists()
    assert not accepted.filter(due_at__isnull=True).exists()
    assert not accepted.filter(forward_due_at__isnull=True).exists()
    for dossier in accepted[:50]:
        assert dossier.due_at > dossier.accepted_at
    # Every dossier has its story, first event at submission.
    assert DossierEvent.objects.values("dossier").distinct().count() == COUNT
    assert not dossiers.filter(events__isnull=True).exists()
    for dossier in dossiers.filter(state="done")[:20]:
        kinds = list(dossier.events.values_list("kind", flat=True))
        assert kinds[0] in ("submitted", "registered") and "completed" in kinds
        assert dossier.events.get(kind="accepted").created_at == dossier.accepted_at


def test_code_sequences_are_raised_so_real_submissions_do_not_collide(catalogue):
    call_command("generate_dossiers", count=500, batch=200, seed=3, days=60, stdout=StringIO())
    per_day = Counter(
        (d.agency_id, d.code.rsplit("-", 2)[1]) for d in Dossier.objects.only("agency", "code")
    )
    for sequence in DossierCodeSequence.objects.all():
        assert sequence.last_number == per_day[(sequence.agency_id, f"{sequence.day:%y%m%d}")]
    busiest = DossierCodeSequence.objects.order_by("-last_number").first()
    code = codes.dossier_code(agency=busiest.agency, day=busiest.day)
    assert code.endswith(f"-{busiest.last_number + 1:04d}")
    assert not Dossier.objects.filter(code=code).exists()
    # A second run continues the numbering.
    call_command("generate_dossiers", count=500, batch=200, seed=4, days=60, stdout=StringIO())
    assert Dossier.objects.values("code").distinct().count() == 1000
    assert DossierCodeSequence.objects.aggregate(top=Max("last_number"))["top"] >= (
        busiest.last_number
    )


def test_up_to_only_adds_what_is_missing(catalogue):
    call_command("generate_dossiers", up_to=300, seed=1, days=60, stdout=StringIO())
    call_command("generate_dossiers", up_to=300, seed=1, days=60, stdout=StringIO())
    assert Dossier.objects.count() == 300


def test_refuses_in_production(catalogue, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("generate_dossiers", count=10, stdout=StringIO())
    assert not Dossier.objects.exists()


def test_open_up_to_tops_up_open_dossiers_only(catalogue):
    call_command("generate_dossiers", count=500, seed=3, days=120, stdout=StringIO())
    open_before = Dossier.objects.filter(state__in=Dossier.OPEN_STATES).count()
    finished_before = Dossier.objects.exclude(state__in=Dossier.OPEN_STATES).count()

    call_command("generate_dossiers", open_up_to=400, seed=4, days=120, stdout=StringIO())

    assert Dossier.objects.filter(state__in=Dossier.OPEN_STATES).count() == 400 > open_before
    assert Dossier.objects.exclude(state__in=Dossier.OPEN_STATES).count() == finished_before
    processing = Dossier.objects.filter(state="processing")
    assert processing.exists() and not processing.filter(due_at__isnull=True).exists()
    out = StringIO()
    call_command("generate_dossiers", open_up_to=400, stdout=out)
    assert "nothing to do" in out.getvalue()
