"""Anyone looks a dossier up by its code, on the portal and on the kiosk in the hall."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.tests.factories import DossierFactory
from tests.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dossier():
    return DossierFactory(
        processing=True,
        code="000.00.01.H45-261124-0007",
        applicant_name="Nguyễn Văn An",
        applicant_national_id="054090001234",
        appointment_at=timezone.make_aware(timezone.datetime(2026, 12, 3, 10, 30)),
    )


def test_anyone_looks_up_a_dossier_by_its_code(page, dossier):
    page.goto("/")
    page.get_by_role("navigation", name=re.compile("chính", re.I)).get_by_role(
        "link", name="Tra cứu hồ sơ"
    ).click()
    page.get_by_label("Mã hồ sơ").fill("000.00.01.h45-261124-9999")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_role("alert")).to_contain_text("000.00.01.H45-261124-9999")
    expect(page.get_by_label("Mã hồ sơ")).to_have_value("000.00.01.h45-261124-9999")

    page.get_by_label("Mã hồ sơ").fill(" 000.00.01.h45-261124-0007 ")
    page.get_by_role("button", name="Tra cứu").click()
    result = page.locator(".lookup-result")
    expect(result).to_contain_text("000.00.01.H45-261124-0007")
    expect(result).to_contain_text(dossier.procedure.name)
    expect(result).to_contain_text(dossier.agency.name)
    expect(result).to_contain_text("Nguyễn V** A**")
    expect(result).to_contain_text("10:30, 03/12/2026")
    expect(result).to_have_attribute("data-state", "processing")
    expect(result).not_to_contain_text("054090001234")
    shot(page, "lookup")


def test_the_kiosk_clears_itself_after_idle_time(page, dossier):
    page.goto("/kiosk/?idle=2")
    expect(page.locator(".primary-nav")).to_have_count(0)
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator(".lookup-result")).to_contain_text("Nguyễn V** A**")
    shot(page, "kiosk")

    # Left alone, the screen goes back to the empty form (the idle time kept).
    page.wait_for_url(re.compile(r"/kiosk/\?idle=2$"), timeout=10_000)
    expect(page.locator(".lookup-result")).to_have_count(0)
    expect(page.get_by_label("Mã hồ sơ")).to_have_value("")
    shot(page, "kiosk-reset")
