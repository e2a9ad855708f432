"""Two people at once: one acceptance wins, codes never repeat (real connections on PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from dossiers import services
from dossiers.errors import DossierStateError
from dossiers.models import Dossier, DossierEvent
from dossiers.tests.factories import DossierFactory, desk_officer_for
from procedures.tests.factories import ProcedureFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(functions):
    """Run the functions in threads, each on its own database connection, started together.

    SQLite (the embedded default) has a single writer, so there they run one after the other.
    """
    results: list[object] = [None] * len(functions)
    if connection.vendor != "postgresql":
        for index, function in enumerate(functions):
            try:
                results[index] = function()
            except Exception as error:
                results[index] = error
        return results
    barrier = threading.Barrier(len(functions))

    def worker(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_officers_accept_the_same_dossier_one_wins():
    dossier = DossierFactory(received=True)
    first, second = desk_officer_for(dossier), desk_officer_for(dossier)
    results = run_together(
        [
            lambda: services.dossier_accept(dossier_id=dossier.pk, officer=first),
            lambda: services.dossier_accept(dossier_id=dossier.pk, officer=second),
        ]
    )
    winners = [r for r in results if isinstance(r, Dossier)]
    losers = [r for r in results if isinstance(r, DossierStateError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "no longer awaiting reception" in losers[0].message or losers[0].message
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    assert dossier.events.filter(kind=DossierEvent.Kind.ACCEPTED).count() == 1


def test_accept_and_refuse_at_once_leave_one_decision():
    dossier = DossierFactory(received=True)
    desk = desk_officer_for(dossier)
    results = run_together(
        [
            lambda: services.dossier_accept(dossier_id=dossier.pk, officer=desk),
            lambda: services.dossier_refuse(dossier_id=dossier.pk, officer=desk, reason="Sai."),
        ]
    )
    assert sum(isinstance(r, Dossier) for r in results) == 1, results
    assert sum(isinstance(r, DossierStateError) for r in results) == 1, results
    dossier.refresh_from_db()
    assert dossier.events.filter(to_state=dossier.state).count() == 1


def test_codes_never_repeat_under_concurrent_submissions():
    procedure = ProcedureFactory(level4=True, published=True)
    drafts = [
        services.dossier_create_draft(procedure=procedure, applicant=UserFactory())
        for _ in range(8)
    ]
    results = run_together(
        [
            (
                lambda d=d: services.dossier_submit(
                    dossier_id=d.pk, actor=d.applicant, declaration=True
                )
            )
            for d in drafts
        ]
    )
    assert all(isinstance(r, Dossier) for r in results), results
    codes = sorted(r.code for r in results)
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, 9))
    assert len(set(codes)) == 8
    assert all(code.startswith(procedure.agency.code + "-") for code in codes)
