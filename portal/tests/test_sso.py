"""Single sign-on through a real OpenID Connect provider (tests/oidc_provider, npm oidc-provider).

Every test runs the authorization code flow with PKCE, state and nonce against the provider
process; the portal's code is not replaced by anything.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import mail
from django.core.cache import cache

from portal.models import ExternalIdentity, User
from portal.roles import Role
from portal.sso import provider as sso_provider
from tests.factories import PASSWORD, UserFactory, add_roles, staff_user
from tests.helpers import two_factor_login
from tests.oidc_provider import CLIENT_ID, sign_in_at_provider

pytestmark = pytest.mark.django_db

LOGIN = "/tai-khoan/dang-nhap/"
START = "/tai-khoan/vneid/"
LINK = "/tai-khoan/vneid/lien-ket/"
BUTTON = "Đăng nhập bằng VNeID/định danh điện tử"


def start(client, next_url: str = "") -> str:
    response = client.get(START + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def back_to_portal(client, url: str):
    parts = urlsplit(url)
    return client.get(parts.path, parse_qs(parts.query), follow=False)


def sign_in(client, account: str):
    return back_to_portal(client, sign_in_at_provider(start(client), account=account))


def page_after(client, response) -> str:
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"]).content.decode()


# --- Off by default, on when configured ------------------------------------------------------


def test_off_by_default_no_button_and_no_pages(client):
    assert BUTTON not in client.get(LOGIN).content.decode()
    assert client.get(START).status_code == 404
    assert client.get("/tai-khoan/vneid/ket-qua/?state=x&code=y").status_code == 404
    assert client.get(LINK).status_code == 404


def test_configured_login_page_offers_the_button(client, oidc_provider):
    html = client.get(LOGIN).content.decode()
    assert BUTTON in html
    assert 'href="/tai-khoan/vneid/"' in html


def test_authorization_request_carries_state_nonce_and_pkce(client, oidc_provider):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge"][0]
    assert query["scope"] == ["openid profile email phone"]


# --- First sign-in ------------------------------------------------------------------------


def test_first_sign_in_creates_a_citizen_account_from_the_claims(client, oidc_provider):
    response = sign_in(client, "vneid-an")
    assert response.status_code == 302
    assert response["Location"] == "/tai-khoan/"
    user = User.objects.get(national_id="054195001234")
    assert user.full_name == "Trần Thị An"
    assert user.username == "054195001234"
    assert user.email == "an.tran@example.com"
    assert user.phone == "0905111222"
    assert not user.has_usable_password()
    assert not user.is_officer
    link = ExternalIdentity.objects.get(user=user)
    assert (link.issuer, link.subject) == (oidc_provider.issuer, "vneid-an")
    profile = client.get("/tai-khoan/")
    assert profile.status_code == 200
    assert "Trần Thị An" in profile.content.decode()


def test_second_sign_in_opens_the_same_account(client, oidc_provider):
    sign_in(client, "vneid-an")
    client.logout()
    response = sign_in(client, "vneid-an")
    assert response.status_code == 302
    assert User.objects.filter(national_id="054195001234").count() == 1
    assert client.get("/tai-khoan/").context["user"].national_id == "054195001234"


def test_next_address_is_kept_through_the_provider(client, oidc_provider):
    response = back_to_portal(
        client,
        sign_in_at_provider(start(client, "/ho-so-cua-toi/"), account="vneid-an"),
    )
    assert response["Location"] == "/ho-so-cua-toi/"


def test_contact_details_of_another_account_are_not_taken(client, oidc_provider):
    UserFactory(email="an.tran@example.com", phone="0905111222")
    sign_in(client, "vneid-an")
    user = User.objects.get(national_id="054195001234")
    assert (user.email, user.phone) == ("", "")


# --- An existing account with the same CCCD: linked only after proof -------------------------


def test_existing_account_is_never_linked_silently(client, oidc_provider):
    existing = UserFactory(national_id="054095000123", email="congdan@example.com")
    response = sign_in(client, "vneid-citizen")
    assert response["Location"] == LINK
    assert "_auth_user_id" not in client.session
    assert not ExternalIdentity.objects.exists()
    html = client.get(LINK).content.decode()
    assert "Liên kết VNeID với tài khoản" in html
    assert "c***@example.com" in html
    # Anything else of the portal still sees a stranger.
    assert client.get("/tai-khoan/").status_code == 302
    assert existing.external_identities.count() == 0


def test_link_with_the_account_password(client, oidc_provider):
    existing = UserFactory(national_id="054095000123")
    sign_in(client, "vneid-citizen")
    wrong = client.post(LINK, {"action": "password", "password": "not-it"})
    assert wrong.status_code == 400
    assert "Mật khẩu không đúng" in wrong.content.decode()
    assert not ExternalIdentity.objects.exists()
    response = client.post(LINK, {"action": "password", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == existing.pk
    assert ExternalIdentity.objects.get().user == existing
    # From now on VNeID opens that account straight away.
    client.logout()
    assert sign_in(client, "vneid-citizen")["Location"] == "/tai-khoan/"
    assert int(client.session["_auth_user_id"]) == existing.pk


def test_link_with_a_code_sent_to_the_account_email(client, oidc_provider):
    existing = UserFactory(national_id="054095000123", email="congdan@example.com")
    sign_in(client, "vneid-citizen")
    sent = client.post(LINK, {"action": "send_code"})
    assert sent.status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["congdan@example.com"]
    code = next(word for word in message.subject.split() if word.isdigit())
    assert code in message.body
    assert code not in json.dumps(dict(client.session.items()), default=str)
    bad = client.post(LINK, {"action": "code", "code": "000000" if code != "000000" else "111111"})
    assert bad.status_code == 400
    assert "Mã không đúng hoặc đã hết hạn" in bad.content.decode()
    response = client.post(LINK, {"action": "code", "code": code})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == existing.pk
    assert ExternalIdentity.objects.get().user == existing


def test_too_many_wrong_proofs_end_the_attempt(client, oidc_provider):
    UserFactory(national_id="054095000123")
    sign_in(client, "vneid-citizen")
    for _attempt in range(2):
        assert client.post(LINK, {"action": "password", "password": "wrong"}).status_code == 400
    last = client.post(LINK, {"action": "password", "password": "wrong"})
    assert "Nhập sai quá nhiều lần" in page_after(client, last)
    # Even the right password no longer links: the person must start again.
    response = client.post(LINK, {"action": "password", "password": PASSWORD})
    assert response["Location"] == LOGIN
    assert not ExternalIdentity.objects.exists()


# --- Staff never sign in through the provider ----------------------------------------------


@pytest.mark.parametrize("role", [Role.DESK_OFFICER, Role.IT_ADMIN])
def test_staff_account_with_the_cccd_is_refused(client, oidc_provider, role):
    officer = staff_user(role, national_id="054090000777")
    response = sign_in(client, "vneid-officer")
    html = page_after(client, response)
    assert "Tài khoản cán bộ không đăng nhập bằng VNeID" in html
    assert "_auth_user_id" not in client.session
    assert not officer.external_identities.exists()
    # Not on the link page either: there is nothing to prove.
    assert client.get(LINK)["Location"] == LOGIN


def test_linked_citizen_who_became_staff_is_refused(client, oidc_provider):
    sign_in(client, "vneid-an")
    client.logout()
    user = User.objects.get(national_id="054195001234")
    add_roles(user, Role.DESK_OFFICER)
    html = page_after(client, sign_in(client, "vneid-an"))
    assert "Tài khoản cán bộ không đăng nhập bằng VNeID" in html
    assert "_auth_user_id" not in client.session


# --- Bad cases ------------------------------------------------------------------------------


def test_wrong_state_is_refused_with_a_message(client, oidc_provider):
    url = sign_in_at_provider(start(client), account="vneid-an")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query["state"] = ["not-the-state-we-sent"]
    response = client.get(parts.path, query)
    assert response["Location"] == LOGIN
    html = client.get(LOGIN).content.decode()
    assert "Không khớp được lần đăng nhập VNeID này" in html
    assert not User.objects.filter(national_id="054195001234").exists()
    # The same answer replayed with the right state once, then never again.
    assert back_to_portal(client, url)["Location"] == "/tai-khoan/"
    client.logout()
    assert back_to_portal(client, url)["Location"] == LOGIN


def test_cancel_at_the_provider(client, oidc_provider):
    url = sign_in_at_provider(start(client), account="vneid-an", cancel=True)
    assert "error=access_denied" in url
    html = page_after(client, back_to_portal(client, url))
    assert "Bạn đã hủy đăng nhập bằng VNeID" in html
    assert not User.objects.exists()


def test_provider_down_when_starting(client, own_oidc_provider):
    own_oidc_provider.stop()
    response = client.get(START)
    assert response["Location"] == LOGIN
    html = client.get(LOGIN).content.decode()
    assert "Dịch vụ định danh điện tử VNeID hiện không phản hồi" in html


def test_provider_down_after_the_log_in_page(client, own_oidc_provider):
    url = sign_in_at_provider(start(client), account="vneid-an")
    own_oidc_provider.stop()  # the token endpoint no longer answers
    response = back_to_portal(client, url)
    assert response.status_code == 302
    assert "Dịch vụ định danh điện tử VNeID hiện không phản hồi" in page_after(client, response)
    assert not User.objects.exists()


def test_missing_cccd_claim(client, oidc_provider):
    html = page_after(client, sign_in(client, "vneid-no-cccd"))
    assert "không gửi số định danh cá nhân (CCCD) hợp lệ" in html
    assert not User.objects.exists()
    assert not ExternalIdentity.objects.exists()


def test_cccd_already_linked_to_another_identity(client, oidc_provider):
    owner = UserFactory(national_id="054095000123")
    ExternalIdentity.objects.create(user=owner, issuer=oidc_provider.issuer, subject="someone-else")
    html = page_after(client, sign_in(client, "vneid-citizen"))
    assert "đã được liên kết với một danh tính điện tử khác" in html
    assert "_auth_user_id" not in client.session
    assert list(ExternalIdentity.objects.values_list("subject", flat=True)) == ["someone-else"]


def test_linked_identity_vouching_for_another_cccd_is_refused(client, oidc_provider):
    other = UserFactory(national_id="054095000888")
    ExternalIdentity.objects.create(user=other, issuer=oidc_provider.issuer, subject="vneid-an")
    html = page_after(client, sign_in(client, "vneid-an"))
    assert "đã được liên kết với một danh tính điện tử khác" in html
    assert "_auth_user_id" not in client.session


def test_nonce_that_does_not_match_is_refused(client, oidc_provider):
    url = sign_in_at_provider(start(client), account="vneid-an")
    session = client.session
    for entry in session["oidc_states"].values():
        entry["nonce"] = "another-nonce"
    session.save()
    html = page_after(client, back_to_portal(client, url))
    assert "Không xác minh được lần đăng nhập VNeID" in html
    assert not User.objects.exists()


def test_pkce_verifier_is_checked_by_the_provider(client, oidc_provider):
    url = sign_in_at_provider(start(client), account="vneid-an")
    session = client.session
    for entry in session["oidc_states"].values():
        entry["code_verifier"] = "x" * 64
    session.save()
    html = page_after(client, back_to_portal(client, url))
    assert "Không xác minh được lần đăng nhập VNeID" in html
    assert not User.objects.exists()


class _ForeignKeys(BaseHTTPRequestHandler):
    """Serves a key set with the provider's key ids but another RSA key."""

    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_id_token_signed_by_another_key_is_refused(client, oidc_provider):
    import requests

    config = sso_provider.provider_config()
    real = requests.get(config.jwks_uri, timeout=5).json()["keys"]
    public = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    )
    keys = [
        {
            "kty": "RSA",
            "kid": key["kid"],
            "alg": "RS256",
            "use": "sig",
            "n": _b64(public.n),
            "e": _b64(public.e),
        }
        for key in real
    ]
    _ForeignKeys.body = json.dumps({"keys": keys}).encode()
    server = HTTPServer(("127.0.0.1", 0), _ForeignKeys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # The portal is told (through its cached discovery document) to trust other keys.
        forged = dataclasses.replace(config, jwks_uri=f"http://127.0.0.1:{server.server_port}/jwks")
        url = sign_in_at_provider(start(client), account="vneid-an")
        cache.set(sso_provider.discovery_cache_key(config.issuer), dataclasses.asdict(forged))
        html = page_after(client, back_to_portal(client, url))
    finally:
        server.shutdown()
    assert "Không xác minh được lần đăng nhập VNeID" in html
    assert not User.objects.exists()


def test_id_token_for_another_client_is_refused(client, oidc_provider, settings):
    url = sign_in_at_provider(start(client), account="vneid-an")
    # The same provider, but the portal now expects tokens issued to another client.
    settings.OIDC_RP_CLIENT_ID = "another-portal"
    html = page_after(client, back_to_portal(client, url))
    assert "Không xác minh được lần đăng nhập VNeID" in html
    assert not User.objects.exists()


def test_discovery_naming_another_issuer_is_not_used(client, oidc_provider, settings):
    settings.OIDC_ISSUER = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    response = client.get(START)
    assert response["Location"] == LOGIN
    assert "không phản hồi" in client.get(LOGIN).content.decode()


# --- The links in the admin; a password for a VNeID account -----------------------------------


def test_it_admin_reads_the_links_and_finds_one_by_cccd(client, oidc_provider, login_staff):
    sign_in(client, "vneid-an")
    sign_in(client.__class__(), "vneid-citizen")
    client.logout()
    login_staff(staff_user(Role.IT_ADMIN))
    listing = client.get("/admin/portal/externalidentity/")
    html = listing.content.decode()
    assert listing.status_code == 200
    assert "Trần Thị An" in html and "Nguyễn Văn Công Dân" in html
    assert oidc_provider.issuer in html
    assert "/admin/portal/externalidentity/add/" not in html  # made by signing in, not here
    found = client.get("/admin/portal/externalidentity/", {"q": "054195001234"}).content.decode()
    assert "Trần Thị An" in found and "Nguyễn Văn Công Dân" not in found
    link = ExternalIdentity.objects.get(subject="vneid-an")
    detail = client.get(f"/admin/portal/externalidentity/{link.pk}/change/")
    assert detail.status_code == 200
    assert 'name="subject"' not in detail.content.decode()  # read-only
    assert client.post(f"/admin/portal/externalidentity/{link.pk}/delete/").status_code == 403
    assert client.get("/admin/portal/externalidentity/add/").status_code == 403
    assert ExternalIdentity.objects.count() == 2


def reset_link(message) -> str:
    link = re.search(r"https?://testserver(/tai-khoan/dat-lai-mat-khau/[^\s]+/)", message.body)
    return link.group(1)


def test_vneid_citizen_adds_a_password_through_the_reset_e_mail(client, oidc_provider):
    sign_in(client, "vneid-an")
    client.logout()
    response = client.post("/tai-khoan/quen-mat-khau/", {"email": "An.Tran@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["an.tran@example.com"]
    assert "chưa có mật khẩu" in message.body and "VNeID vẫn dùng được" in message.body
    form = client.get(reset_link(message), follow=True)
    form_url = form.redirect_chain[-1][0]
    done = client.post(
        form_url, {"new_password1": "Moi-Mat-Khau-77", "new_password2": "Moi-Mat-Khau-77"}
    )
    assert done.status_code == 302
    user = User.objects.get(national_id="054195001234")
    assert user.check_password("Moi-Mat-Khau-77")
    # Both ways in now: the password, and VNeID as before.
    logged_in = two_factor_login(client, username="054195001234", password="Moi-Mat-Khau-77")
    assert logged_in.status_code == 302
    assert client.get("/tai-khoan/").context["user"] == user
    client.logout()
    assert sign_in(client, "vneid-an")["Location"] == "/tai-khoan/"


def test_a_signed_in_vneid_citizen_sets_a_password_without_an_old_one(client, oidc_provider):
    sign_in(client, "vneid-an")
    account = client.get("/tai-khoan/").content.decode()
    assert 'id="account-password"' in account and "Đặt mật khẩu" in account
    page = client.get("/tai-khoan/doi-mat-khau/").content.decode()
    assert 'id="password-first"' in page and 'name="old_password"' not in page
    mismatch = client.post(
        "/tai-khoan/doi-mat-khau/",
        {"new_password1": "Moi-Mat-Khau-77", "new_password2": "Moi-Mat-Khau-78"},
    )
    assert mismatch.status_code == 200 and "không giống nhau" in mismatch.content.decode()
    done = client.post(
        "/tai-khoan/doi-mat-khau/",
        {"new_password1": "Moi-Mat-Khau-77", "new_password2": "Moi-Mat-Khau-77"},
    )
    assert done.status_code == 302
    user = User.objects.get(national_id="054195001234")
    assert user.check_password("Moi-Mat-Khau-77")
    # From now on the page asks for the old password, as for everyone.
    changing = client.get("/tai-khoan/doi-mat-khau/").content.decode()
    assert 'name="old_password"' in changing and 'id="password-first"' not in changing


def test_accounts_without_password_and_without_vneid_get_no_link(client, oidc_provider):
    """Only VNeID citizens are let in: a password made unusable otherwise stays so, and staff
    (who never sign in through VNeID) get nothing either."""
    closed = UserFactory(email="khoa@example.com")
    closed.set_unusable_password()
    closed.save()
    officer = staff_user(Role.DESK_OFFICER, email="canbo@example.com")
    officer.set_unusable_password()
    officer.save()
    ExternalIdentity.objects.create(user=officer, issuer=oidc_provider.issuer, subject="x")
    for address in ("khoa@example.com", "canbo@example.com"):
        assert client.post("/tai-khoan/quen-mat-khau/", {"email": address}).status_code == 302
    assert mail.outbox == []
    # An account with its own password: the usual e-mail, without the VNeID sentence.
    UserFactory(email="co-mat-khau@example.com")
    client.post("/tai-khoan/quen-mat-khau/", {"email": "co-mat-khau@example.com"})
    assert len(mail.outbox) == 1 and "VNeID" not in mail.outbox[0].body
