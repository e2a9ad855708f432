"""A citizen pays a level-4 dossier's fees online through the sandbox gateway.

First attempt: cancelled at the gateway; second: insufficient funds; third: success. The
citizen sees each outcome, then "paid" and the fee receipt; the desk sees it paid and accepts.
Selectors use ids and data attributes, not translated text.
"""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from dossiers.models import Dossier
from payments.models import Payment
from payments.tests.factories import fee_dossier
from portal.roles import Role
from tests.conftest import shot
from tests.factories import PASSWORD, UserFactory, staff_user, totp_device
from tests.helpers import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in_citizen(page, user):
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='auth-username']").fill(user.national_id)
    page.locator("input[name='auth-password']").fill(PASSWORD)
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".user-name")).to_be_visible()


def pay(page, dossier, choice):
    page.goto(f"/ho-so-cua-toi/{dossier.pk}/")
    page.locator("#pay-online").click()
    expect(page.locator("#sandbox-amount")).to_have_text("135.000 đ")
    shot(page, f"payment-sandbox-{choice}")
    page.locator(f"#sandbox-{choice}").click()
    expect(page.locator("#payment-outcome")).to_be_visible()


def test_citizen_pays_online_after_a_cancel_and_a_refusal_then_downloads_the_receipt(
    page, browser, live_server, settings
):
    settings.VNPAY_PAY_URL = ""  # the built-in sandbox
    citizen = UserFactory(full_name="Nguyễn Văn An")
    dossier = fee_dossier(amount=135000, applicant=citizen, code="000.00.21.H45-261124-0101")
    log_in_citizen(page, citizen)

    page.goto(f"/ho-so-cua-toi/{dossier.pk}/")
    expect(page.locator("#fee-items")).to_contain_text("135.000 đ")
    expect(page.locator("#fee-items")).to_contain_text("Lệ phí cấp giấy phép")
    shot(page, "payment-dossier-owes")

    # 1. Cancelled at the gateway: nothing charged, the citizen can try again.
    pay(page, dossier, "cancel")
    expect(page.locator("#payment-outcome")).to_have_attribute("data-outcome", "failure")
    shot(page, "payment-cancelled")
    page.locator("#back-to-dossier").click()
    expect(page.locator("#payment-history li").first).to_have_attribute("data-state", "cancelled")

    # 2. Insufficient funds.
    pay(page, dossier, "insufficient")
    expect(page.locator("#payment-outcome")).to_have_attribute("data-outcome", "failure")
    shot(page, "payment-insufficient-funds")
    page.locator("#back-to-dossier").click()
    expect(page.locator("#payment-history li").first).to_have_attribute("data-state", "failed")
    expect(page.locator("#pay-online")).to_be_visible()  # may retry

    # 3. Success: the IPN has recorded it by the time the browser is back.
    pay(page, dossier, "success")
    expect(page.locator("#payment-outcome")).to_have_attribute("data-outcome", "success")
    shot(page, "payment-success-return")
    page.locator("#back-to-dossier").click()
    expect(page.locator("#payment-history li").first).to_have_attribute("data-state", "paid")
    expect(page.locator("#pay-online")).to_have_count(0)
    shot(page, "payment-dossier-paid")
    paid = Payment.objects.get(dossier=dossier, state=Payment.State.PAID)
    assert Payment.objects.filter(dossier=dossier).count() == 3

    link = page.locator("#payment-history .receipt-link")
    expect(link).to_contain_text(paid.receipt_number)
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split()
    )
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text
    assert "Một trăm ba mươi lăm nghìn đồng" in text
    assert "Thanh toán trực tuyến" in text and paid.reference in text

    # The desk sees it paid and can accept at once.
    officer = staff_user(Role.DESK_OFFICER, agency=dossier.agency, full_name="Trần Thị Bình")
    desk = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 1280, "height": 900}
    ).new_page()
    device = totp_device(officer)
    desk.goto("/tai-khoan/dang-nhap/?next=/can-bo/")
    desk.locator("#id_auth-username").fill(officer.username)
    desk.locator("#id_auth-password").fill(PASSWORD)
    desk.locator("#id_auth-password").press("Enter")
    desk.locator("#id_token-otp_token").fill(totp_now(device))
    desk.locator("#id_token-otp_token").press("Enter")
    desk.goto(f"/can-bo/ho-so/{dossier.pk}/")
    expect(desk.locator("#desk-fees")).to_be_visible()
    expect(desk.locator("#form-record-cash")).to_have_count(0)
    shot(desk, "payment-desk-sees-paid")
    desk.locator("#desk-payments-link").click()
    expect(desk.locator(f"#payment-{paid.pk}")).to_have_attribute("data-state", "paid")
    shot(desk, "payment-desk-payments")
    desk.locator("#back-to-dossier").click()
    desk.locator("#form-accept button").click()
    expect(desk.locator("#form-forward")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    desk.context.close()


def test_desk_records_cash_on_the_dossier_page_then_accepts(page, settings):
    dossier = fee_dossier(amount=50000, level4=False)
    officer = staff_user(Role.DESK_OFFICER, agency=dossier.agency)
    device = totp_device(officer)
    page.goto("/tai-khoan/dang-nhap/?next=/can-bo/")
    page.locator("#id_auth-username").fill(officer.username)
    page.locator("#id_auth-password").fill(PASSWORD)
    page.locator("#id_auth-password").press("Enter")
    page.locator("#id_token-otp_token").fill(totp_now(device))
    page.locator("#id_token-otp_token").press("Enter")
    page.goto(f"/can-bo/ho-so/{dossier.pk}/")
    # The accept button waits for the payment and says why; sent anyway, accepting is refused
    # with a message: the fees are due before processing.
    expect(page.locator("#form-accept button")).to_be_disabled()
    expect(page.locator("#accept-fee-awaited")).to_be_visible()
    page.locator("#form-accept").evaluate("form => form.submit()")
    expect(page.locator(".alert-error, .alert-danger, .messages").first).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED
    shot(page, "payment-desk-accept-refused")
    page.locator("#form-record-cash button").click()
    expect(page.locator("#form-record-cash")).to_have_count(0)
    page.locator("#form-accept button").click()
    expect(page.locator("#form-forward")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    shot(page, "payment-desk-cash-accepted")
