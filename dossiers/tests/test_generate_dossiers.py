"""generate_dossiers: realistic, unique codes, dates from the calendar, sequences kept up."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from dossiers import codes
from dossiers.management.commands import generate_dossiers
from dossiers.models import Apology, ClockPause, Dossier, DossierCodeSequence, DossierEvent, Handoff
from feedback.models import Feedback, FeedbackCodeSequence, Rating
from payments.models import Payment, ReceiptSequence
from portal import workdays
from portal.models import User
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory
from reporting.figures import Scope, dossier_figures
from reporting.periods import custom
from reporting.services import _other_sections
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
        ProcedureFactory(agency=agency, level4=True, fees=1, published=True)
        ProcedureFactory(agency=agency, same_day=True, published=True)
        ProcedureFactory(agency=agency, fees=2, fee_due="result", published=True)
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
    # Nothing happens in the future.
    now = timezone.now()
    for field in ("submitted_at", "accepted_at", "forwarded_at", "finished_at", "delivered_at"):
        assert not dossiers.filter(**{f"{field}__gt": now}).exists(), field
    assert not DossierEvent.objects.filter(created_at__gt=now).exists()
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


def test_due_times_are_the_calendar_rule(catalogue):
    """The generator's fast working-day arithmetic gives what a real acceptance would."""
    call_command("generate_dossiers", count=1500, batch=500, seed=11, days=200, stdout=StringIO())
    moved = set(ClockPause.objects.values_list("dossier", flat=True))
    accepted = (
        Dossier.objects.filter(accepted_at__isnull=False)
        .exclude(pk__in=moved)
        .select_related("procedure_version")
    )
    assert accepted.count() > 1000
    for dossier in accepted:
        expected = procedure_services.due_at(
            dossier.procedure_version.data,
            received_at=dossier.accepted_at,
            online=dossier.channel == "online",
        )
        assert dossier.due_at == expected, dossier.code


def test_generated_records_cover_what_a_report_counts(catalogue):
    call_command("generate_dossiers", count=6000, batch=2000, seed=5, days=300, stdout=StringIO())
    now = timezone.now()

    # Clock pauses: closed, the due time and appointment moved by the paused working days.
    pauses = ClockPause.objects.select_related("dossier")
    assert pauses.count() > 50
    for pause in pauses:
        dossier = pause.dossier
        assert dossier.forwarded_at < pause.started_at < pause.ended_at < dossier.finished_at
        days = int(pause.working_hours / workdays.working_hours_per_day())
        assert pause.due_after == workdays.add_working_days(pause.due_before, days)
        assert dossier.due_at == pause.due_after
        kinds = list(dossier.events.order_by("created_at", "pk").values_list("kind", flat=True))
        assert (
            kinds.index("supplement_requested")
            < kinds.index("resumed")
            < kinds.index("completed" if dossier.state == "done" else "rejected")
        )

    # Hand-offs: sent after forwarding, handed back before the result; some late.
    handoffs = Handoff.objects.select_related("dossier")
    assert handoffs.count() > 50
    for handoff in handoffs:
        assert handoff.dossier.forwarded_at < handoff.sent_at < handoff.returned_at
        assert handoff.returned_at < handoff.dossier.finished_at
        assert handoff.to_agency_id != handoff.from_agency_id
    results = Counter(h.result_at(now) for h in handoffs)
    assert results["late"] and results["on_time"] + results["early"] > results["late"]

    # Apologies: only for late results, approved, the appointment moved past the due time.
    apologies = Apology.objects.select_related("dossier")
    assert apologies.count() > 20
    for apology in apologies:
        dossier = apology.dossier
        assert apology.status == "approved" and dossier.finished_at > dossier.due_at
        assert dossier.appointment_at == apology.new_appointment_at > dossier.due_at
        assert apology.previous_appointment_at == dossier.due_at

    # Fees: paid when the step needed it, refunded when rejected, receipts numbered per agency.
    payments = Payment.objects.select_related("dossier")
    assert payments.filter(state="paid").count() > 500
    assert payments.filter(state="refunded").exists()
    for payment in payments.filter(due="submission")[:300]:
        assert payment.dossier.submitted_at < payment.paid_at < payment.dossier.accepted_at
    for payment in payments.filter(due="result")[:300]:
        assert payment.dossier.state == "done"
        assert payment.paid_at < payment.dossier.delivered_at
    assert (
        not payments.filter(dossier__state="returned")
        .exclude(state="refunded")
        .filter(refunded_at__isnull=True, dossier__finished_at__lt=now - timedelta(days=6))
        .exists()
    )
    per_agency = Counter(payments.values_list("agency", "receipt_number"))
    assert max(per_agency.values()) == 1
    for sequence in ReceiptSequence.objects.all():
        numbers = payments.filter(
            agency=sequence.agency_id, receipt_number__startswith=f"{sequence.year}-"
        ).values_list("receipt_number", flat=True)
        assert sequence.last_number == max(int(n.split("-")[1]) for n in numbers)
    online = payments.filter(method="online")
    assert online.exists() and not online.filter(txn_ref__isnull=True).exists()

    # Feedback: numbered per day, answered on time or late, due 3 working days after receipt.
    feedback = Feedback.objects.all()
    assert feedback.count() > 20
    assert feedback.values("code").distinct().count() == feedback.count()
    for item in feedback:
        assert item.due_at == workdays.add_working_days(item.received_at, 3)
        if item.answered_at:
            assert item.state == "answered" and item.answer
    # Counters raised to the highest number used, so real feedback never meets a generated one.
    for sequence in FeedbackCodeSequence.objects.all():
        numbers = feedback.filter(code__startswith=f"PAKN-{sequence.day:%y%m%d}-").values_list(
            "code", flat=True
        )
        assert sequence.last_number == max(int(code.rsplit("-", 1)[1]) for code in numbers)

    # Ratings: once per delivered result, after delivery.
    ratings = Rating.objects.select_related("dossier")
    assert ratings.count() > 300
    for rating in ratings[:300]:
        assert rating.dossier.delivered_at < rating.created_at < now
        assert rating.agency_id == rating.dossier.agency_id
    assert set(ratings.values_list("stars", flat=True)) >= {3, 4, 5}

    # Nobody can sign in as the people named on these rows.
    generated = User.objects.filter(username__startswith="gen-")
    assert generated.exists() and not generated.filter(is_active=True).exists()

    # A report over the whole span finds every section filled.
    period = custom(timezone.localdate(now) - timedelta(days=400), timezone.localdate(now))
    figures = dossier_figures(period, Scope())["totals"]
    assert figures["received"] == 6000 and figures["processed_late"] > 0
    sections = {s["title"]: dict(s["rows"]) for s in _other_sections(period, Scope())["sections"]}
    assert all(any(value for value in rows.values()) for rows in sections.values())


def test_a_failing_generator_process_stops_the_run_with_its_reason():
    # No published procedure: every process fails at its start, the command says why.
    with pytest.raises(CommandError, match="No published procedure"):
        call_command("generate_dossiers", count=400, batch=100, workers=2, stdout=StringIO())
    assert not Dossier.objects.exists()


GENERATED_TABLES = ["dossiers_dossier", "dossiers_dossierevent", "payments_payment"]


def _index_definitions():
    """Each index of the generated tables: its table, key and included columns, uniqueness
    and whether it is partial (PostgreSQL may spell a rebuilt predicate differently)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indrelid::regclass::text, i.indkey::text, i.indnkeyatts, "
            "i.indisunique, i.indpred IS NOT NULL FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid::regclass::text = ANY(%s)",
            [GENERATED_TABLES],
        )
        return {name: tuple(rest) for name, *rest in cursor.fetchall()}


def _uses_index(sql, index):
    # No VACUUM here: generate_dossiers leaves the tables vacuumed and analysed itself.
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return index in " ".join(row[0] for row in cursor.fetchall())


OPEN_REPORT_QUERY = (
    "SELECT agency_id, count(state) FROM dossiers_dossier "
    "WHERE state IN ('received', 'incomplete', 'processing') AND submitted_at < now() "
    "GROUP BY agency_id"
)


def test_drop_indexes_loads_without_them_and_builds_the_same_again(catalogue):
    before = _index_definitions()
    assert "dossier_open_due" in before and "payment_agency_paid" in before
    out = StringIO()
    call_command(
        "generate_dossiers", count=600, batch=200, seed=2, days=60, drop_indexes=True, stdout=out
    )
    assert "indexes dropped for the load" in out.getvalue()
    assert "index dossier_open_due built" in out.getvalue()
    assert _index_definitions() == before
    assert Dossier.objects.count() == 600
    # The rebuilt partial index still serves the queries written for it.
    assert _uses_index(OPEN_REPORT_QUERY, "dossier_open_report")


def test_indexes_a_killed_run_left_unbuilt_are_built_by_the_next_run(catalogue):
    before = _index_definitions()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'dossier_open_due'")
        definition = cursor.fetchone()[0]
    # What a run killed during its load leaves: the definition saved, the index gone.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE generate_dossiers_dropped_index (name text PRIMARY KEY, definition text)"
        )
        cursor.execute(
            "INSERT INTO generate_dossiers_dropped_index VALUES (%s, %s)",
            ["dossier_open_due", definition],
        )
        cursor.execute("DROP INDEX dossier_open_due")
    assert "dossier_open_due" not in _index_definitions()
    call_command("generate_dossiers", count=50, seed=3, days=60, stdout=StringIO())
    assert _index_definitions() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('generate_dossiers_dropped_index')")
        assert cursor.fetchone()[0] is None


def _dropped_for_the_load(**options):
    out = StringIO()
    call_command("generate_dossiers", seed=4, days=60, stdout=out, **options)
    return "indexes dropped for the load" in out.getvalue()


def test_a_big_load_into_a_smaller_table_goes_in_without_the_indexes(catalogue, monkeypatch):
    monkeypatch.setattr(generate_dossiers, "DROP_INDEXES_FROM", 300)
    assert not _dropped_for_the_load(count=299)  # small load
    assert _dropped_for_the_load(count=400)  # 400 dossiers into a table of 299
    assert not _dropped_for_the_load(count=400, keep_indexes=True)
    assert not _dropped_for_the_load(count=300)  # into a table of 1,099: bigger than the load
    assert Dossier.objects.count() == 1399


def test_generated_tables_are_left_vacuumed_for_index_only_scans(catalogue):
    call_command("generate_dossiers", count=2000, seed=5, days=60, stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'dossiers_dossier'"
        )
        pages, all_visible = cursor.fetchone()
        assert pages > 0 and all_visible == pages
        cursor.execute(
            "EXPLAIN (ANALYZE, FORMAT JSON) SELECT finished_at, state, agency_id "
            "FROM dossiers_dossier WHERE finished_at >= now() - interval '30 days'"
        )
        plan = cursor.fetchone()[0][0]["Plan"]
    # The report's covering index answers from the index alone: no visit to the table.
    assert plan["Node Type"] == "Index Only Scan", plan
    assert plan["Heap Fetches"] == 0
