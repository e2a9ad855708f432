"""A report of a period not yet ended counts as of its preparation, as the dashboard does."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dossiers.dashboard import agency_dashboard
from dossiers.tests.factories import DossierFactory
from portal.roles import Role
from procedures.tests.factories import ProcedureFactory
from reporting import exports, periods, rollup, services
from reporting.figures import AGENCY, Scope, dossier_figures
from reporting.tests.test_reports import pdf_text
from tests.factories import AgencyFactory, staff_user

pytestmark = pytest.mark.django_db


def running_period() -> periods.Period:
    """The standard half-year that contains today (Decree 09 cut-offs)."""
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        for half in (periods.FIRST_HALF, periods.SECOND_HALF):
            period = periods.half_year(year, half, periods.DECREE_09)
            if period.start <= today <= period.end:
                return period
    raise AssertionError("no half-year contains today")


@pytest.fixture
def running():
    """3 dossiers overdue now, 7 due later in the period (not overdue yet), 2 due after it."""
    period = running_period()
    now = timezone.now()
    agency = AgencyFactory(code="000.00.09.H45", name="UBND phường Tuy Hòa")
    procedure = ProcedureFactory(agency=agency, level4=True, published=True)
    later_in_period = now + (period.ends_before - now) / 2
    dues = (
        [now - timedelta(days=2)] * 3
        + [later_in_period] * 7
        + [period.ends_before + timedelta(days=3)] * 2
    )
    for due in dues:
        DossierFactory(
            procedure=procedure,
            processing=True,
            submitted_at=period.starts_at + timedelta(days=1),
            accepted_at=period.starts_at + timedelta(days=1),
            due_at=due,
            appointment_at=due,
        )
    return {"period": period, "agency": agency}


def test_a_running_period_counts_overdue_as_of_now_like_the_dashboard(running):
    period, agency = running["period"], running["agency"]
    figures = dossier_figures(period, Scope(AGENCY, agency_id=agency.pk))["totals"]

    dashboard = agency_dashboard(agency_id=agency.pk).totals
    assert dashboard["overdue"] == 3
    assert figures["in_progress"] == 12
    assert figures["in_progress_overdue"] == dashboard["overdue"]
    assert figures["in_progress_within"] == 9


def test_the_rollup_gives_the_same_figures_for_a_running_period(running):
    period, agency = running["period"], running["agency"]
    # Settled dossiers of the period, some late, rolled up before today.
    procedure = ProcedureFactory(agency=agency, published=True)
    for days_late in (-1, 2):
        due = period.starts_at + timedelta(days=3)
        DossierFactory(
            procedure=procedure,
            done=True,
            submitted_at=period.starts_at + timedelta(days=1),
            accepted_at=period.starts_at + timedelta(days=1),
            due_at=due,
            appointment_at=due,
            finished_at=due + timedelta(days=days_late),
        )
    rollup.rollup_rebuild(until=rollup.default_horizon())
    assert rollup.usable_horizon(period.start, period.end) is not None
    for scope in (Scope(), Scope(AGENCY, agency_id=agency.pk)):
        through_rollup = dossier_figures(period, scope)
        assert through_rollup == dossier_figures(period, scope, use_rollup=False)
        assert through_rollup["totals"]["in_progress_overdue"] == 3
        assert through_rollup["totals"]["processed_late"] == 1


def test_an_ended_period_still_counts_overdue_at_its_end(running):
    period = running["period"]
    # Counted as if a week after the period ended: due before the end means overdue at the end.
    after = period.ends_before + timedelta(days=7)
    totals = dossier_figures(period, Scope(), as_of=after)["totals"]
    assert totals["in_progress_overdue"] == 10
    assert totals["in_progress_within"] == 2


def test_the_report_says_it_counts_as_of_its_preparation(running, client, login_staff):
    it_admin = staff_user(Role.IT_ADMIN)
    report = services.report_request(period=running["period"], scope=Scope(), actor=it_admin)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.data["totals"]["in_progress_overdue"] == 3
    assert report.data["period_running"] is True

    login_staff(it_admin)
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert 'id="report-running-period"' in page
    assert "chưa kết thúc" in page
    counted = timezone.localtime(timezone.datetime.fromisoformat(report.data["counted_until"]))
    assert counted.strftime("%H:%M %d/%m/%Y") in page
    listing = client.get(reverse("reports:list")).content.decode()
    assert 'id="report-running-rule"' in listing

    text = pdf_text(exports.report_pdf(report))
    assert "chưa kết thúc" in text and counted.strftime("%d/%m/%Y") in text

    summary = load_workbook(io.BytesIO(exports.report_xlsx(report))).worksheets[0]
    notes = [row[0].value for row in summary.iter_rows(max_row=6) if row[0].value]
    assert any("chưa kết thúc" in str(note) for note in notes)
    csv_text = exports.report_csv(report).decode("utf-8-sig")
    assert "chưa kết thúc" in csv_text


def test_a_report_of_an_ended_period_has_no_running_note(running):
    period = running["period"]
    ended = periods.custom(period.start - timedelta(days=200), period.start - timedelta(days=1))
    report = services.report_request(period=ended, scope=Scope(), actor=None)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.data["period_running"] is False
    assert exports.running_period_note(report.data) is None
