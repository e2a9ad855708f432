"""IT staff prepare a six-monthly report and read it; anyone reads the public statistics.

Screenshots: the report request page, the ready report, its PDF (rendered to PNG), the admin
list and the statistics page.
"""

import io

import pypdfium2
import pytest
from playwright.sync_api import expect

from portal.roles import Role
from reporting.models import Report
from reporting.tests.data import build_dataset, build_world
from tests.conftest import ARTIFACTS, shot
from tests.factories import PASSWORD, staff_user, totp_device
from tests.helpers import no_sideways_scroll, tables_fit, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dataset():
    return build_dataset(build_world())


def log_in(page, user, next_url):
    device = totp_device(user)
    page.goto(f"/tai-khoan/dang-nhap/?next={next_url}")
    page.locator("#id_auth-username").fill(user.username)
    page.locator("#id_auth-password").fill(PASSWORD)
    page.locator("#id_auth-password").press("Enter")
    page.locator("#id_token-otp_token").fill(totp_now(device))
    page.locator("#id_token-otp_token").press("Enter")


def save_pdf_as_png(content: bytes, name: str) -> None:
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    ARTIFACTS.mkdir(exist_ok=True)
    document[0].render(scale=1.5).to_pil().save(ARTIFACTS / f"{name}.png")


def test_it_staff_prepare_a_report_and_download_its_pdf(page, dataset):
    it_admin = staff_user(Role.IT_ADMIN, agency=dataset["A"], is_superuser=True)
    log_in(page, it_admin, "/can-bo/bao-cao/")
    expect(page.locator("#report-request")).to_be_visible()
    page.locator("#id_period_kind").select_option("h1")
    page.locator("#id_year").fill("2026")
    page.locator("#id_convention").select_option("decree09")
    page.locator("#id_scope_kind").select_option("province")
    shot(page, "report-01-request")
    page.locator("#report-submit").click()

    # Tasks run in-process in tests: the report is ready when the page opens.
    expect(page.locator("#report-totals")).to_be_visible()
    cells = page.locator("#report-totals td")
    expect(cells.nth(0)).to_have_text("2")  # carried over
    expect(cells.nth(1)).to_have_text("7")  # received
    expect(cells.nth(5)).to_have_text("3")  # processed
    # At 1280 px every table of the report shows all its columns, nothing scrolls sideways.
    tables_fit(page)
    no_sideways_scroll(page)
    shot(page, "report-02-ready")

    with page.expect_download() as download_info:
        page.locator("#download-pdf").click()
    content = download_info.value.path().read_bytes()
    assert content.startswith(b"%PDF")
    save_pdf_as_png(content, "report-03-pdf")

    report = Report.objects.get()
    page.goto("/admin/reporting/report/")
    expect(page.locator(f"a[href='/can-bo/bao-cao/{report.pk}/']")).to_be_visible()
    tables_fit(page, "#changelist .results")
    page.goto("/can-bo/bao-cao/")
    tables_fit(page)
    no_sideways_scroll(page)
    shot(page, "report-04-admin")


def test_the_public_statistics_page(page, dataset):
    page.goto("/thong-ke/")
    expect(page.locator("#stat-agencies")).to_be_visible()
    expect(page.locator("#chart-on-time")).to_be_visible()
    expect(page.locator("tr[data-agency='000.00.02.H45'] td").nth(2)).to_have_text("50,0")
    shot(page, "statistics-01")
