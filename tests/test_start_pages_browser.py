"""Each role logs in from the portal and lands on its own page; the IT administrator reaches the
admin and the reports from the account bar.

Screenshots: the IT administrator in the admin, their account bar on the home page, the reports
page; a leader on the dashboard and a specialist on the processing queue.
"""

import re

import pytest
from playwright.sync_api import expect

from portal.roles import Role
from tests.conftest import shot
from tests.factories import PASSWORD, AgencyFactory, DepartmentFactory, staff_user, totp_device
from tests.helpers import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, user):
    device = totp_device(user)
    page.goto("/")
    page.get_by_role("link", name="Đăng nhập").first.click()
    page.locator("#id_auth-username").fill(user.username)
    page.locator("#id_auth-password").fill(PASSWORD)
    page.locator("#id_auth-password").press("Enter")
    page.locator("#id_token-otp_token").fill(totp_now(device))
    page.locator("#id_token-otp_token").press("Enter")


def test_the_it_administrator_lands_in_the_admin_and_finds_the_reports(page):
    agency = AgencyFactory(name="UBND tỉnh Phú Yên")
    department = DepartmentFactory(agency=agency, name="Trung tâm Phục vụ hành chính công tỉnh")
    it_admin = staff_user(Role.IT_ADMIN, agency=agency, department=department)
    log_in(page, it_admin)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("body")).not_to_contain_text("403")
    shot(page, "start-01-it-admin-admin")

    page.goto("/")
    admin_link, reports_link = page.locator("#nav-admin"), page.locator("#nav-it-reports")
    expect(admin_link).to_be_visible()
    expect(reports_link).to_be_visible()
    expect(page.locator("#nav-staff-area")).to_have_count(0)
    shot(page, "start-02-it-admin-account-bar")
    reports_link.click()
    expect(page).to_have_url(re.compile(r"/can-bo/bao-cao/$"))
    expect(page.locator("#report-request")).to_be_visible()
    shot(page, "start-03-it-admin-reports")
    page.goto("/")
    page.locator("#nav-admin").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


@pytest.mark.parametrize(
    ("role", "landing", "marker"),
    [
        (Role.LEADER, r"/can-bo/tong-quan/$", "#nav-dashboard"),
        (Role.SPECIALIST, r"/can-bo/xu-ly/$", "#nav-processing"),
        (Role.DESK_OFFICER, r"/can-bo/$", "#nav-queue"),
    ],
    ids=["leader", "specialist", "desk"],
)
def test_agency_staff_land_on_their_page_and_the_staff_area_link_works(page, role, landing, marker):
    user = staff_user(role)
    log_in(page, user)
    expect(page).to_have_url(re.compile(landing))
    expect(page.locator(marker)).to_have_attribute("aria-current", "page")
    shot(page, f"start-04-{role.value}")
    page.goto("/")
    expect(page.locator("#nav-admin")).to_have_count(0)
    page.locator("#nav-staff-area").click()
    expect(page).to_have_url(re.compile(landing))
