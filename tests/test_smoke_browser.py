"""Smoke journey in a real browser: home page, citizen sign-up and log-in, staff two-factor."""

import re

import pytest
from playwright.sync_api import expect

from portal.models import User
from portal.roles import Role
from tests.conftest import shot
from tests.factories import PASSWORD, staff_user, totp_device
from tests.helpers import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_renders_in_vietnamese(page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    nav = page.get_by_role("navigation", name=re.compile("chính", re.I))
    for label in ("Thủ tục hành chính", "Nộp hồ sơ", "Tra cứu hồ sơ", "Hỏi đáp", "Thống kê"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_role("link", name="Đăng nhập").first).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_contain_text("Điều khoản sử dụng")
    shot(page, "home")


def test_citizen_signs_up_logs_in_and_sees_their_name(page):
    page.goto("/")
    page.get_by_role("link", name="Đăng ký").first.click()
    page.get_by_label("Họ và tên").fill("Trần Văn Bảo")
    page.get_by_label("Số Căn cước công dân (CCCD)").fill("054096001122")
    page.get_by_label("Địa chỉ e-mail").fill("bao@example.com")
    # A wrong mobile number first: the page explains and keeps what was typed.
    page.get_by_label("Số điện thoại di động").fill("12345")
    page.get_by_label(re.compile(r"^Mật khẩu")).fill("Bao-Tuy-An-2026")
    page.get_by_label("Nhập lại mật khẩu").fill("Bao-Tuy-An-2026")
    page.get_by_label(re.compile("đồng ý với điều khoản")).check()
    page.get_by_role("button", name="Tạo tài khoản").click()
    phone_field = page.locator(".field.has-error", has=page.get_by_label("Số điện thoại di động"))
    expect(phone_field).to_contain_text("số điện thoại di động Việt Nam gồm 10 chữ số")
    expect(page.get_by_label("Họ và tên")).to_have_value("Trần Văn Bảo")
    shot(page, "signup-error")
    page.get_by_label("Số điện thoại di động").fill("0905 222 333")
    page.get_by_label(re.compile(r"^Mật khẩu")).fill("Bao-Tuy-An-2026")
    page.get_by_label("Nhập lại mật khẩu").fill("Bao-Tuy-An-2026")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.locator(".user-name")).to_contain_text("Trần Văn Bảo")
    assert User.objects.filter(national_id="054096001122", phone="0905222333").exists()

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator(".user-name")).to_have_count(0)
    page.get_by_role("link", name="Đăng nhập").first.click()
    page.get_by_label("Số CCCD, e-mail hoặc số điện thoại").fill("054096001122")
    page.get_by_label("Mật khẩu").fill("Bao-Tuy-An-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".user-name")).to_contain_text("Trần Văn Bảo")
    shot(page, "citizen-logged-in")


def test_staff_user_is_sent_to_the_two_factor_step(page):
    officer = staff_user(Role.DESK_OFFICER, full_name="Lê Thị Cúc")
    device = totp_device(officer)
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Số CCCD, e-mail hoặc số điện thoại").fill(officer.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#token-step")).to_be_visible()
    expect(page.locator(".user-name")).to_have_count(0)
    shot(page, "staff-token-step")
    page.get_by_label(re.compile("^Mã xác thực")).fill(totp_now(device))
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".user-name")).to_contain_text("Lê Thị Cúc")
