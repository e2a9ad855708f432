"""Deadline badges, working time left, the leader's dashboard figures and the queue's indexes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone, translation

from dossiers import dashboard, work_queue
from dossiers import queue as desk_queue
from dossiers.models import Dossier, Proposal
from dossiers.tests.factories import (
    DossierFactory,
    forwarded_dossier,
    leader_for,
    specialist_for,
)
from portal import workdays
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
# Wednesday 25/11/2026, 09:00: a working day (Tuesday 24/11 is Vietnamese Culture Day).
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=HCM)


def local(day, hour, minute=0):
    return datetime(2026, *day, hour, minute, tzinfo=HCM)


# --- Badges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (NOW - timedelta(minutes=1), "overdue"),
        (NOW + timedelta(minutes=1), "at_risk"),  # due later today
        (local((11, 27), 9), "at_risk"),  # exactly two working days ahead
        (local((11, 27), 9, 1), "on_time"),  # just beyond
        (local((11, 30), 9), "on_time"),  # Monday, after the weekend
    ],
)
def test_badges_of_dossiers_being_processed(due, expected):
    dossier = DossierFactory.build(processing=True, due_at=due)
    assert desk_queue.deadline_status(dossier, desk_queue.Moments.at(NOW)) == expected


def test_at_risk_counts_working_days_not_calendar_days():
    # Friday 16:00: two working days ahead is Tuesday 16:00, not Sunday.
    friday = local((11, 27), 16)
    moments = desk_queue.Moments.at(friday)
    monday = DossierFactory.build(processing=True, due_at=local((11, 30), 16))
    wednesday = DossierFactory.build(processing=True, due_at=local((12, 2), 16))
    assert desk_queue.deadline_status(monday, moments) == "at_risk"
    assert desk_queue.deadline_status(wednesday, moments) == "on_time"


@pytest.mark.parametrize(
    ("finished", "state", "expected"),
    [
        (local((11, 24), 16), "done", "early"),  # the day before the due day
        (local((11, 25), 8), "done", "on_time"),  # on the due day, before the time
        (local((11, 25), 10), "done", "on_time"),  # exactly at the due time
        (local((11, 25), 10, 1), "done", "late"),
        (local((11, 26), 8), "returned", "late"),
    ],
)
def test_badges_of_finished_dossiers(finished, state, expected):
    dossier = DossierFactory.build(
        processing=True, state=state, due_at=local((11, 25), 10), finished_at=finished
    )
    assert desk_queue.deadline_status(dossier, desk_queue.Moments.at(NOW)) == expected


def test_a_paused_dossier_has_no_badge():
    dossier = DossierFactory.build(incomplete=True, due_at=NOW - timedelta(days=3))
    assert desk_queue.deadline_status(dossier, desk_queue.Moments.at(NOW)) == ""


@pytest.mark.parametrize(
    ("due", "text"),
    [
        (local((11, 27), 10), "2 working days 1 hour left"),
        (local((11, 25), 10), "1 hour left"),
        (local((11, 26), 9), "1 working day left"),
        # 1½ h on Monday, none on the holiday, 1½ h today.
        (local((11, 23), 15, 30), "overdue by 3 hours"),
        # Friday 09:00: 6½ h + Monday 8 h + 1½ h today; the weekend and the holiday skipped.
        (local((11, 20), 9), "overdue by 2 working days"),
    ],
)
def test_working_time_left_in_words(due, text):
    with translation.override("en"):
        assert work_queue.remaining_text(due, NOW) == text


# --- Dashboard ----------------------------------------------------------------------------


def test_dashboard_figures_on_a_hand_built_agency(django_assert_num_queries):
    procedure = ProcedureFactory(level4=True, published=True)
    agency = procedure.agency
    first, second = DepartmentFactory(agency=agency), DepartmentFactory(agency=agency)

    def make(department, specialist=None, **fields):
        dossier = forwarded_dossier(procedure=procedure, department=department)
        Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist, **fields)
        return dossier

    anchor = forwarded_dossier(procedure=procedure, department=first)
    one = specialist_for(anchor)
    Dossier.objects.filter(pk=anchor.pk).update(
        assignee=one, due_at=NOW - timedelta(hours=1)
    )  # overdue
    make(first, one, due_at=NOW + timedelta(hours=1))  # at risk
    make(first, one, due_at=NOW + timedelta(days=20))  # on track
    make(first, one, state="done", due_at=local((11, 12), 17), finished_at=local((11, 10), 9))
    make(first, one, state="done", due_at=local((11, 18), 17), finished_at=local((11, 20), 9))
    other_dossier = make(second, due_at=NOW + timedelta(days=10))
    two = specialist_for(other_dossier)
    Dossier.objects.filter(pk=other_dossier.pk).update(assignee=two)
    Proposal.objects.create(
        dossier=other_dossier,
        kind=Proposal.Kind.RESULT,
        text="Kết quả",
        proposed_by=two,
        proposed_at=NOW,
    )
    make(second, two, state="returned", due_at=local((11, 9), 17), finished_at=local((11, 5), 9))
    make(second, two, state="done", due_at=local((10, 22), 17), finished_at=local((10, 20), 9))
    DossierFactory(received=True, procedure=procedure)  # at the desk, no department
    forwarded_dossier(due_at=NOW - timedelta(days=1))  # another agency: never counted

    desk_queue.Moments.at(NOW)  # loads the calendar's overrides once, as a running process has
    with django_assert_num_queries(3):
        figures = dashboard.agency_dashboard(agency_id=agency.pk, now=NOW)

    totals = figures.totals
    assert figures.since == local((11, 1), 0)
    assert {key: totals[key] for key in ("received", "processing", "overdue", "at_risk")} == {
        "received": 1,
        "processing": 4,
        "overdue": 1,
        "at_risk": 1,
    }
    assert totals["awaiting_approval"] == 1
    assert (totals["done_month"], totals["returned_month"]) == (2, 1)  # October not counted
    assert (totals["on_time_month"], totals["finished_month"]) == (2, 3)
    assert str(totals["on_time_rate"]) == "66.7"

    by_department = {row["department_id"]: row for row in figures.departments}
    assert by_department[first.pk]["processing"] == 3
    assert by_department[first.pk]["overdue"] == 1
    assert str(by_department[first.pk]["on_time_rate"]) == "50.0"
    assert by_department[second.pk]["awaiting_approval"] == 1
    assert str(by_department[second.pk]["on_time_rate"]) == "100.0"
    by_person = {row["assignee_id"]: row for row in figures.specialists}
    assert by_person[one.pk]["processing"] == 3 and by_person[one.pk]["done_month"] == 2
    assert by_person[two.pk]["returned_month"] == 1
    assert by_person[two.pk]["assignee__full_name"] == two.full_name


def test_the_dashboard_page_shows_the_figures(login_staff):
    dossier = forwarded_dossier(due_at=timezone.now() - timedelta(hours=2))
    client = login_staff(leader_for(dossier))
    page = client.get("/can-bo/tong-quan/").content.decode()
    assert 'id="dashboard-totals"' in page
    assert f'data-department="{dossier.department_id}"' in page
    assert dossier.department.name in page


def test_an_agency_without_dossiers_has_no_rate():
    figures = dashboard.agency_dashboard(agency_id=AgencyFactory().pk, now=NOW)
    assert figures.totals["processing"] == 0 and figures.totals["on_time_rate"] is None
    assert figures.departments == [] and figures.specialists == []


# --- Indexes ------------------------------------------------------------------------------


def plan(queryset) -> str:
    # The test tables are tiny; forbid sequential scans to see which index the query can use.
    # Statistics left by earlier tests (thousands of committed rows, then deleted) would make
    # the planner cost the indexes by a table that is no longer there: measure this one.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dossiers_dossier")
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def crowd(like: Dossier, count: int) -> None:
    """`count` more dossiers of another agency in the same state, so that the planner weighs
    the indexes by how many rows each leaves out (with one row in the table every index costs
    the same and any may be chosen)."""
    copies = []
    for number in range(count):
        copy = Dossier.objects.get(pk=like.pk)
        copy.pk = None
        copy.code = f"{like.code[:30]}-{number}"
        copies.append(copy)
    Dossier.objects.bulk_create(copies)


def test_the_queues_read_their_partial_indexes():
    dossier = forwarded_dossier()
    crowd(forwarded_dossier(), 400)
    crowd(DossierFactory(done=True), 400)
    moments = desk_queue.Moments.at()
    specialist_plan = plan(
        work_queue.queue_dossiers(
            user=specialist_for(dossier), filters=work_queue.WorkFilters(), moments=moments
        )
    )
    assert "dossier_department_queue" in specialist_plan
    leader_plan = plan(
        work_queue.queue_dossiers(
            user=leader_for(dossier), filters=work_queue.WorkFilters(), moments=moments
        )
    )
    assert "dossier_agency_queue" in leader_plan, leader_plan
    handover_plan = plan(
        Dossier.objects.filter(
            agency_id=dossier.agency_id, state="done", delivered_at__isnull=True
        ).order_by("finished_at", "pk")
    )
    assert "dossier_agency_undelivered" in handover_plan


def test_one_walk_gives_the_same_working_hours_as_each_pair():
    dues = [
        local((10, 2), 9),
        local((11, 20), 9),
        local((11, 24), 10),
        local((11, 25), 8),
        local((11, 27), 10),
        local((12, 31), 16),
        local((11, 20), 9),  # twice
    ]
    hours = work_queue.working_hours_to(NOW, dues)
    for due in dues:
        pair = (due, NOW) if due < NOW else (NOW, due)
        assert hours[due] == workdays.working_hours_between(*pair), due


def test_the_dashboard_writes_its_rate_the_vietnamese_way(login_staff):
    dossier = forwarded_dossier()
    now = timezone.now()
    for due in (now + timedelta(days=1), now + timedelta(days=1), now - timedelta(hours=1)):
        done = forwarded_dossier(procedure=dossier.procedure, department=dossier.department)
        Dossier.objects.filter(pk=done.pk).update(state="done", due_at=due, finished_at=now)
    client = login_staff(leader_for(dossier))
    page = client.get("/can-bo/tong-quan/").content.decode()
    assert 'data-figure="on_time_rate"><span class="dash-number">66,7\u00a0%</span>' in page
    assert "66.7" not in page
