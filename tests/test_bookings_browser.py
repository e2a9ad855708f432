"""Desk appointments in a real browser: a citizen books, sees the code and QR, cancels and books
again; the desk sees today's appointment in its queue and registers the dossier in one click."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings import services
from bookings.models import Booking
from bookings.tests.factories import local, published_procedure
from portal.models import CalendarOverride
from portal.roles import Role
from tests.accessibility import assert_accessible
from tests.conftest import shot
from tests.factories import (
    PASSWORD,
    CalendarOverrideFactory,
    UserFactory,
    staff_user,
    totp_device,
)
from tests.helpers import no_sideways_scroll, tables_fit, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def citizen_log_in(page, user):
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='auth-username']").fill(user.national_id)
    page.locator("input[name='auth-password']").fill(PASSWORD)
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".user-name")).to_be_visible()


def desk_log_in(page, officer):
    device = totp_device(officer)
    page.goto("/tai-khoan/dang-nhap/?next=/can-bo/")
    page.locator("#id_auth-username").fill(officer.username)
    page.locator("#id_auth-password").fill(PASSWORD)
    page.locator("#id_auth-password").press("Enter")
    page.locator("#id_token-otp_token").fill(totp_now(device))
    page.locator("#id_token-otp_token").press("Enter")


def test_citizen_books_sees_the_code_and_qr_and_cancels(page):
    procedure = published_procedure()
    citizen = UserFactory(full_name="Phạm Thị Lan")
    citizen_log_in(page, citizen)

    page.goto(f"/thu-tuc/{procedure.code}/")
    page.locator("#book-appointment").click()
    expect(page).to_have_url(re.compile(rf"/dat-lich/thu-tuc/{re.escape(procedure.code)}/$"))
    expect(page.locator("h1")).to_contain_text("Đặt lịch hẹn")
    assert_accessible(page)
    no_sideways_scroll(page)

    # Sending without a slot explains the problem and keeps what was typed.
    page.locator("#id_note").fill("Tôi đi cùng con nhỏ")
    page.locator("#book-submit").click()
    expect(page.locator("#error-summary")).to_contain_text("Hãy chọn khung giờ")
    expect(page.locator("#id_note")).to_have_value("Tôi đi cùng con nhỏ")
    assert_accessible(page)

    page.locator("input[name=slot]").first.check()
    shot(page, "bookings-choose-slot")
    page.locator("#book-submit").click()
    booking = Booking.objects.get(citizen=citizen)
    expect(page.locator("#booking-code")).to_have_text(booking.code)
    expect(page.locator("#booking-qr")).to_be_visible()
    assert page.locator("#booking-qr").evaluate("img => img.naturalWidth") > 0
    assert_accessible(page)
    shot(page, "bookings-ticket")

    page.locator("#booking-cancel").click()
    expect(page.locator("#booking-status")).to_contain_text("Đã hủy")
    expect(page.locator("#booking-cancel")).to_have_count(0)

    page.goto("/dat-lich/")
    expect(page.locator("#my-bookings")).to_contain_text(booking.code)
    assert_accessible(page)
    page.goto(f"/dat-lich/tra-cuu/?ma={booking.code}")
    expect(page.locator("#lookup-result")).to_contain_text(booking.code)
    assert_accessible(page)


def test_the_desk_registers_todays_booking_in_one_step(page):
    today = timezone.localdate()
    CalendarOverrideFactory(date=today, kind=CalendarOverride.Kind.WORKING_DAY)
    procedure = published_procedure()
    citizen = UserFactory(full_name="Đặng Thị Mai")
    booking = services.booking_create(
        citizen=citizen, procedure=procedure, starts_at=local(today, 8), now=local(today, 6)
    )
    officer = staff_user(Role.DESK_OFFICER, agency=procedure.agency, full_name="Trần Thị Bình")
    desk_log_in(page, officer)

    expect(page).to_have_url(re.compile(r"/can-bo/$"))
    row = page.locator(f"#desk-bookings tr[data-booking='{booking.code}']")
    expect(row).to_contain_text("Đặng Thị Mai")
    assert_accessible(page)
    tables_fit(page)
    shot(page, "bookings-desk-today")

    row.locator("button").click()
    booking.refresh_from_db()
    assert booking.dossier is not None
    expect(page).to_have_url(re.compile(rf"/can-bo/ho-so/{booking.dossier.pk}/$"))
    expect(page.locator("body")).to_contain_text("Đặng Thị Mai")
    expect(page.locator("body")).to_contain_text(booking.dossier.code)
    shot(page, "bookings-desk-registered")

    page.goto("/can-bo/dat-lich/")
    expect(page.locator(f"#desk-bookings tr[data-booking='{booking.code}']")).to_contain_text(
        booking.dossier.code
    )
    assert_accessible(page)


def test_booking_works_without_javascript(browser, live_server):
    procedure = published_procedure()
    citizen = UserFactory()
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    try:
        citizen_log_in(page, citizen)
        page.goto(f"/dat-lich/thu-tuc/{procedure.code}/")
        page.locator("input[name=slot]").first.check()
        page.locator("#book-submit").click()
        expect(page.locator("#booking-code")).to_have_text(Booking.objects.get().code)
        page.locator("#booking-cancel").click()
        expect(page.locator("#booking-status")).to_contain_text("Đã hủy")
    finally:
        context.close()
