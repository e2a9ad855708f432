"""/can-bo/chi-so/ reads a fixed number of queries, whatever the number of dossiers and agencies."""

import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossiers.models import Dossier
from feedback.models import Rating
from feedback.tests.factories import RatingFactory
from portal.roles import Role
from procedures.tests.factories import ProcedureFactory
from reporting.tests.data import at, dossier
from tests.factories import AgencyFactory, staff_user

pytestmark = pytest.mark.django_db

MARCH = {"kind": "month", "year": "2026", "number": "3"}
S = Dossier.State


def more_of_everything(agency, count):
    """`count` more agencies, and for `agency` and each of them late, rated and open dossiers."""
    agencies = [agency] + [
        AgencyFactory(code=f"000.00.{10 + n:02d}.H45", name=f"Cơ quan {n}") for n in range(count)
    ]
    for n, owner in enumerate(agencies):
        procedure = ProcedureFactory(code=f"1.1{n:05d}", agency=owner, level=3, published=True)
        for day in range(2, 2 + count):
            late = dossier(
                procedure,
                state=S.DONE,
                submitted=f"2026-03-{day:02d} 08:00",
                due=f"2026-03-{day + 1:02d} 08:00",
                finished=f"2026-03-{day + 2:02d} 08:00",
            )
            RatingFactory(dossier=late, stars=1)
            dossier(
                procedure,
                state=S.PROCESSING,
                submitted=f"2026-03-{day:02d} 09:00",
                due="2026-04-20 10:00",
            )
    Rating.objects.update(created_at=at("2026-03-25 08:00"))


def queries_of(client, params) -> list[str]:
    """The page's queries, numbers blanked out (the session's own writes and their savepoints
    left out: it is written at most once a minute, whenever the visit happens to fall)."""
    cache.clear()  # the index is cached: count what a first visit costs
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("service_index:index"), params)
    assert response.status_code == 200
    return sorted(
        re.sub(r"\d+", "N", query["sql"])
        for query in captured.captured_queries
        if "django_session" not in query["sql"] and "SAVEPOINT" not in query["sql"]
    )


def same_queries(after: list[str], before: list[str]) -> None:
    extra, missing = Counter(after) - Counter(before), Counter(before) - Counter(after)
    assert len(after) == len(before), f"more: {list(extra)[:5]}; fewer: {list(missing)[:5]}"


def test_the_leaders_page_costs_the_same_queries_for_more_dossiers(login_staff, march):
    client = login_staff(staff_user(Role.LEADER, agency=march["A"]))
    before = queries_of(client, MARCH)
    more_of_everything(march["A"], 4)
    after = queries_of(client, MARCH)
    html = client.get(reverse("service_index:index"), MARCH).content.decode()
    assert 'id="costing-late"' in html and html.count('<tr><td class="mono">') >= 8
    same_queries(after, before)


def test_the_province_page_with_its_ranking_costs_the_same_queries_for_more_agencies(
    login_staff, march
):
    client = login_staff(staff_user(Role.IT_ADMIN, agency=march["B"]))
    before = queries_of(client, MARCH)
    more_of_everything(march["A"], 5)
    after = queries_of(client, MARCH)
    html = client.get(reverse("service_index:index"), MARCH).content.decode()
    assert html.count("<tr data-agency=") == 7
    same_queries(after, before)


def test_the_ranking_adds_up_the_counts_the_province_index_read(march):
    from opendata.service_index import agency_ranking, period_of, service_index
    from reporting.figures import Scope

    cache.clear()
    period = period_of("month", 2026, 3)
    province = service_index(period=period, scope=Scope())
    with CaptureQueriesContext(connection) as captured:
        ranking = agency_ranking(period=period)
    assert len(captured) == 1  # the agencies' codes and names, nothing counted again
    assert {line["code"] for line in ranking} == {march["A"].code, march["B"].code}
    assert province.score is not None
