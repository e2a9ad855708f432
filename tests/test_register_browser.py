"""A desk officer opens the dossier register, picks a period, sees it printed in landscape.

Screenshots: the register page and its print rendering (PDF of the page, as PNG).
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers import services
from dossiers.tests.factories import DossierFactory, desk_officer_for
from procedures.tests.factories import ProcedureFactory
from tests.conftest import shot
from tests.test_reports_browser import log_in, save_pdf_as_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_desk_reads_and_prints_its_register(page):
    procedure = ProcedureFactory(level4=True, published=True, name="Đăng ký khai sinh")
    dossiers = [
        DossierFactory(received=True, procedure=procedure, applicant_name=name)
        for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường")
    ]
    officer = desk_officer_for(dossiers[0])
    for dossier in dossiers:
        services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    log_in(page, officer, "/can-bo/")
    page.locator("#nav-register").click()
    expect(page.locator("#register tbody tr")).to_have_count(3)
    expect(page.locator("#register tbody tr").first).to_contain_text(dossiers[0].code)
    today = timezone.localdate()
    page.locator("#id_den").fill(today.replace(day=1).replace(year=today.year - 1).isoformat())
    page.get_by_role("button", name="Xem").click()
    expect(page.locator(".field-error")).to_be_visible()  # the end before the start
    shot(page, "register-01-wrong-period")
    page.locator("#id_den").fill(today.isoformat())
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("#register tbody tr")).to_have_count(3)
    shot(page, "register-02-page")
    page.emulate_media(media="print")
    save_pdf_as_png(page.pdf(landscape=True), "register-03-print")
