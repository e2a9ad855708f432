"""Two people act on the same dossier at once (real connections): one wins, one is told why."""

import pytest
from django.utils import translation

from dossiers import processing
from dossiers.errors import DossierStateError
from dossiers.models import Dossier, DossierEvent, Proposal
from dossiers.tests.factories import forwarded_dossier, leader_for, pdf_upload, specialist_for
from dossiers.tests.test_concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def pending_result():
    dossier = forwarded_dossier()
    specialist = specialist_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    proposal = processing.dossier_propose_result(
        dossier_id=dossier.pk, actor=specialist, result_text="Kết quả", files=[pdf_upload()]
    )
    return dossier, specialist, proposal


def english(function):
    def wrapped():
        with translation.override("en"):
            return function()

    return wrapped


def test_two_leaders_approve_at_once_one_wins():
    dossier, _specialist, proposal = pending_result()
    first, second = leader_for(dossier), leader_for(dossier)
    results = run_together(
        [
            english(
                lambda leader=leader: processing.proposal_approve(
                    dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader
                )
            )
            for leader in (first, second)
        ]
    )
    winners = [r for r in results if isinstance(r, Dossier)]
    losers = [r for r in results if isinstance(r, DossierStateError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert "already been decided" in losers[0].message
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.DONE
    assert dossier.events.filter(kind=DossierEvent.Kind.COMPLETED).count() == 1


def test_approve_and_send_back_at_once_leave_one_decision():
    dossier, _specialist, proposal = pending_result()
    leader = leader_for(dossier)
    results = run_together(
        [
            english(
                lambda: processing.proposal_approve(
                    dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader
                )
            ),
            english(
                lambda: processing.proposal_send_back(
                    dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader, note="Sửa."
                )
            ),
        ]
    )
    assert sum(isinstance(r, DossierStateError) for r in results) == 1, results
    proposal.refresh_from_db()
    dossier.refresh_from_db()
    assert proposal.status in (Proposal.Status.APPROVED, Proposal.Status.SENT_BACK)
    assert (dossier.state == Dossier.State.DONE) == (proposal.status == Proposal.Status.APPROVED)


def test_two_specialists_take_the_same_dossier_one_gets_it():
    dossier = forwarded_dossier()
    first, second = specialist_for(dossier), specialist_for(dossier)
    results = run_together(
        [
            english(
                lambda person=person: processing.dossier_assign(
                    dossier_id=dossier.pk, actor=person, assignee=person
                )
            )
            for person in (first, second)
        ]
    )
    losers = [r for r in results if isinstance(r, DossierStateError)]
    assert len(losers) == 1 and "already been taken" in losers[0].message, results
    dossier.refresh_from_db()
    assert dossier.assignee in (first, second)
    assert dossier.events.filter(kind=DossierEvent.Kind.ASSIGNED).count() == 1


def test_two_results_proposed_at_once_only_one_waits():
    dossier = forwarded_dossier()
    specialist, leader = specialist_for(dossier), leader_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    results = run_together(
        [
            english(
                lambda actor=actor: processing.dossier_propose_result(
                    dossier_id=dossier.pk, actor=actor, result_text="KQ", files=[pdf_upload()]
                )
            )
            for actor in (specialist, leader)
        ]
    )
    assert sum(isinstance(r, Proposal) for r in results) == 1, results
    assert sum(isinstance(r, DossierStateError) for r in results) == 1, results
