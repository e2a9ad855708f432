"""The service index in a browser: a leader's /can-bo/chi-so/ and the public /thong-ke/, at
1280 px and on a 320 px phone (labels stay readable, bars are reachable by keyboard)."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from opendata.tests.conftest import build_march
from portal.roles import Role
from reporting import periods
from tests.conftest import shot
from tests.factories import staff_user
from tests.test_reports_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARCH = "kind=month&year=2026&number=3"


@pytest.fixture
def march(settings):
    settings.REPORT_PERIOD_CONVENTION = periods.CALENDAR
    settings.NATIONAL_SYNC_URL = ""
    return build_march()


def smallest_font_px(page, selector: str) -> float:
    return page.evaluate(
        """(selector) => Math.min(...Array.from(document.querySelectorAll(selector))
            .map((el) => parseFloat(getComputedStyle(el).fontSize)))""",
        selector,
    )


def test_a_leader_reads_the_index_and_the_dossiers_to_act_on(page, march):
    leader = staff_user(Role.LEADER, agency=march["A"])
    log_in(page, leader, quote(f"/can-bo/chi-so/?{MARCH}"))
    expect(page.locator("#index-points")).to_have_text("37.84")
    expect(page.locator('tr[data-indicator="3.1"]')).to_contain_text("Chưa đo được".lower())
    expect(page.locator("#costing-late")).to_contain_text("X-0001")
    shot(page, "service-index-01-leader-1280")

    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    assert smallest_font_px(page, "#chart-index-trend .hbar-label") >= 12
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert no_overflow
    shot(page, "service-index-02-leader-320")


def test_anyone_chooses_a_period_and_sees_the_ranking_on_a_phone(page, march):
    page.goto(f"/thong-ke/?{MARCH}")
    expect(page.locator("#index-ranking tbody tr")).to_have_count(2)
    shot(page, "service-index-03-statistics-1280")

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/thong-ke/")
    page.locator("#id_kind").select_option("month")
    page.locator("#id_year").fill("2026")
    page.locator("#id_number").fill("3")
    page.locator("#id_agency").select_option("000.00.01.H45")
    page.locator("#index-filter button").click()
    expect(page.locator("#index-points")).to_have_text("37.84")
    # Every chart's labels keep a readable size (the old SVG shrank them to 4–5 px).
    assert smallest_font_px(page, ".hbar-label") >= 12
    # The bars are tab stops that say their value.
    first_bar = page.locator("#chart-index-trend .hbar").first
    first_bar.focus()
    expect(first_bar).to_be_focused()
    assert first_bar.get_attribute("aria-label")
    shot(page, "service-index-04-statistics-320")
