"""The Decision 766 service index: one month of one agency counted by hand, periods, ranking."""

from datetime import date
from decimal import Decimal

import pytest

from opendata import service_index as si
from reporting import periods
from reporting.figures import AGENCY, SECTOR, Scope
from reporting.rollup import rollup_rebuild
from reporting.tests.data import at

pytestmark = pytest.mark.django_db
MARCH = si.period_of(si.MONTH, 2026, 3, periods.CALENDAR)


EXPECTED_A = {
    # key: (numerator, denominator, points)
    "1.3": (2, 3, "2.67"),  # P1 and P4 have all their parts, P3 has no documents
    "2.1": (2, 3, "13.33"),  # d1 early, d3 on time, d2 late
    "4.1": (2, 3, "2.67"),  # P1 (level 4) and P3 (level 3) of three
    "4.2": (1, 2, "2.00"),  # P1 received online dossiers, P3 none
    "4.3": (2, 4, "2.00"),  # d1, d2 online of d1–d4 (level 3–4 procedures)
    "4.4": (2, 3, "6.67"),  # d1, d2 online; d3 in cash
    "5.1": (1, 3, "2.00"),
    "5.2": (1, 3, "2.00"),  # one late, one "not resolved"
    "5.3": (3, 4, "4.50"),  # d1–d3 done, d4 returned; d2 rated 1 star
}


def test_one_agencys_month_matches_the_hand_count(march):
    index = si.service_index(period=MARCH, scope=Scope(kind=AGENCY, agency_id=march["A"].pk))
    by_key = {i.key: i for i in index.indicators}
    for key, (part, whole, points) in EXPECTED_A.items():
        indicator = by_key[key]
        assert (indicator.part, indicator.whole, str(indicator.points)) == (part, whole, points), (
            key
        )
    for key in ("1.1", "1.2", "3.1", "1.4"):  # data held elsewhere, sync not configured
        assert by_key[key].measured is False and by_key[key].points is None
        assert by_key[key].reason
        assert by_key[key].as_dict()["points"] is None  # "not measured", never 0
    assert index.points == Decimal("37.84")
    assert index.scored_weight == 64
    assert index.score == "59.1"  # 37.84 of the 64 points measured


def test_the_rollup_gives_the_same_index(march):
    scope = Scope(kind=AGENCY, agency_id=march["A"].pk)
    before = si.service_index(period=MARCH, scope=scope).as_dict()
    rollup_rebuild(until=at("2026-12-01 00:00"))
    from django.core.cache import cache

    cache.clear()
    assert si.service_index(period=MARCH, scope=scope).as_dict() == before


def test_the_province_adds_up_its_agencies_and_the_ranking_orders_them(march):
    province = si.service_index(period=MARCH, scope=Scope())
    on_time = next(i for i in province.indicators if i.key == "2.1")
    assert (on_time.part, on_time.whole) == (3, 4)  # B's one dossier on time too
    ranking = si.agency_ranking(period=MARCH)
    assert [line["code"] for line in ranking] == ["000.00.02.H45", "000.00.01.H45"]
    assert ranking[1]["score"] == "59.1" and ranking[0]["position"] == 1


def test_feedback_is_not_measured_for_a_sector(march):
    sector = march["A"].procedures.first().sector
    index = si.service_index(period=MARCH, scope=Scope(kind=SECTOR, sector_id=sector.pk))
    by_key = {i.key: i for i in index.indicators}
    assert by_key["5.1"].measured is False and by_key["5.3"].measured is True


def test_a_month_without_dossiers_scores_nothing_rather_than_zero(march):
    index = si.service_index(
        period=si.period_of(si.MONTH, 2025, 1, periods.CALENDAR),
        scope=Scope(kind=AGENCY, agency_id=march["A"].pk),
    )
    assert next(i for i in index.indicators if i.key == "2.1").points is None


@pytest.mark.parametrize(
    ("kind", "number", "convention", "start", "end"),
    [
        (si.MONTH, 3, periods.CALENDAR, date(2026, 3, 1), date(2026, 3, 31)),
        (si.MONTH, 1, periods.DECREE_09, date(2025, 12, 15), date(2026, 1, 14)),
        (si.MONTH, 12, periods.CALENDAR, date(2026, 12, 1), date(2026, 12, 31)),
        (si.QUARTER, 1, periods.DECREE_09, date(2025, 12, 15), date(2026, 3, 14)),
        (si.QUARTER, 4, periods.CALENDAR, date(2026, 10, 1), date(2026, 12, 31)),
        (si.HALF, 1, periods.DECREE_09, date(2025, 12, 15), date(2026, 6, 14)),
        (si.YEAR, 1, periods.DECREE_09, date(2025, 12, 15), date(2026, 12, 14)),
    ],
)
def test_periods_follow_the_report_cut_offs(kind, number, convention, start, end):
    period = si.period_of(kind, 2026, number, convention)
    assert (period.start, period.end) == (start, end)


def test_the_trend_lists_months_oldest_first(march):
    trend = si.monthly_trend(
        scope=Scope(kind=AGENCY, agency_id=march["A"].pk), months=3, today=date(2026, 4, 10)
    )
    assert [line["label"] for line in trend] == ["Tháng 2/2026", "Tháng 3/2026", "Tháng 4/2026"]
    assert trend[1]["score"] == "59.1"
    # February: no dossier settled, so no on-time rate (the catalogue indicators still count).
    assert trend[0]["on_time_rate"] is None and trend[0]["score"] is not None
