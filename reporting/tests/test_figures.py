"""Every cell of a six-monthly report on a small dataset whose figures are counted by hand.

Period: first half of 2026 under Decree 09/2019, i.e. 15/12/2025 00:00 to 14/06/2026 23:59:59
(Asia/Ho_Chi_Minh). Agency A handles P1 (sector S1, level 4) and P3 (S2, level 3); agency B
handles P2 (S2, level 3).
"""

from datetime import date

import pytest

from dossiers.models import Dossier
from procedures.tests.factories import ProcedureFactory
from reporting import periods
from reporting.figures import AGENCY, SECTOR, Scope, dossier_figures
from reporting.tests.data import H1_2026, at, dossier

pytestmark = pytest.mark.django_db


def cells(line, *names):
    return {name: line[name] for name in names}


ALL = (
    "carried_over",
    "received",
    "received_online",
    "received_desk",
    "received_post",
    "processed",
    "processed_early",
    "processed_on_time",
    "processed_late",
    "returned",
    "withdrawn",
    "in_progress",
    "in_progress_within",
    "in_progress_overdue",
    "on_time_rate",
    "online_share",
)


def test_the_decree_09_first_half_runs_from_15_december_to_14_june():
    assert (H1_2026.start, H1_2026.end) == (date(2025, 12, 15), date(2026, 6, 14))
    assert H1_2026.ends_before == at("2026-06-15 00:00")


def test_province_totals_cell_by_cell(dataset):
    figures = dossier_figures(H1_2026, Scope())
    assert cells(figures["totals"], *ALL) == {
        "carried_over": 2,
        "received": 7,
        "received_online": 4,
        "received_desk": 2,
        "received_post": 1,
        "processed": 3,
        "processed_early": 1,
        "processed_on_time": 1,
        "processed_late": 1,
        "returned": 1,
        "withdrawn": 1,
        "in_progress": 4,
        "in_progress_within": 2,
        "in_progress_overdue": 2,
        "on_time_rate": "66.7",
        "online_share": "57.1",
    }


def test_by_agency_cell_by_cell(dataset):
    lines = {line["code"]: line for line in dossier_figures(H1_2026, Scope())["by_agency"]}
    assert cells(lines["000.00.01.H45"], *ALL) == {
        "carried_over": 2,
        "received": 3,
        "received_online": 3,
        "received_desk": 0,
        "received_post": 0,
        "processed": 1,
        "processed_early": 1,
        "processed_on_time": 0,
        "processed_late": 0,
        "returned": 1,
        "withdrawn": 0,
        "in_progress": 3,
        "in_progress_within": 1,
        "in_progress_overdue": 2,
        "on_time_rate": "100.0",
        "online_share": "100.0",
    }
    assert cells(lines["000.00.02.H45"], *ALL) == {
        "carried_over": 0,
        "received": 4,
        "received_online": 1,
        "received_desk": 2,
        "received_post": 1,
        "processed": 2,
        "processed_early": 0,
        "processed_on_time": 1,
        "processed_late": 1,
        "returned": 0,
        "withdrawn": 1,
        "in_progress": 1,
        "in_progress_within": 1,
        "in_progress_overdue": 0,
        "on_time_rate": "50.0",
        "online_share": "25.0",
    }


def test_by_sector_and_by_procedure(dataset):
    figures = dossier_figures(H1_2026, Scope())
    sectors = {line["code"]: line for line in figures["by_sector"]}
    assert cells(
        sectors["LV-HT"],
        "carried_over",
        "received",
        "processed",
        "in_progress",
        "in_progress_overdue",
    ) == {
        "carried_over": 2,
        "received": 1,
        "processed": 1,
        "in_progress": 2,
        "in_progress_overdue": 1,
    }
    assert cells(
        sectors["LV-XD"], "received", "processed", "returned", "withdrawn", "in_progress"
    ) == {
        "received": 6,
        "processed": 2,
        "returned": 1,
        "withdrawn": 1,
        "in_progress": 2,
    }
    procedures = {line["code"]: line for line in figures["by_procedure"]}
    assert set(procedures) == {"1.000001", "1.000002", "1.000003"}
    assert cells(
        procedures["1.000003"], "received", "returned", "in_progress_overdue", "level"
    ) == {
        "received": 2,
        "returned": 1,
        "in_progress_overdue": 1,
        "level": 3,
    }


def test_online_service_figures_per_level(dataset):
    online = {line["level"]: line for line in dossier_figures(H1_2026, Scope())["online"]}
    assert cells(online[4], "procedures", "received", "received_online", "online_share") == {
        "procedures": 1,
        "received": 1,
        "received_online": 1,
        "online_share": "100.0",
    }
    assert cells(online[3], "procedures", "received", "received_online", "online_share") == {
        "procedures": 2,
        "received": 6,
        "received_online": 3,
        "online_share": "50.0",
    }
    assert online[1]["received"] == 0 and online[1]["online_share"] is None


def test_every_dossier_is_in_exactly_one_box(dataset):
    for line in [dossier_figures(H1_2026, Scope())["totals"]]:
        assert line["carried_over"] + line["received"] == (
            line["processed"] + line["returned"] + line["withdrawn"] + line["in_progress"]
        )


def test_agency_and_sector_scopes_see_only_their_dossiers(dataset):
    agency = dossier_figures(H1_2026, Scope(AGENCY, agency_id=dataset["B"].pk))
    assert [line["code"] for line in agency["by_agency"]] == ["000.00.02.H45"]
    assert agency["totals"]["received"] == 4
    sector = dossier_figures(H1_2026, Scope(SECTOR, sector_id=dataset["S1"].pk))
    assert sector["totals"]["received"] == 1 and sector["totals"]["carried_over"] == 2


def test_the_boundary_minute_moves_a_dossier_to_the_next_half(dataset):
    h2 = periods.half_year(2026, 2, periods.DECREE_09)
    figures = dossier_figures(h2, Scope())
    # #5 (15/06 00:00) is received in the second half; #4 (14/06 23:59) is carried over into it.
    assert figures["totals"]["received"] == 1
    assert figures["totals"]["carried_over"] == 4  # #2, #4, #10, #12 were open on 15/06


def test_an_apology_does_not_move_the_statistics(dataset, world):
    late = Dossier.objects.get(due_at=at("2026-02-10 10:00"))
    late.appointment_at = at("2026-02-20 10:00")  # the new date promised in an apology
    late.save()
    assert dossier_figures(H1_2026, Scope())["totals"]["processed_late"] == 1


def test_rates_round_half_up_to_one_decimal():
    from decimal import ROUND_HALF_UP, Decimal

    from reporting.figures import rate

    assert rate(7, 8) == "87.5" and rate(1, 3) == "33.3" and rate(2, 3) == "66.7"
    assert rate(0, 5) == "0.0" and rate(5, 5) == "100.0" and rate(1, 0) is None
    assert rate(1, 2000) == "0.1" and rate(1, 2001) == "0.0"  # 0.05 up, 0.04997… down
    for whole in range(1, 120):
        for part in range(whole + 1):
            exact = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
            assert rate(part, whole) == str(exact), (part, whole)


def test_lines_with_the_same_figures_and_name_are_ordered_by_code(world):
    # Two communes publish the same procedure under the same name; the report must list them
    # in one order whatever order the database returns their rows in (snapshots, rollup).
    twins = [
        ProcedureFactory(code=code, name="Chứng thực bản sao", agency=world["A"], published=True)
        for code in ("2.000009", "2.000001", "2.000005")
    ]
    for procedure in twins:
        dossier(procedure, state=Dossier.State.PROCESSING, submitted="2026-03-02 09:00")
    lines = dossier_figures(H1_2026, Scope())["by_procedure"]
    assert [line["code"] for line in lines] == ["2.000001", "2.000005", "2.000009"]
