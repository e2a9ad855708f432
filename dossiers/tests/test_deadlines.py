"""The deadline scan: who is warned, when, exactly once (real PostgreSQL, two connections)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from dossiers import deadlines
from dossiers.deadlines import deadline_scan, due_soon_limit
from dossiers.models import DeadlineAlert, Dossier
from dossiers.queue import Moments, due_status
from dossiers.tests.factories import DossierFactory
from portal.models import Notification
from portal.notifications import rendering
from portal.roles import Role
from procedures.tests.factories import ProcedureFactory
from tests.factories import CalendarOverrideFactory, DepartmentFactory, staff_user

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Friday 27 November 2026, 10:00: the weekend lies between now and "two working days later".
FRIDAY = datetime(2026, 11, 27, 10, 0, tzinfo=VN)


@pytest.fixture
def office():
    """An agency with its desk, a department, and the people the scan may warn."""
    procedure = ProcedureFactory(level4=True, published=True)
    agency = procedure.agency
    desk_unit = DepartmentFactory(agency=agency, one_stop_desk=True)
    department = DepartmentFactory(agency=agency)
    other_department = DepartmentFactory(agency=agency)
    people = {
        "desk": staff_user(Role.DESK_OFFICER, agency=agency, department=desk_unit),
        "specialist": staff_user(Role.SPECIALIST, agency=agency, department=department),
        "assignee": staff_user(Role.SPECIALIST, agency=agency, department=department, phone=""),
        "director": staff_user(Role.LEADER, agency=agency, department=None),
        "head": staff_user(Role.LEADER, agency=agency, department=department),
        "other_head": staff_user(Role.LEADER, agency=agency, department=other_department),
        "stranger": staff_user(Role.LEADER),  # another agency
    }
    return {"procedure": procedure, "department": department, **people}


def forwarded(office, *, due, assignee=None, **kwargs):
    return DossierFactory(
        processing=True,
        procedure=office["procedure"],
        department=office["department"],
        forwarded_at=due - timedelta(days=5),
        accepted_at=due - timedelta(days=5),
        forward_due_at=due - timedelta(days=5) + timedelta(hours=2),
        due_at=due,
        appointment_at=due,
        assignee=assignee,
        **kwargs,
    )


def messages_of(user, template=None):
    rows = Notification.objects.filter(user=user)
    if template:
        rows = rows.filter(template=template)
    return sorted(rows.values_list("template", "channel"))


@pytest.mark.django_db
def test_due_soon_counts_working_days_over_the_weekend(office):
    # Two working days after Friday 10:00 is Tuesday 10:00: Saturday and Sunday do not count.
    assert due_soon_limit(FRIDAY) == datetime(2026, 12, 1, 10, 0, tzinfo=VN)
    tuesday = forwarded(office, due=datetime(2026, 12, 1, 9, 0, tzinfo=VN))
    wednesday = forwarded(office, due=datetime(2026, 12, 2, 9, 0, tzinfo=VN))

    report = deadline_scan(now=FRIDAY)

    assert report.alerts["due_soon"] == 1 and report.alerts["overdue"] == 0
    assert DeadlineAlert.objects.get().dossier == tuesday
    assert not wednesday.deadline_alerts.exists()
    # The desk queue calls the same dossiers "due soon": one rule for both.
    moments = Moments.at(FRIDAY)
    assert due_status(tuesday, moments) == "soon" and due_status(wednesday, moments) == ""


@pytest.mark.django_db
def test_a_day_off_pushes_the_horizon(office):
    # Monday is made a day off by the province: Wednesday 09:00 is now within two working days.
    CalendarOverrideFactory(date=datetime(2026, 11, 30).date())
    wednesday = forwarded(office, due=datetime(2026, 12, 2, 9, 0, tzinfo=VN))
    thursday = forwarded(office, due=datetime(2026, 12, 3, 11, 0, tzinfo=VN))

    deadline_scan(now=FRIDAY)

    assert list(DeadlineAlert.objects.values_list("dossier", "kind")) == [
        (wednesday.pk, "due_soon")
    ]
    assert not thursday.deadline_alerts.exists()


@pytest.mark.django_db
def test_once_per_threshold_to_assignee_and_leaders(office):
    due = datetime(2026, 11, 30, 15, 0, tzinfo=VN)
    dossier = forwarded(office, due=due, assignee=office["assignee"])

    first = deadline_scan(now=FRIDAY)
    again = deadline_scan(now=FRIDAY + timedelta(minutes=5))

    assert first.alerts["due_soon"] == 1 and first.staff_notified == 4
    assert again.alerts == {"due_soon": 0, "overdue": 0, "forward_breach": 0}
    # The assignee has no phone: e-mail only; the leaders get e-mail and SMS.
    assert messages_of(office["assignee"]) == [("dossier_due_soon", "email")]
    for leader in ("director", "head", "other_head"):
        assert messages_of(office[leader]) == [
            ("dossier_due_soon", "email"),
            ("dossier_due_soon", "sms"),
        ]
    # Not the other specialist (there is an assignee), not the desk, not another agency.
    for nobody in ("specialist", "stranger", "desk"):
        assert messages_of(office[nobody]) == []

    # Monday 16:00: past due → the overdue warning, once.
    monday = datetime(2026, 11, 30, 16, 0, tzinfo=VN)
    late = deadline_scan(now=monday)
    deadline_scan(now=monday + timedelta(hours=1))
    assert late.alerts["overdue"] == 1
    assert messages_of(office["assignee"]) == [
        ("dossier_due_soon", "email"),
        ("dossier_overdue", "email"),
    ]
    assert len(messages_of(office["director"], "dossier_overdue")) == 2  # e-mail + SMS
    assert dossier.deadline_alerts.count() == 2

    # The messages say what and where: the code, the due time, a link to the page where the
    # department works on the dossier (the desk's page is for desk officers only).
    email = Notification.objects.get(user=office["assignee"], template="dossier_overdue")
    subject, text, html = rendering.render_email(email.template, email.context, "vi")
    assert dossier.code in subject
    assert "15:00 30/11/2026" in text
    page = f"/can-bo/xu-ly/ho-so/{dossier.pk}/"
    assert page in text and page in html
    sms = Notification.objects.get(
        user=office["director"], template="dossier_overdue", channel="sms"
    )
    text = rendering.render_sms(sms.template, sms.context, "vi")
    assert dossier.code in text and rendering.sms_length(text) <= rendering.SMS_SEGMENT


@pytest.mark.django_db
def test_without_assignee_the_department_specialists_are_warned(office):
    forwarded(office, due=datetime(2026, 11, 30, 15, 0, tzinfo=VN))

    deadline_scan(now=FRIDAY)

    for person in ("specialist", "assignee", "director", "head", "other_head"):
        assert messages_of(office[person], "dossier_due_soon"), person
    assert messages_of(office["desk"]) == [] and messages_of(office["stranger"]) == []


@pytest.mark.django_db
def test_not_yet_forwarded_the_desk_is_warned(office):
    due = datetime(2026, 11, 30, 15, 0, tzinfo=VN)
    DossierFactory(
        processing=True,
        procedure=office["procedure"],
        accepted_at=FRIDAY - timedelta(hours=1),
        forward_due_at=FRIDAY + timedelta(hours=3),
        due_at=due,
        appointment_at=due,
    )

    deadline_scan(now=FRIDAY)

    assert messages_of(office["desk"], "dossier_due_soon")
    assert messages_of(office["director"], "dossier_due_soon")
    assert messages_of(office["head"], "dossier_due_soon")
    assert messages_of(office["specialist"]) == [] and messages_of(office["assignee"]) == []


@pytest.mark.django_db
def test_a_moved_deadline_warns_again(office):
    due = datetime(2026, 11, 30, 15, 0, tzinfo=VN)
    dossier = forwarded(office, due=due, assignee=office["assignee"])
    monday = datetime(2026, 11, 30, 16, 0, tzinfo=VN)
    deadline_scan(now=monday)
    assert messages_of(office["assignee"]) == [("dossier_overdue", "email")]

    # An apology gives a new appointment on Wednesday: due soon again, and later overdue again.
    new_appointment = datetime(2026, 12, 2, 10, 0, tzinfo=VN)
    Dossier.objects.filter(pk=dossier.pk).update(appointment_at=new_appointment)
    deadline_scan(now=monday + timedelta(minutes=5))
    deadline_scan(now=monday + timedelta(minutes=10))
    assert messages_of(office["assignee"]) == [
        ("dossier_due_soon", "email"),
        ("dossier_overdue", "email"),
    ]
    deadline_scan(now=new_appointment + timedelta(minutes=1))
    assert messages_of(office["assignee"], "dossier_overdue") == [("dossier_overdue", "email")] * 2

    # A clock pause moves the due time itself: the new time is warned about once more.
    paused = forwarded(office, due=due, assignee=office["specialist"])
    deadline_scan(now=FRIDAY)
    Dossier.objects.filter(pk=paused.pk).update(
        due_at=due + timedelta(hours=1), appointment_at=due + timedelta(hours=1)
    )
    deadline_scan(now=FRIDAY + timedelta(minutes=5))
    assert (
        messages_of(office["specialist"])
        == [("dossier_due_soon", "email")] * 2 + [("dossier_due_soon", "sms")] * 2
    )
    assert paused.deadline_alerts.count() == 2


@pytest.mark.django_db
def test_finished_incomplete_and_unaccepted_dossiers_are_left_alone(office):
    due = datetime(2026, 11, 27, 8, 0, tzinfo=VN)
    for traits in ({"done": True}, {"returned": True}, {"incomplete": True}, {"received": True}):
        DossierFactory(procedure=office["procedure"], due_at=due, appointment_at=due, **traits)

    report = deadline_scan(now=FRIDAY)

    # Finished ones are not even read (the index holds open dossiers only); open ones that
    # are not being processed are read but not warned about.
    assert report.examined == 2
    assert not DeadlineAlert.objects.exists() and not Notification.objects.exists()


@pytest.mark.django_db
def test_forward_breach_warns_desk_and_leaders_once(office):
    dossier = DossierFactory(
        processing=True,
        procedure=office["procedure"],
        accepted_at=FRIDAY - timedelta(hours=6),
        forward_due_at=FRIDAY - timedelta(hours=2),
        due_at=FRIDAY + timedelta(days=20),
    )
    first = deadline_scan(now=FRIDAY)
    deadline_scan(now=FRIDAY + timedelta(minutes=5))

    assert first.alerts["forward_breach"] == 1
    assert messages_of(office["desk"]) == [("forward_breach", "email"), ("forward_breach", "sms")]
    assert messages_of(office["director"], "forward_breach")
    assert messages_of(office["other_head"], "forward_breach")
    for nobody in ("specialist", "assignee", "stranger"):
        assert messages_of(office[nobody]) == [], nobody
    email = Notification.objects.get(user=office["desk"], channel="email")
    _subject, text, _html = rendering.render_email(email.template, email.context, "vi")
    assert dossier.code in text and f"/can-bo/ho-so/{dossier.pk}/" in text
    # Leaders cannot open the desk's page: theirs is the processing page of the agency.
    email = Notification.objects.get(user=office["director"], channel="email")
    _subject, text, _html = rendering.render_email(email.template, email.context, "vi")
    assert f"/can-bo/xu-ly/ho-so/{dossier.pk}/" in text

    # Forwarded (late) afterwards: nothing more to say.
    Dossier.objects.filter(pk=dossier.pk).update(forwarded_at=FRIDAY)
    assert deadline_scan(now=FRIDAY + timedelta(hours=1)).examined == 0


@pytest.mark.django_db
def test_the_scan_reads_in_chunks(office):
    dossiers = [
        forwarded(office, due=datetime(2026, 11, 30, 8, 0, tzinfo=VN) + timedelta(minutes=i))
        for i in range(7)
    ]
    # Two with the same due time: the keyset cursor must not skip or repeat either.
    forwarded(office, due=datetime(2026, 11, 30, 8, 3, tzinfo=VN))

    with CaptureQueriesContext(connection) as queries:
        report = deadline_scan(now=FRIDAY, chunk_size=3)

    assert report.chunks == 3 and report.examined == 8
    assert report.alerts["due_soon"] == 8
    assert DeadlineAlert.objects.count() == 8
    assert {d.pk for d in dossiers} <= set(DeadlineAlert.objects.values_list("dossier", flat=True))
    reads = [q["sql"] for q in queries if 'FROM "dossiers_dossier"' in q["sql"]]
    assert all("LIMIT 3" in sql for sql in reads), reads


@pytest.mark.django_db
def test_the_scan_query_uses_the_partial_index_on_open_dossiers(office):
    """20,000 finished dossiers and a few open ones: the plan reads only the open ones."""
    template = DossierFactory(done=True, procedure=office["procedure"], due_at=FRIDAY)
    for i in range(5):
        forwarded(office, due=FRIDAY + timedelta(hours=i))
    table = Dossier._meta.db_table
    columns = [f.column for f in Dossier._meta.concrete_fields if f.column not in ("id", "code")]
    column_list = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} ({column_list}, "code") '
            f"SELECT {column_list}, %s || g FROM {table}, generate_series(1, 20000) g "
            "WHERE id = %s",
            ["DONE-", template.pk],
        )
        cursor.execute(f"ANALYZE {table}")
        soon = due_soon_limit(FRIDAY)
        for queryset in (
            deadlines.due_candidates(soon=soon).order_by("due_at", "pk")[:500],
            deadlines.forward_breach_candidates(now=FRIDAY).order_by("forward_due_at", "pk")[:500],
        ):
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "dossier_open_due" in plan or "dossier_forward_due" in plan, plan
            assert "Seq Scan" not in plan, plan


# --- Two passes at once ------------------------------------------------------------------------


def run_together(functions):
    barrier = threading.Barrier(len(functions))
    results: list[object] = [None] * len(functions)

    def worker(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # reported by the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _concurrent_office():
    procedure = ProcedureFactory(level4=True, published=True)
    department = DepartmentFactory(agency=procedure.agency)
    desk_unit = DepartmentFactory(agency=procedure.agency, one_stop_desk=True)
    people = [
        staff_user(Role.SPECIALIST, agency=procedure.agency, department=department),
        staff_user(Role.SPECIALIST, agency=procedure.agency, department=department),
        staff_user(Role.LEADER, agency=procedure.agency, department=None),
        staff_user(Role.DESK_OFFICER, agency=procedure.agency, department=desk_unit),
    ]
    office = {"procedure": procedure, "department": department}
    for i in range(30):  # due soon
        forwarded(office, due=datetime(2026, 11, 30, 8, 0, tzinfo=VN) + timedelta(minutes=i))
    for i in range(30):  # overdue
        forwarded(office, due=FRIDAY - timedelta(hours=1, minutes=i))
    for i in range(5):  # not forwarded in time
        DossierFactory(
            processing=True,
            procedure=procedure,
            accepted_at=FRIDAY - timedelta(hours=6),
            forward_due_at=FRIDAY - timedelta(hours=2, minutes=i),
            due_at=FRIDAY + timedelta(days=20),
        )
    return people


def _expected(people):
    specialist_a, specialist_b, leader, desk = people
    return {
        specialist_a.pk: {"dossier_due_soon": 60, "dossier_overdue": 60},  # e-mail + SMS each
        specialist_b.pk: {"dossier_due_soon": 60, "dossier_overdue": 60},
        leader.pk: {"dossier_due_soon": 60, "dossier_overdue": 60, "forward_breach": 10},
        desk.pk: {"forward_breach": 10},
    }


def _received(people):
    counts: dict[int, dict[str, int]] = {}
    for user_id, template in Notification.objects.values_list("user", "template"):
        counts.setdefault(user_id, {}).setdefault(template, 0)
        counts[user_id][template] += 1
    return counts


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_passes_send_each_message_once():
    people = _concurrent_office()

    results = run_together([lambda: deadline_scan(now=FRIDAY, chunk_size=7) for _ in range(2)])

    assert all(isinstance(r, deadlines.ScanReport) for r in results), results
    assert sum(r.alerts["due_soon"] for r in results) == 30  # type: ignore[union-attr]
    assert sum(r.alerts["overdue"] for r in results) == 30  # type: ignore[union-attr]
    assert sum(r.alerts["forward_breach"] for r in results) == 5  # type: ignore[union-attr]
    assert _received(people) == _expected(people)
    # Sent for real (eager tasks after commit): one e-mail per message row, none twice.
    assert len(mail.outbox) == Notification.objects.filter(channel="email").count()
    assert len({(m.to[0], m.subject) for m in mail.outbox}) == len(mail.outbox)


@pytest.mark.django_db(transaction=True)
def test_without_the_lock_the_unique_keys_still_send_once(monkeypatch):
    """Even if two passes both worked (the lock lost), nobody gets a message twice."""
    people = _concurrent_office()
    from contextlib import contextmanager

    @contextmanager
    def always():
        yield True

    monkeypatch.setattr(deadlines, "_exclusive", always)
    results = run_together([lambda: deadline_scan(now=FRIDAY, chunk_size=7) for _ in range(3)])

    assert all(isinstance(r, deadlines.ScanReport) for r in results), results
    assert DeadlineAlert.objects.count() == 65
    assert _received(people) == _expected(people)


@pytest.mark.django_db(transaction=True)
def test_a_pass_skips_while_another_holds_the_lock():
    people = _concurrent_office()
    holding = threading.Event()
    release = threading.Event()

    def hold():
        with deadlines._exclusive() as acquired:
            holding.set()
            release.wait(30)
        connections.close_all()
        return acquired

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(30)
    try:
        report = deadline_scan(now=FRIDAY)
    finally:
        release.set()
        holder.join(30)

    assert report.skipped and not Notification.objects.exists()
    # Once the other pass is gone, the next one does the work.
    assert deadline_scan(now=FRIDAY).alerts["overdue"] == 30
    assert _received(people) == _expected(people)


@pytest.mark.django_db
def test_bench_command_measures_the_queries_and_both_passes(office):
    import json
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    now = timezone.now()
    for hours in (-5, -1, 2):
        forwarded(office, due=now + timedelta(hours=hours))
    out = StringIO()

    call_command("bench_deadline_scan", chunk=2, json=True, stdout=out)

    result = json.loads(out.getvalue().splitlines()[-1])
    assert result["cold_pass"]["alerts"]["overdue"] == 2
    assert result["cold_pass"]["alerts"]["due_soon"] == 1
    assert result["warm_pass"]["alerts"] == {"due_soon": 0, "overdue": 0, "forward_breach": 0}
    assert result["outbox_rows"] > 0 and result["query"]["due"]["execution_ms"] is not None
    # It leaves nothing behind: the next run is cold again.
    assert not DeadlineAlert.objects.exists()
    assert not Notification.objects.filter(dedupe_key__startswith="deadline:").exists()
