"""The half-month rollup gives exactly the figures of counting every dossier, faster."""

import json
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from dossiers.models import Dossier
from procedures.tests.factories import ProcedureFactory
from reporting import periods, rollup
from reporting.figures import AGENCY, SECTOR, Scope, dossier_figures
from reporting.models import DossierRollup, RollupHorizon
from reporting.tasks import refresh_report_rollup
from reporting.tests.data import H1_2026, at
from tests.factories import AgencyFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


def scopes(world):
    return [
        Scope(),
        Scope(kind=AGENCY, agency_id=world["A"].pk),
        Scope(kind=AGENCY, agency_id=world["B"].pk),
        Scope(kind=SECTOR, sector_id=world["S2"].pk),
    ]


def test_buckets_are_half_months():
    assert rollup.bucket_of(date(2026, 6, 14)) + 1 == rollup.bucket_of(date(2026, 6, 15))
    assert rollup.bucket_of(date(2026, 6, 30)) + 1 == rollup.bucket_of(date(2026, 7, 1))
    assert rollup.bucket_of(date(2025, 12, 31)) + 1 == rollup.bucket_of(date(2026, 1, 1))
    assert rollup.bucket_of(date(2026, 6, 1)) == rollup.bucket_of(date(2026, 6, 14))


@pytest.mark.parametrize(
    "horizon",
    ["2025-12-01 00:00", "2026-01-10 00:00", "2026-03-04 00:00", "2026-06-15 00:00", "now"],
)
def test_same_figures_as_counting_every_dossier_whatever_the_horizon(dataset, world, horizon):
    until = timezone.now() if horizon == "now" else at(horizon)
    rollup.rollup_rebuild(until=until)
    for scope in scopes(world):
        assert dossier_figures(H1_2026, scope) == dossier_figures(
            H1_2026, scope, use_rollup=False
        ), scope


def test_reports_read_the_rollup_for_settled_dossiers(dataset, world):
    rollup.rollup_rebuild(until=at("2026-06-15 00:00"))
    before = dossier_figures(H1_2026, Scope())["totals"]
    # Change a settled dossier behind the rollup's back: the rollup keeps what it counted,
    # counting every dossier sees the change. (Settled dossiers never change in real use.)
    returned = Dossier.objects.get(state=Dossier.State.RETURNED)
    Dossier.objects.filter(pk=returned.pk).update(state=Dossier.State.WITHDRAWN)
    assert dossier_figures(H1_2026, Scope())["totals"] == before
    raw = dossier_figures(H1_2026, Scope(), use_rollup=False)["totals"]
    assert (raw["returned"], raw["withdrawn"]) == (before["returned"] - 1, before["withdrawn"] + 1)


def test_a_period_off_the_half_month_boundaries_counts_every_dossier(dataset):
    rollup.rollup_rebuild(until=at("2026-06-15 00:00"))
    period = periods.custom(date(2026, 1, 3), date(2026, 6, 10))
    assert rollup.usable_horizon(period.start, period.end) is None
    returned = Dossier.objects.get(state=Dossier.State.RETURNED)
    Dossier.objects.filter(pk=returned.pk).update(state=Dossier.State.WITHDRAWN)
    assert dossier_figures(period, Scope()) == dossier_figures(period, Scope(), use_rollup=False)


def test_refresh_counts_only_what_settled_since_and_is_idempotent(dataset, world):
    first = rollup.rollup_refresh(until=at("2026-03-01 00:00"))
    assert first.previous is None and first.rows > 0
    rows = DossierRollup.objects.count()
    # Nothing new before the same horizon: a second beat (or a retry) adds nothing.
    assert rollup.rollup_refresh(until=at("2026-03-01 00:00")).rows == 0
    assert rollup.rollup_refresh(until=at("2026-02-01 00:00")).rows == 0
    assert DossierRollup.objects.count() == rows
    # An open dossier settles after the first horizon: the next refresh counts it, once.
    open_one = Dossier.objects.get(state=Dossier.State.INCOMPLETE)
    Dossier.objects.filter(pk=open_one.pk).update(
        state=Dossier.State.WITHDRAWN, finished_at=at("2026-05-20 10:00")
    )
    second = rollup.rollup_refresh(until=at("2026-06-15 00:00"))
    assert second.previous == at("2026-03-01 00:00") and second.rows > 0
    assert RollupHorizon.objects.get().horizon == at("2026-06-15 00:00")
    withdrawn_rows = DossierRollup.objects.filter(withdrawn__gt=0, horizon=at("2026-06-15 00:00"))
    assert sum(withdrawn_rows.values_list("withdrawn", flat=True)) == 2  # April's and May's
    for scope in scopes(world):
        assert dossier_figures(H1_2026, scope) == dossier_figures(H1_2026, scope, use_rollup=False)
    assert dossier_figures(H1_2026, Scope())["totals"]["withdrawn"] == 2


# generate_dossiers writes through other connections: the catalogue must be committed.
@pytest.mark.django_db(transaction=True)
def test_generated_dossiers_same_figures_for_every_standard_period():
    """Thousands of generated dossiers (pauses, apologies, late ones, every state): the rollup
    and counting every dossier agree on every cell, for half-years and years, both
    conventions, every scope."""
    agencies = [AgencyFactory(), AgencyFactory()]
    for agency in agencies:
        DepartmentFactory(agency=agency)
        ProcedureFactory(agency=agency, published=True)
        ProcedureFactory(agency=agency, level4=True, published=True)
    call_command("generate_dossiers", count=3000, seed=9, days=500, stdout=StringIO())
    rollup.rollup_rebuild(until=rollup.default_horizon() - timedelta(days=20))
    today = timezone.localdate()
    checked = []
    for convention in (periods.DECREE_09, periods.CALENDAR):
        for year in (today.year - 1, today.year):
            for part in (periods.FIRST_HALF, periods.SECOND_HALF, periods.WHOLE_YEAR):
                period = periods.period_for(year, part, convention)
                assert rollup.usable_horizon(period.start, period.end) is not None
                for scope in [Scope(), *(Scope(kind=AGENCY, agency_id=a.pk) for a in agencies)]:
                    assert dossier_figures(period, scope) == dossier_figures(
                        period, scope, use_rollup=False
                    ), (period, scope)
                checked.append(dossier_figures(period, Scope())["totals"])
    assert sum(totals["processed_late"] for totals in checked) > 0
    assert sum(totals["in_progress_overdue"] for totals in checked) > 0


def test_the_beat_refreshes_the_rollup_daily(dataset):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("rollup"))
    assert entry["task"] == "reporting.tasks.refresh_report_rollup"
    result = refresh_report_rollup.apply().get()
    assert result["horizon"] == rollup.default_horizon().isoformat()
    assert DossierRollup.objects.exists()
    # The second run of the day finds nothing to add.
    assert refresh_report_rollup.apply().get()["rows"] == 0


def test_rebuild_command_starts_over(dataset):
    rollup.rollup_refresh(until=at("2026-03-01 00:00"))
    out = StringIO()
    call_command("rebuild_report_rollup", stdout=out)
    assert RollupHorizon.objects.get().horizon == rollup.default_horizon()
    assert "rows" in out.getvalue()
    assert dossier_figures(H1_2026, Scope()) == dossier_figures(H1_2026, Scope(), use_rollup=False)


def test_bench_report_times_both_ways_after_checking_they_agree(dataset):
    out = StringIO()
    call_command("bench_report", year=2026, half=1, runs=1, json=True, stdout=out)
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["received_in_period"] == dossier_figures(H1_2026, Scope())["totals"]["received"]
    assert result["median_ms"] > 0 and result["rollup_median_ms"] > 0
    assert result["rollup_rows"] == DossierRollup.objects.count() > 0
    assert result["rollup_rebuild_ms"] is not None  # there was no rollup yet
    assert RollupHorizon.objects.get().horizon == rollup.default_horizon()
