"""The Content-Security-Policy in a real browser: a walk over the portal finds no violation.

The demo portal (seed_demo: catalogue, accounts of every role, dossiers in every state,
feedback, payments, signed notices) is walked as a visitor, a citizen, the one-stop desk, a
specialist, a leader and the IT administrator: each starts from the pages named below and
follows the links it finds (GET only, each path once). Every page is checked for what Chromium
reports: `securitypolicyviolation` events (scripts, styles, frames, forms the policy blocks)
and console messages about the Content-Security-Policy or the Permissions-Policy, plus script
errors. None may appear. The same listener sees a violation when one is there: the last test
injects an inline style and an inline script and finds both reported.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from dossiers.models import Dossier
from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from portal.security_headers import content_security_policy
from procedures.models import Procedure
from tests.conftest import shot
from tests.helpers import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportViolation({
    page: location.pathname + location.search,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""
CONSOLE_WORDS = re.compile(r"Content.Security.Policy|Permissions.Policy", re.I)
# Links not followed: files (they download), writes behind confirmation pages, other sites.
SKIP = re.compile(
    r"^/(static|media|api)/"
    r"|/admin/logout/|/delete/|/xoa/"
    r"|\.(pdf|csv|xlsx|json|zip|png|jpg|svg)$"
    r"|/tai-xuong/|/tai/|/tep/|/file/|/phieu/|/bien-nhan/"
)
PAGES_PER_ROLE = 35


class Watcher:
    """Everything Chromium says about the policies, page by page."""

    def __init__(self, context):
        self.problems: list[str] = []
        context.expose_binding("__reportViolation", self._violation)
        context.add_init_script(LISTENER)

    def _violation(self, source, event) -> None:
        self.problems.append(
            f"{event['page']}: {event['directive']} blocked {event['blocked'] or 'inline'}"
            f" ({event['source']}:{event['line']} {event['sample']!r})"
        )

    def watch(self, page) -> None:
        def console(message) -> None:
            if CONSOLE_WORDS.search(message.text):
                self.problems.append(f"{urlsplit(page.url).path}: console: {message.text}")

        page.on("console", console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)
    return {
        "code": Dossier.objects.exclude(state=Dossier.State.DRAFT).order_by("pk").first().code,
        "procedure": Procedure.objects.filter(is_published=True).order_by("code").first().code,
    }


@pytest.fixture
def watched(browser, live_server):
    contexts = []

    def open_as(account=None):
        context = browser.new_context(
            base_url=live_server.url, locale="vi-VN", viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        watcher = Watcher(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        watcher.watch(page)
        if account is not None:
            log_in(page, account)
        return page, watcher

    yield open_as
    for context in contexts:
        context.close()


def log_in(page, account) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto("/tai-khoan/dang-nhap/")
    page.locator("#id_auth-username").fill(account.username)
    page.locator("#id_auth-password").fill(DEMO_PASSWORD)
    page.locator("#id_auth-password").press("Enter")
    device = TOTPDevice.objects.filter(user__username=account.username).first()
    if device is not None and account.role:
        page.locator("#id_token-otp_token").fill(totp_now(device))
        page.locator("#id_token-otp_token").press("Enter")
    # Citizens and staff land on their pages, IT staff on the admin.
    page.wait_for_url(lambda url: "/tai-khoan/dang-nhap/" not in url)
    expect(page.locator(".user-name, #user-tools").first).to_be_visible()


def walk(page, start: list[str], *, limit: int = PAGES_PER_ROLE) -> list[str]:
    """Visit the start pages, then the links found on them, breadth first, each path once."""
    origin = urlsplit(page.url or "http://x").netloc
    queue, seen, visited = deque(start), set(), []
    while queue and len(visited) < limit:
        url = queue.popleft()
        path = urlsplit(url).path
        if path in seen:
            continue
        seen.add(path)
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a file answered with a download
            if "Download is starting" in str(error):
                continue
            raise
        assert response is not None
        assert response.status < 500, f"{url} answered {response.status}"
        if "text/html" not in (response.headers.get("content-type") or ""):
            continue
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        page.wait_for_load_state("load")
        visited.append(url)
        for href in page.eval_on_selector_all(
            "a[href]", "links => links.map(link => link.getAttribute('href'))"
        ):
            target = urlsplit(urljoin(page.url, href))
            if target.scheme not in {"http", "https"} or target.netloc != origin:
                continue
            if SKIP.search(target.path) or target.path in seen:
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return visited


def account(role: str):
    return next(item for item in DEMO_ACCOUNTS if (item.role or "citizen") == role)


def test_no_page_breaks_the_policy_for_anyone(demo, watched):
    from portal.roles import Role

    walks: dict[str, list[str]] = {}
    problems: list[str] = []

    page, watcher = watched()
    page.goto("/")
    walks["visitor"] = walk(
        page,
        [
            "/",
            "/thu-tuc/",
            f"/thu-tuc/{demo['procedure']}/",
            f"/tra-cuu/?ma={demo['code']}",
            f"/kiosk/?ma={demo['code']}",
            "/phan-anh/",
            "/hoi-dap/",
            "/thong-ke/",
            "/du-lieu-mo/",
            "/xac-thuc/",
            "/tai-khoan/dang-ky/",
            "/tai-khoan/dang-nhap/",
            "/api/docs",
        ],
    )
    shot(page, "csp-visitor")
    problems += watcher.problems

    for role, start in (
        ("citizen", ["/ho-so-cua-toi/", f"/nop-ho-so/{demo['procedure']}/", "/tai-khoan/"]),
        (Role.DESK_OFFICER, ["/can-bo/", "/can-bo/phan-anh/"]),
        (Role.SPECIALIST, ["/can-bo/"]),
        (Role.LEADER, ["/can-bo/", "/can-bo/bao-cao/", "/can-bo/chi-so/", "/thong-ke/"]),
        (Role.IT_ADMIN, ["/admin/", "/can-bo/bao-cao/", "/thong-ke/"]),
    ):
        page, watcher = watched(account(role))
        walks[str(role)] = walk(page, start)
        shot(page, f"csp-{role}")
        problems += watcher.problems

    for role, visited in walks.items():
        assert len(visited) >= 5, f"{role} saw only {visited}"
    assert not problems, "\n".join(problems)


def test_the_desk_previews_a_document_in_a_frame_of_the_portal(demo, watched):
    from portal.roles import Role

    page, watcher = watched(account(Role.DESK_OFFICER))
    dossier = (
        Dossier.objects.filter(attachments__isnull=False, state=Dossier.State.RECEIVED)
        .order_by("pk")
        .first()
    )
    page.goto(f"/can-bo/ho-so/{dossier.pk}/")
    preview = page.locator("details.desk-preview").first
    with page.expect_response(re.compile(r"/tep/\d+/$")) as answer:
        preview.locator("summary").click()
    # The file may be framed by this portal only (the pages themselves by nobody).
    assert answer.value.status == 200
    policy = answer.value.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy
    assert answer.value.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'none'" in page.evaluate(
        "async () => (await fetch(location.href)).headers.get('content-security-policy')"
    )
    page.wait_for_timeout(1000)
    shot(page, "csp-desk-preview")
    assert not watcher.problems, "\n".join(watcher.problems)


def test_the_listener_sees_an_inline_style_and_script_the_policy_blocks(demo, watched):
    page, watcher = watched()
    page.goto("/")
    # What an injected fragment would do: both are refused and both are reported.
    page.evaluate(
        """() => {
          const box = document.createElement("div");
          box.innerHTML = '<p style="color:red">x</p>';
          document.body.append(box);
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.append(script);
        }"""
    )
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__ran === undefined")
    assert any("style-src" in problem for problem in watcher.problems), watcher.problems
    assert any("script-src" in problem for problem in watcher.problems), watcher.problems


class FakeGateway(BaseHTTPRequestHandler):
    """The gateway's pay page, at another origin than the portal's."""

    def do_GET(self) -> None:
        body = b'<!doctype html><title>VNPAY</title><h1 id="gateway-page">VNPAY</h1>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def gateway():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/paymentv2/vpcpay.html"
    server.shutdown()
    server.server_close()


def start_payment(page, settings, *, pay_url: str, policy_pay_url: str):
    from payments.tests.factories import fee_dossier
    from tests.factories import PASSWORD, UserFactory

    settings.VNPAY_PAY_URL = pay_url
    settings.CONTENT_SECURITY_POLICY = content_security_policy(payment_url=policy_pay_url)
    citizen = UserFactory(full_name="Nguyễn Văn An")
    dossier = fee_dossier(amount=135000, applicant=citizen, code="000.00.21.H45-261124-0101")
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='auth-username']").fill(citizen.national_id)
    page.locator("input[name='auth-password']").fill(PASSWORD)
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".user-name")).to_be_visible()
    page.goto(f"/ho-so-cua-toi/{dossier.pk}/")
    page.locator("#pay-online").click()


def test_the_pay_button_still_leads_to_the_gateway(db, watched, gateway, settings):
    page, watcher = watched()
    start_payment(page, settings, pay_url=gateway, policy_pay_url=gateway)
    expect(page.locator("#gateway-page")).to_be_visible()
    assert page.url.startswith(gateway + "?")
    assert "vnp_SecureHash=" in page.url
    shot(page, "csp-payment-gateway")
    assert not watcher.problems, "\n".join(watcher.problems)


def test_a_policy_without_the_gateway_would_stop_the_citizen(db, watched, gateway, settings):
    # The same journey under a policy that forgot the gateway: the browser refuses to go.
    page, watcher = watched()
    start_payment(page, settings, pay_url=gateway, policy_pay_url="")
    page.wait_for_timeout(1500)
    assert not page.url.startswith(gateway)
    assert any("form-action" in problem for problem in watcher.problems), watcher.problems
