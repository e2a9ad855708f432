"""The demo shows a specialist queue, proposals awaiting the leader and results to download."""

import pytest
from django.core.management import call_command

from dossiers import work_queue
from dossiers.models import Dossier, Proposal
from dossiers.views_citizen import result_files
from portal.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_specialist_queue_and_the_leader_has_decisions_to_make():
    call_command("seed_demo")
    specialist = User.objects.get(username="chuyenvien")
    leader = User.objects.get(username="lanhdao")
    page = work_queue.work_queue(user=specialist, filters=work_queue.WorkFilters())
    statuses = {row.status for row in page.rows}
    assert "overdue" in statuses
    assert page.counts["mine"] >= 4 and page.counts["unassigned"] >= 1
    assert {row.pending_kind for row in page.rows} >= {"result", "refusal"}
    awaiting = work_queue.work_queue(
        user=leader, filters=work_queue.WorkFilters(awaiting_approval=True)
    )
    assert len(awaiting.rows) == 2
    citizen = User.objects.get(username="054095000123")
    online = Dossier.objects.get(applicant=citizen, state="done", return_method="online")
    [result] = result_files(online)
    with result.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-")
    proposals = Proposal.objects.count()
    call_command("seed_demo")
    assert Proposal.objects.count() == proposals
