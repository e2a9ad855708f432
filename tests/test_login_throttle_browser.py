"""Behind the reverse proxy, in a real browser: a stranger's failed log-ins lock only the stranger.

Every browser reaches the live server from 127.0.0.1, the address of the proxy; each one sends
the X-Forwarded-For header the proxy would add for it.
"""

import re

import pytest
from playwright.sync_api import expect

from portal.roles import Role
from tests.conftest import shot
from tests.factories import PASSWORD, UserFactory, staff_user, totp_device
from tests.helpers import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def at_address(browser, live_server):
    contexts = []

    def open_page(address: str):
        context = browser.new_context(
            base_url=live_server.url,
            locale="vi-VN",
            viewport={"width": 1280, "height": 900},
            extra_http_headers={"X-Forwarded-For": address},
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, identifier: str, password: str) -> None:
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Số CCCD, e-mail hoặc số điện thoại").fill(identifier)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_a_stranger_locks_out_only_their_own_address(at_address, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    citizen = UserFactory(full_name="Phạm Thị Lan")
    officer = staff_user(Role.DESK_OFFICER, full_name="Lê Thị Cúc")
    device = totp_device(officer)

    stranger = at_address("203.0.113.66")
    for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        log_in(stranger, f"khong-co-{number}", "sai-mat-khau")
    log_in(stranger, citizen.national_id, PASSWORD)
    expect(stranger.get_by_role("heading", name="Đăng nhập sai quá nhiều lần")).to_be_visible()
    shot(stranger, "login-throttle-stranger-locked")

    at_home = at_address("198.51.100.7")
    log_in(at_home, citizen.national_id, PASSWORD)
    expect(at_home.locator(".user-name")).to_contain_text("Phạm Thị Lan")
    shot(at_home, "login-throttle-citizen-elsewhere")

    at_the_desk = at_address("198.51.100.20")
    log_in(at_the_desk, officer.username, PASSWORD)
    expect(at_the_desk.locator("#token-step")).to_be_visible()
    at_the_desk.get_by_label(re.compile("^Mã xác thực")).fill(totp_now(device))
    at_the_desk.get_by_role("button", name="Xác nhận").click()
    expect(at_the_desk.locator(".user-name")).to_contain_text("Lê Thị Cúc")
    shot(at_the_desk, "login-throttle-officer-elsewhere")

    # Still locked where the failures came from.
    log_in(stranger, citizen.national_id, PASSWORD)
    expect(stranger.get_by_role("heading", name="Đăng nhập sai quá nhiều lần")).to_be_visible()
