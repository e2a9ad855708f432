"""The demo seen by the desk, a leader, the IT officer and a citizen on a phone, at 320, 1280 and
1920 px: routing preselected, unpaid fees said, nothing clipped, nothing scrolling sideways.

Screenshots land in test-artifacts/layout-*.png.
"""

import pytest
from django.contrib import admin as django_admin
from django.core.management import call_command
from playwright.sync_api import expect

from dossiers.models import Dossier
from payments import services as payment_services
from payments.models import Payment
from portal.demo import DEMO_PASSWORD
from portal.models import User
from tests.conftest import shot
from tests.helpers import no_sideways_scroll, tables_fit, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 1920)


@pytest.fixture
def person(browser, live_server):
    contexts = []

    def open_page(width=1280, locale="vi-VN"):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, username):
    user = User.objects.get(username=username)
    page.goto("/tai-khoan/dang-nhap/?next=/can-bo/")
    page.locator("#id_auth-username").fill(username)
    page.locator("#id_auth-password").fill(DEMO_PASSWORD)
    page.locator("#id_auth-password").press("Enter")
    if user.totpdevice_set.exists():
        page.locator("#id_token-otp_token").fill(totp_now(user.totpdevice_set.get()))
        page.locator("#id_token-otp_token").press("Enter")
    expect(page.locator("#id_token-otp_token")).to_have_count(0)


def test_the_desk_at_1280_and_1920_px_unpaid_fee_then_forwarding_preselected(person):
    call_command("seed_demo")
    unpaid = Dossier.objects.filter(
        procedure__code="1.001612", state=Dossier.State.RECEIVED, channel="online"
    ).first()
    page = person(WIDTHS[0])
    log_in(page, "motcua")  # once: a one-time code is accepted only once
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/can-bo/")
        row = page.locator(f'#desk-queue tr[data-code="{unpaid.code}"]')
        expect(row.locator('td[data-fee="unpaid"]')).to_be_visible()
        deadline = page.locator("#desk-queue thead th").last
        expect(deadline).to_be_in_viewport()
        tables_fit(page)
        no_sideways_scroll(page)
        shot(page, f"layout-desk-queue-{width}")

    page.goto(f"/can-bo/ho-so/{unpaid.pk}/")
    expect(page.locator("#form-accept button")).to_be_disabled()
    expect(page.locator("#accept-fee-awaited")).to_contain_text("100.000 đ")
    no_sideways_scroll(page)
    shot(page, "layout-desk-unpaid-dossier")

    payment_services.payment_record_desk(
        dossier_id=unpaid.pk,
        officer=User.objects.get(username="motcua"),
        method=Payment.Method.CASH,
    )
    page.reload()
    page.locator("#form-accept button").click()
    selected = page.locator("#id_forward-department option:checked")
    expect(selected).to_have_text("Phòng Tài chính - Kế hoạch (đăng ký hộ kinh doanh)")
    shot(page, "layout-desk-forward-preselected")
    page.locator('#form-forward button[type="submit"]').click()
    expect(page.locator('#timeline li[data-kind="forwarded"]')).to_be_visible()
    unpaid.refresh_from_db()
    assert unpaid.department.code == "UBTH.PTCKH"
    # Someone works in that department: the household-business specialist sees it.
    specialist = person(1280)
    log_in(specialist, "chuyenvienkh")
    expect(specialist.locator(f'#processing-queue tr[data-code="{unpaid.code}"]')).to_be_visible()
    shot(specialist, "layout-specialist-household-business")


def test_dashboard_reports_and_admin_tables_are_not_clipped(person):
    call_command("seed_demo")
    leader, admin = person(WIDTHS[0]), person(WIDTHS[0])
    log_in(leader, "lanhdao")
    log_in(admin, "quantri")
    for width in WIDTHS:
        leader.set_viewport_size({"width": width, "height": 900})
        admin.set_viewport_size({"width": width, "height": 900})
        leader.goto("/can-bo/tong-quan/")
        expect(leader.locator("#dashboard-departments")).to_be_visible()
        tables_fit(leader)
        no_sideways_scroll(leader)
        shot(leader, f"layout-dashboard-{width}")

        admin.goto("/admin/")
        no_sideways_scroll(admin)
        shot(admin, f"layout-admin-{width}")
        for model in django_admin.site._registry:
            meta = model._meta
            admin.goto(f"/admin/{meta.app_label}/{meta.model_name}/")
            expect(admin.locator("#changelist")).to_be_visible()
            no_sideways_scroll(admin)
            # Every list shows all its columns in its box (at 1280 px the filter and navigation
            # columns used to leave a 630 px box to tables of 700–1,340 px).
            tables_fit(admin, "#changelist .results")
        admin.goto("/admin/portal/user/")
        shot(admin, f"layout-admin-users-{width}")
        admin.goto("/can-bo/bao-cao/")
        no_sideways_scroll(admin)
        shot(admin, f"layout-reports-{width}")


def test_a_citizen_on_a_320_px_phone(person):
    call_command("seed_demo")
    citizen = User.objects.get(username="054095000123")
    page = person(320)
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='auth-username']").fill(citizen.national_id)
    page.locator("input[name='auth-password']").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".user-name")).to_be_visible()
    unpaid = Dossier.objects.filter(
        procedure__code="1.001612", state=Dossier.State.RECEIVED, channel="online"
    ).first()
    page.goto(f"/ho-so-cua-toi/{unpaid.pk}/")
    expect(page.locator("#status-next")).to_contain_text("100.000 đ")
    no_sideways_scroll(page)
    shot(page, "layout-phone-unpaid-dossier")
    done = Dossier.objects.filter(applicant=citizen, state=Dossier.State.DONE).first()
    page.goto(f"/ho-so-cua-toi/{done.pk}/")  # the receipt and the result as PDF links
    expect(page.locator(".download-link").first).to_be_visible()
    no_sideways_scroll(page)
    shot(page, "layout-phone-done-dossier")
    page.goto("/thu-tuc/1.001612/")
    no_sideways_scroll(page)
    shot(page, "layout-phone-procedure")
    page.goto("/nop-ho-so/2.000720/")
    expect(page.locator('input[name="return_method"][value="online"]')).to_be_checked()
    no_sideways_scroll(page)
    shot(page, "layout-phone-draft")
    page.goto(f"/tra-cuu/?ma={unpaid.code}")
    expect(page.locator(".lookup-next")).to_contain_text("chưa")
    no_sideways_scroll(page)
    shot(page, "layout-phone-lookup")


def test_the_english_navigation_stays_on_one_line(person):
    page = person(1280, locale="en-GB")
    page.goto("/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.url}])
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    tops = page.locator(".nav-list a").evaluate_all(
        "links => links.filter(a => a.offsetParent)"
        ".map(a => Math.round(a.getBoundingClientRect().top))"
    )
    shot(page, "layout-english-nav-1280")
    assert tops and len(set(tops)) == 1, tops
