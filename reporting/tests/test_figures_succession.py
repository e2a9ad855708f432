"""Reports count dossiers by the agency as it was when filed, or as it is now (a choice).

The dataset of test_figures; here agency B (Sở Xây dựng) is merged into agency A.
"""

from datetime import date

import pytest
from django.urls import reverse

from portal.models import SuccessionKind
from portal.roles import Role
from reporting.figures import AGENCY, Scope, dossier_figures
from reporting.models import Report
from reporting.tests.data import H1_2026
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(dataset):
    b = dataset["B"]
    b.successor, b.succession_kind = dataset["A"], SuccessionKind.MERGED
    b.succession_effective_on = date(2026, 3, 1)
    b.save()
    return dataset


def lines(figures):
    return {line["code"]: line["received"] for line in figures["by_agency"]}


def test_as_it_was_each_dossier_stays_with_the_agency_it_was_filed_with(merged):
    figures = dossier_figures(H1_2026, Scope())
    assert lines(figures) == {"000.00.01.H45": 3, "000.00.02.H45": 4}


def test_as_it_is_now_the_merged_agency_counts_under_its_successor(merged):
    then = dossier_figures(H1_2026, Scope())
    now = dossier_figures(H1_2026, Scope(agencies_now=True))
    assert lines(now) == {"000.00.01.H45": 7}
    # Only the grouping changes: totals, sectors and procedures are the same.
    assert now["totals"] == then["totals"]
    assert now["by_procedure"] == then["by_procedure"]
    agency_now = dossier_figures(
        H1_2026, Scope(AGENCY, agency_id=merged["A"].pk, agencies_now=True)
    )
    assert agency_now["totals"]["received"] == 7
    agency_then = dossier_figures(H1_2026, Scope(AGENCY, agency_id=merged["A"].pk))
    assert agency_then["totals"]["received"] == 3


def test_a_leader_chooses_the_agency_as_it_is_now(
    client, login_staff, merged, django_capture_on_commit_callbacks
):
    leader = staff_user(Role.LEADER, agency=merged["A"])
    login_staff(leader)
    page = client.get(reverse("reports:list")).content.decode()
    assert "Thống kê hồ sơ theo cơ quan" in page
    request = {
        "period_kind": "h1",
        "year": 2026,
        "convention": "decree09",
        "scope_kind": AGENCY,
        "agency": merged["A"].pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:list"), {**request, "agencies_as": "now"})
        client.post(reverse("reports:list"), request)
    now, then = Report.objects.filter(requested_by=leader).order_by("pk")
    assert now.agencies_now and "(theo cơ quan hiện nay)" in now.title
    assert now.data["totals"]["received"] == 7
    assert not then.agencies_now and then.data["totals"]["received"] == 3
    response = client.post(reverse("reports:list"), {**request, "agencies_as": "later"})
    assert response.status_code == 200  # the form again, with its error
    assert Report.objects.filter(requested_by=leader).count() == 2
