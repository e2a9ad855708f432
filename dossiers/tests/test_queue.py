"""The desk's work queue: scope, urgency order, filters, search and keyset pages."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dossiers import queue
from dossiers.models import Dossier
from dossiers.queue import Cursor, Moments, QueueFilters, desk_queue
from dossiers.tests.factories import DossierFactory
from portal import workdays
from portal.roles import Role
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, DepartmentFactory, staff_user

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def procedure():
    return ProcedureFactory(level4=True, published=True)


def make(procedure, **kwargs):
    return DossierFactory(procedure=procedure, **kwargs)


def codes(page):
    return [row.dossier.code for row in page.rows]


def all_pages(agency_id, filters, page_size):
    seen, after, pages = [], "", 0
    while True:
        page = desk_queue(agency_id=agency_id, filters=filters, after=after, page_size=page_size)
        seen.extend(codes(page))
        pages += 1
        if not page.next_cursor:
            return seen, pages
        after = page.next_cursor


def test_only_open_dossiers_of_the_agency_in_urgency_order(procedure):
    now = timezone.now()
    old = make(procedure, received=True, submitted_at=now - timedelta(days=2))
    new = make(procedure, received=True, submitted_at=now - timedelta(hours=1))
    accepted_late = make(procedure, processing=True, forward_due_at=now - timedelta(hours=1))
    accepted = make(procedure, processing=True, forward_due_at=now + timedelta(hours=3))
    incomplete = make(procedure, incomplete=True, submitted_at=now - timedelta(days=5))
    forwarded = make(procedure, processing=True, forwarded_at=now, department=DepartmentFactory())
    for finished in ("done", "returned", "withdrawn"):
        make(procedure, **{finished: True})
    make(procedure)  # a draft
    DossierFactory(received=True)  # another agency

    page = desk_queue(agency_id=procedure.agency_id, filters=QueueFilters())
    assert codes(page) == [old.code, new.code, accepted_late.code, accepted.code, incomplete.code]
    assert page.counts["received"] == 2 and page.counts["accepted"] == 2
    assert page.counts["incomplete"] == 1 and page.counts["forwarded"] == 1
    assert page.counts["forward_breach"] == 1 and page.counts["at_desk"] == 5
    every = desk_queue(agency_id=procedure.agency_id, filters=QueueFilters(state="all"))
    assert codes(every)[-1] == forwarded.code and len(every.rows) == 6
    assert [row.forward_breached for row in page.rows] == [False, False, True, False, False]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("received", {"r"}),
        ("incomplete", {"i"}),
        ("accepted", {"a"}),
        ("forwarded", {"f"}),
        ("", {"r", "i", "a"}),
        ("all", {"r", "i", "a", "f"}),
    ],
)
def test_state_filters(procedure, state, expected):
    made = {
        "r": make(procedure, received=True),
        "i": make(procedure, incomplete=True),
        "a": make(procedure, processing=True),
        "f": make(procedure, processing=True, forwarded_at=timezone.now()),
    }
    page = desk_queue(agency_id=procedure.agency_id, filters=QueueFilters(state=state))
    assert set(codes(page)) == {made[key].code for key in expected}


def test_due_filters_use_working_days(procedure):
    now = datetime(2026, 3, 11, 9, 0, tzinfo=HCM)  # a Wednesday
    moments = Moments.at(now)
    later_forward = now + timedelta(hours=4)

    def processing(due_at, forward_due_at=later_forward):
        return make(procedure, processing=True, due_at=due_at, forward_due_at=forward_due_at)

    overdue = processing(now - timedelta(minutes=5))
    today = processing(now + timedelta(hours=2))
    soon = processing(workdays.add_working_days(now, 2))  # Friday 09:00
    later = processing(workdays.add_working_days(now, 3))  # Monday 09:00
    breach = processing(later.due_at, forward_due_at=now - timedelta(minutes=1))

    def due(value):
        filters = QueueFilters(state="all", due=value)
        page = desk_queue(agency_id=procedure.agency_id, filters=filters, moments=moments)
        return set(codes(page))

    assert due("qua-han") == {overdue.code}
    assert due("hom-nay") == {today.code}
    assert due("sap-den-han") == {today.code, soon.code}
    assert due("cham-chuyen") == {breach.code}
    assert due("") == {d.code for d in (overdue, today, soon, later, breach)}


def test_procedure_and_channel_filters(procedure):
    other = ProcedureFactory(level4=True, published=True, agency=procedure.agency)
    online = make(procedure, received=True)
    walk_in = make(procedure, received=True, channel="desk")
    elsewhere = make(other, received=True)
    agency = procedure.agency_id
    assert set(
        codes(desk_queue(agency_id=agency, filters=QueueFilters(procedure_id=other.pk)))
    ) == {elsewhere.code}
    assert set(codes(desk_queue(agency_id=agency, filters=QueueFilters(channel="desk")))) == {
        walk_in.code
    }
    assert online.code in codes(desk_queue(agency_id=agency, filters=QueueFilters()))


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("nguyen van an", "an"),  # no accents
        ("NGUYỄN VĂN AN", "an"),
        ("Đặng", "dang"),
        ("dang thi", "dang"),
        ("054095000123", "an"),  # CCCD
        ("0905 111 222", "dang"),  # phone with spaces
        ("+84905111222", "dang"),
    ],
)
def test_search_by_name_without_accents_cccd_and_phone(procedure, query, who):
    people = {
        "an": make(
            procedure,
            received=True,
            applicant_name="Nguyễn Văn An",
            applicant_national_id="054095000123",
            applicant_phone="0905000123",
        ),
        "dang": make(
            procedure,
            received=True,
            applicant_name="Đặng Thị Ánh",
            applicant_national_id="054195000999",
            applicant_phone="0905111222",
        ),
        "other": make(procedure, received=True, applicant_name="Trần Bình"),
    }
    page = desk_queue(agency_id=procedure.agency_id, filters=QueueFilters(query=query))
    assert codes(page) == [people[who].code]


def test_search_by_code_whole_or_part(procedure):
    first = make(procedure, received=True)
    make(procedure, received=True)
    for query in (first.code, first.code.lower(), first.code[-11:]):
        page = desk_queue(agency_id=procedure.agency_id, filters=QueueFilters(query=query))
        assert codes(page) == [first.code], query


def test_keyset_pages_have_no_duplicates_and_miss_nothing(procedure):
    now = timezone.now()
    same_moment = now - timedelta(hours=2)
    made = []
    for index in range(23):
        # Ties on the sort time: the pk breaks them, across page boundaries too.
        submitted = same_moment if index % 3 else now - timedelta(minutes=index)
        made.append(make(procedure, received=True, submitted_at=submitted))
    for index in range(9):
        made.append(
            make(
                procedure,
                processing=True,
                forward_due_at=now + timedelta(minutes=index % 2),
            )
        )
    for page_size in (1, 4, 7, 50):
        seen, pages = all_pages(procedure.agency_id, QueueFilters(), page_size)
        assert len(seen) == len(set(seen)) == len(made)
        assert set(seen) == {d.code for d in made}
        assert pages == -(-len(made) // page_size)
    first = desk_queue(agency_id=procedure.agency_id, filters=QueueFilters(), page_size=10)
    second = desk_queue(
        agency_id=procedure.agency_id,
        filters=QueueFilters(),
        page_size=10,
        after=first.next_cursor,
    )
    # A dossier leaving the queue between two clicks shifts nothing.
    Dossier.objects.filter(code=codes(first)[0]).update(state="withdrawn")
    again = desk_queue(
        agency_id=procedure.agency_id,
        filters=QueueFilters(),
        page_size=10,
        after=first.next_cursor,
    )
    assert codes(again) == codes(second)


def test_a_tampered_cursor_is_the_first_page(procedure):
    make(procedure, received=True)
    assert Cursor.decode("not-a-cursor") is None
    assert Cursor.decode("") is None
    page = desk_queue(agency_id=procedure.agency_id, filters=QueueFilters(), after="%%%")
    assert page.is_first and len(page.rows) == 1


def test_unknown_filter_values_are_ignored():
    filters = QueueFilters.from_query(
        {"trang-thai": "x", "kenh": "fax", "han": "y", "thu-tuc": "abc", "q": " An "}
    )
    assert filters == QueueFilters(query="An")


def test_the_page_with_filters_search_and_next_link(login_staff, django_assert_max_num_queries):
    procedure = ProcedureFactory(level4=True, published=True)
    for _ in range(queue.PAGE_SIZE + 5):
        make(procedure, received=True, applicant_name="Lê Thị Mai")
    desk = staff_user(Role.DESK_OFFICER, agency=procedure.agency)
    client = login_staff(desk)
    client.get(reverse("desk:queue"))  # warm the session and the calendar
    with django_assert_max_num_queries(11):  # 10 + today's appointments (bookings)
        response = client.get(reverse("desk:queue"), {"q": "le thi mai", "kenh": "online"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<tr data-code="') == queue.PAGE_SIZE
    assert 'id="page-next"' in page and "sau=" in page
    second = client.get(
        reverse("desk:queue"),
        {"q": "le thi mai", "kenh": "online", "sau": response.context["page"].next_cursor},
    )
    assert second.content.decode().count('<tr data-code="') == 5
    assert 'id="page-first"' in second.content.decode()


def test_another_agency_sees_none_of_it(login_staff):
    procedure = ProcedureFactory(level4=True, published=True)
    dossier = make(procedure, received=True)
    client = login_staff(staff_user(Role.DESK_OFFICER, agency=AgencyFactory()))
    response = client.get(reverse("desk:queue"), {"q": dossier.code, "trang-thai": "all"})
    assert f'data-code="{dossier.code}"' not in response.content.decode()
    assert 'id="queue-empty"' in response.content.decode()


def test_the_queue_reads_the_partial_index(procedure):
    for _ in range(3):
        make(procedure, received=True)
    filters = QueueFilters()
    dossiers = queue._open_dossiers(procedure.agency_id).filter(
        queue._state_condition(filters.state)
    )
    query = queue._with_urgency(dossiers).order_by("rank", "sort_at", "pk")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A handful of rows would be read sequentially; the plan for millions is the point.
            cursor.execute("SET enable_seqscan = off")
            try:
                plan = query.explain()
            finally:
                cursor.execute("SET enable_seqscan = on")
        assert "dossier_agency_queue" in plan, plan
    else:
        # SQLite (embedded default, no statistics): at least an index by agency, no table scan.
        plan = query.explain()
        assert "USING INDEX" in plan and "SCAN dossiers_dossier" not in plan, plan
