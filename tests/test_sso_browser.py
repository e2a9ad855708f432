"""Single sign-on in a real browser: a citizen logs in through the local OpenID Connect
provider (tests/oidc_provider) and lands on their account page; an existing account is linked
after its password. The portal's pages work without JavaScript and pass axe (0 serious or
critical violations)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal.models import ExternalIdentity, User
from tests.conftest import shot
from tests.factories import PASSWORD, UserFactory
from tests.oidc_provider import CALLBACK_PATH, start_provider, use_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTON = "Đăng nhập bằng VNeID/định danh điện tử"


@pytest.fixture
def provider(settings, tmp_path, live_server):
    local = start_provider(tmp_path, redirect_uris=[live_server.url + CALLBACK_PATH])
    use_provider(settings, local)
    yield local
    local.stop()


def assert_accessible(page) -> None:
    violations = Axe().run(page).response["violations"]
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in serious]


def sign_in_at_provider(page, account: str) -> None:
    page.locator("input[name=login]").fill(account)
    page.locator("input[name=password]").fill("any")
    page.locator("button[type=submit]").first.click()


def test_citizen_signs_in_with_vneid_without_javascript(browser, live_server, provider):
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=False,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/tai-khoan/dang-nhap/")
        shot(page, "sso-login-page")
        page.get_by_role("link", name=BUTTON).click()
        page.wait_for_url(provider.issuer + "/**")
        shot(page, "sso-provider-login")
        sign_in_at_provider(page, "vneid-an")
        page.wait_for_url(live_server.url + "/tai-khoan/")
        expect(page.locator("body")).to_contain_text("Chào mừng Trần Thị An")
        shot(page, "sso-citizen-account")
    finally:
        context.close()
    user = User.objects.get(national_id="054195001234")
    assert ExternalIdentity.objects.filter(user=user, subject="vneid-an").exists()


def test_existing_account_linked_after_its_password(page, live_server, provider):
    existing = UserFactory(
        national_id="054095000123", full_name="Nguyễn Văn Công Dân", email="congdan@example.com"
    )
    page.goto("/tai-khoan/dang-nhap/")
    expect(page.get_by_role("link", name=BUTTON)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=BUTTON).click()
    sign_in_at_provider(page, "vneid-citizen")
    page.wait_for_url(live_server.url + "/tai-khoan/vneid/lien-ket/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Liên kết VNeID với tài khoản")
    expect(page.locator("body")).to_contain_text("c***@example.com")
    assert_accessible(page)
    shot(page, "sso-link-page")
    page.get_by_label("Mật khẩu của tài khoản").fill("not-the-password")
    page.get_by_role("button", name="Liên kết bằng mật khẩu").click()
    expect(page.locator("body")).to_contain_text("Mật khẩu không đúng với tài khoản này")
    assert_accessible(page)
    shot(page, "sso-link-wrong-password")
    page.get_by_label("Mật khẩu của tài khoản").fill(PASSWORD)
    page.get_by_role("button", name="Liên kết bằng mật khẩu").click()
    page.wait_for_url(live_server.url + "/tai-khoan/")
    expect(page.locator("body")).to_contain_text("VNeID của bạn đã được liên kết với tài khoản")
    shot(page, "sso-linked-account")
    assert ExternalIdentity.objects.get().user == existing


def test_cancel_at_the_provider_shows_why(page, live_server, provider):
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_role("link", name=BUTTON).click()
    page.get_by_role("link", name="[ Cancel ]").click()
    page.wait_for_url(live_server.url + "/tai-khoan/dang-nhap/")
    expect(page.locator("body")).to_contain_text("Bạn đã hủy đăng nhập bằng VNeID")
    assert_accessible(page)
    shot(page, "sso-cancelled")
    assert not User.objects.exists()
