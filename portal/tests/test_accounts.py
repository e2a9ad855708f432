import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import User
from portal.roles import Role
from tests.factories import PASSWORD, UserFactory, staff_user, totp_device
from tests.helpers import totp_now, two_factor_login

pytestmark = pytest.mark.django_db

SIGNUP = {
    "full_name": "Nguyễn Thị Hoa",
    "national_id": "054195001234",
    "email": "hoa@example.com",
    "phone": "0905 111 222",
    "password1": "Hoa-Tuy-Hoa-2026",
    "password2": "Hoa-Tuy-Hoa-2026",
    "accept_terms": "on",
}


def signup(client, **changes):
    return client.post(reverse("portal:signup"), {**SIGNUP, **changes})


def text(response) -> str:
    return response.content.decode()


class TestSignUp:
    def test_citizen_signs_up_and_is_logged_in(self, client):
        response = signup(client)
        assert response.status_code == 302
        assert response.url == reverse("portal:profile")
        user = User.objects.get(national_id="054195001234")
        assert user.full_name == "Nguyễn Thị Hoa"
        assert user.phone == "0905111222"  # stored in national form
        assert not user.is_officer
        page = client.get(reverse("portal:profile"))
        assert "Nguyễn Thị Hoa" in text(page)
        assert "Tài khoản đã được tạo" in text(page)

    def test_mobile_only_is_enough(self, client):
        assert signup(client, email="").status_code == 302

    def test_needs_an_email_or_a_mobile(self, client):
        response = signup(client, email="", phone="")
        assert response.status_code == 200
        assert "Hãy cung cấp địa chỉ e-mail hoặc số điện thoại di động" in text(response)
        assert not User.objects.exists()

    @pytest.mark.parametrize(
        ("national_id", "message"),
        [
            ("05419500123", "phải có đúng 12 chữ số"),
            ("003195001234", "mã tỉnh"),
            ("054495001234", "không hợp lệ"),
        ],
    )
    def test_invalid_cccd_is_explained_and_input_kept(self, client, national_id, message):
        response = signup(client, national_id=national_id)
        assert response.status_code == 200
        body = text(response)
        assert message in body
        # What the person typed is still there (except passwords).
        assert 'value="Nguyễn Thị Hoa"' in body
        assert 'value="hoa@example.com"' in body
        assert f'value="{national_id}"' in body
        assert not User.objects.exists()

    def test_duplicates_are_refused_with_a_clear_message(self, client):
        UserFactory(national_id="054195001234", email="HOA@example.com", phone="0905111222")
        body = text(signup(client))
        assert "Đã có tài khoản với số CCCD này" in body
        assert "Đã có tài khoản với địa chỉ e-mail này" in body
        assert "Đã có tài khoản với số điện thoại này" in body

    def test_passwords_must_match_and_be_strong(self, client):
        assert "Hai mật khẩu không khớp" in text(signup(client, password2="khac-hoan-toan-9"))
        body = text(signup(client, password1="12345678", password2="12345678"))
        assert "Mật khẩu này" in body  # Django's own Vietnamese validator messages
        assert not User.objects.exists()

    def test_terms_must_be_accepted(self, client):
        response = signup(client, accept_terms="")
        assert "Bạn cần đồng ý với điều khoản sử dụng" in text(response)


class TestLogin:
    @pytest.mark.parametrize("identifier", ["national_id", "email", "phone"])
    def test_citizen_logs_in_with_any_identifier(self, client, identifier):
        user = UserFactory()
        response = two_factor_login(client, username=getattr(user, identifier), password=PASSWORD)
        assert response.status_code == 302
        assert client.get(reverse("portal:profile")).context["user"] == user

    def test_email_is_case_insensitive_and_phone_accepts_other_forms(self, client):
        user = UserFactory(email="an@example.com", phone="0905000111")
        assert (
            two_factor_login(client, username="AN@Example.com", password=PASSWORD).status_code
            == 302
        )
        client.logout()
        assert (
            two_factor_login(client, username="+84905000111", password=PASSWORD).status_code == 302
        )
        assert client.get(reverse("portal:profile")).context["user"] == user

    def test_wrong_password_says_so_in_vietnamese(self, client):
        user = UserFactory()
        response = two_factor_login(client, username=user.national_id, password="sai-mat-khau")
        assert response.status_code == 200
        assert "Tài khoản hoặc mật khẩu không đúng" in text(response)

    def test_logout_is_a_post(self, client):
        client.force_login(UserFactory())
        response = client.post(reverse("portal:logout"))
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session


class TestThrottling:
    def test_account_locked_after_repeated_failures(self, client, settings):
        user = UserFactory()
        for _ in range(settings.AXES_FAILURE_LIMIT):
            two_factor_login(client, username=user.national_id, password="sai")
        # Even the right password is refused now, with an explanation.
        response = two_factor_login(client, username=user.national_id, password=PASSWORD)
        assert response.status_code == 429
        assert "Đăng nhập sai quá nhiều lần" in text(response)
        assert "_auth_user_id" not in client.session

    def test_address_locked_after_failures_on_many_accounts(self, client, settings):
        settings.AXES_ADDRESS_FAILURE_LIMIT = 8
        users = UserFactory.create_batch(settings.AXES_ADDRESS_FAILURE_LIMIT + 1)
        for user in users[:-1]:
            two_factor_login(client, username=user.national_id, password="sai")
        response = two_factor_login(client, username=users[-1].national_id, password=PASSWORD)
        assert response.status_code == 429

    def test_other_address_not_affected_by_one_account_failures(self, client, settings):
        victim, other = UserFactory(), UserFactory()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            two_factor_login(client, username=victim.national_id, password="sai")
        # Below the limit a correct log-in still works and resets the count.
        assert (
            two_factor_login(client, username=other.national_id, password=PASSWORD).status_code
            == 302
        )


PROXY = "127.0.0.1"  # the test client's REMOTE_ADDR: the reverse proxy in front of the portal


def behind_proxy(address: str) -> Client:
    """A browser at `address`, reaching the portal through the reverse proxy."""
    return Client(REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": address})


class TestThrottlingBehindTheProxy:
    """Every request arrives from the proxy's address; the client's is in X-Forwarded-For."""

    @pytest.fixture(autouse=True)
    def _proxy(self, settings):
        settings.TRUSTED_PROXIES = [PROXY]

    def test_a_locked_address_does_not_stop_citizens_and_staff_elsewhere(self, settings):
        citizen = UserFactory()
        officer = staff_user(Role.DESK_OFFICER)
        device = totp_device(officer)
        stranger = behind_proxy("203.0.113.66")
        for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT + 1):
            two_factor_login(stranger, username=f"khong-co-{number}", password="sai")
        # The stranger's address is locked: even a right password is refused there.
        response = two_factor_login(stranger, username=citizen.national_id, password=PASSWORD)
        assert response.status_code == 429
        assert "Đăng nhập sai quá nhiều lần" in text(response)

        at_home = behind_proxy("198.51.100.7")
        response = two_factor_login(at_home, username=citizen.national_id, password=PASSWORD)
        assert response.status_code == 302
        assert at_home.get(reverse("portal:profile")).context["user"] == citizen

        at_the_desk = behind_proxy("198.51.100.20")
        response = two_factor_login(
            at_the_desk, username=officer.username, password=PASSWORD, device=device
        )
        assert response.status_code == 302
        assert at_the_desk.get(reverse("portal:profile")).context["user"] == officer

    def test_guessing_a_citizens_password_never_locks_the_citizen_out(self, settings):
        victim = UserFactory()
        stranger = behind_proxy("203.0.113.66")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            two_factor_login(stranger, username=victim.national_id, password="sai")
        # Locked for the stranger's address, whichever identifier of the account is typed...
        assert (
            two_factor_login(stranger, username=victim.email, password=PASSWORD).status_code == 429
        )
        # ...while the citizen logs in from home, and nothing is left to lock them out later.
        at_home = behind_proxy("198.51.100.7")
        assert (
            two_factor_login(at_home, username=victim.national_id, password=PASSWORD).status_code
            == 302
        )
        assert (
            two_factor_login(stranger, username=victim.phone, password=PASSWORD).status_code == 429
        )

    def test_every_identifier_of_an_account_counts_for_that_account(self, settings):
        user = UserFactory()
        client = behind_proxy("198.51.100.7")
        identifiers = [user.national_id, user.email, user.phone, user.email.upper(), user.username]
        for identifier in identifiers[: settings.AXES_FAILURE_LIMIT]:
            two_factor_login(client, username=identifier, password="sai")
        response = two_factor_login(client, username=user.national_id, password=PASSWORD)
        assert response.status_code == 429

    def test_logging_in_to_ones_own_account_does_not_reset_the_address(self, settings):
        settings.AXES_ADDRESS_FAILURE_LIMIT = 8
        own = UserFactory()
        stranger = behind_proxy("203.0.113.66")
        for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
            two_factor_login(stranger, username=f"khong-co-{number}", password="sai")
        assert (
            two_factor_login(stranger, username=own.national_id, password=PASSWORD).status_code
            == 302
        )
        stranger.logout()
        two_factor_login(stranger, username="khong-co-nua", password="sai")
        response = two_factor_login(stranger, username=own.national_id, password=PASSWORD)
        assert response.status_code == 429

    def test_x_forwarded_for_is_ignored_from_anyone_but_the_proxy(self, settings):
        settings.TRUSTED_PROXIES = ["10.0.0.1"]  # the test client is not that proxy
        for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
            # A new made-up address every time does not make a new client.
            client = behind_proxy(f"192.0.2.{number}")
            two_factor_login(client, username=f"khong-co-{number}", password="sai")
        user = UserFactory()
        response = two_factor_login(
            behind_proxy("192.0.2.200"), username=user.national_id, password=PASSWORD
        )
        assert response.status_code == 429


class TestStaffTwoFactor:
    def test_staff_with_authenticator_is_asked_for_the_code(self, client):
        user = staff_user(Role.DESK_OFFICER)
        device = totp_device(user)
        response = two_factor_login(client, username=user.username, password=PASSWORD)
        assert response.status_code == 200
        assert 'id="token-step"' in text(response)
        assert "_auth_user_id" not in client.session
        response = client.post(
            reverse("two_factor:login"),
            {"login_view-current_step": "token", "token-otp_token": "000000"},
        )
        assert "_auth_user_id" not in client.session
        # django-otp slows down guessing after a wrong code; let that delay pass.
        device.refresh_from_db()
        assert device.throttling_failure_count == 1
        device.throttle_reset()
        response = client.post(
            reverse("two_factor:login"),
            {"login_view-current_step": "token", "token-otp_token": totp_now(device)},
        )
        assert response.status_code == 302
        assert client.get(reverse("portal:profile")).status_code == 200

    def test_staff_without_authenticator_must_set_one_up(self, client):
        user = staff_user(Role.SPECIALIST)
        response = two_factor_login(client, username=user.username, password=PASSWORD)
        assert response.status_code == 302
        # Every page sends them to the set-up wizard until they have a verified device.
        for url in (reverse("portal:profile"), reverse("portal:home")):
            response = client.get(url)
            assert response.status_code == 302
            assert response.url == reverse("two_factor:setup")
        assert client.get(reverse("two_factor:setup")).status_code == 200

    def test_staff_cannot_turn_two_factor_off(self, client, login_staff):
        user = staff_user(Role.LEADER)
        login_staff(user)
        response = client.post(reverse("two_factor:disable"), {"understand": "on"})
        assert response.status_code == 302
        assert user.totpdevice_set.exists()

    def test_citizen_may_opt_in(self, client):
        client.force_login(UserFactory())
        response = client.get(reverse("two_factor:setup"))
        assert response.status_code == 200
        assert client.get(reverse("portal:home")).status_code == 200

    def test_admin_needs_a_verified_it_admin(self, client, login_staff):
        citizen = UserFactory()
        client.force_login(citizen)
        assert client.get("/admin/").status_code == 302
        client.logout()
        login_staff(staff_user(Role.IT_ADMIN))
        response = client.get("/admin/")
        assert response.status_code == 200
        assert client.get("/admin/portal/agency/").status_code == 200
        assert client.get("/admin/portal/calendaroverride/add/").status_code == 200


class TestPasswordReset:
    def test_reset_by_email(self, client):
        user = UserFactory(email="quen@example.com")
        response = client.post(reverse("portal:password_reset"), {"email": "quen@example.com"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["quen@example.com"]
        link = re.search(r"https?://[^\s]+/tai-khoan/dat-lai-mat-khau/[^\s]+/", message.body).group(
            0
        )
        path = link.split("testserver", 1)[1]
        response = client.get(path, follow=True)
        form_url = response.redirect_chain[-1][0]
        response = client.post(
            form_url, {"new_password1": "Moi-Mat-Khau-77", "new_password2": "Moi-Mat-Khau-77"}
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password("Moi-Mat-Khau-77")

    def test_unknown_address_reveals_nothing(self, client):
        response = client.post(reverse("portal:password_reset"), {"email": "ai@example.com"})
        assert response.status_code == 302
        assert mail.outbox == []

    def test_requests_are_limited_per_address_and_keep_the_address_typed(self, client, settings):
        settings.PASSWORD_RESET_RATE_LIMIT = 2
        UserFactory(email="quen@example.com")
        url = reverse("portal:password_reset")
        for _ in range(settings.PASSWORD_RESET_RATE_LIMIT):
            assert client.post(url, {"email": "quen@example.com"}).status_code == 302
        refused = client.post(url, {"email": "quen@example.com"})
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert "Có quá nhiều yêu cầu đặt lại mật khẩu" in text(refused)
        assert 'value="quen@example.com"' in text(refused)
        assert len(mail.outbox) == settings.PASSWORD_RESET_RATE_LIMIT
        # Another address is not affected.
        other = client.post(url, {"email": "quen@example.com"}, REMOTE_ADDR="198.51.100.9")
        assert other.status_code == 302
        assert len(mail.outbox) == settings.PASSWORD_RESET_RATE_LIMIT + 1


class TestProfile:
    def test_edit_contact_details_with_history(self, client):
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            reverse("portal:profile"),
            {
                "full_name": user.full_name,
                "email": "moi@example.com",
                "phone": "0987654321",
                "address": "12 Trần Hưng Đạo, Tuy Hòa",
            },
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert (user.email, user.phone) == ("moi@example.com", "0987654321")
        latest = user.history.first()
        assert latest.history_user == user
        assert latest.address == "12 Trần Hưng Đạo, Tuy Hòa"

    def test_taken_email_is_refused_and_input_kept(self, client):
        UserFactory(email="cua-nguoi-khac@example.com")
        user = UserFactory()
        client.force_login(user)
        response = client.post(
            reverse("portal:profile"),
            {"full_name": "Tên Mới", "email": "cua-nguoi-khac@example.com", "phone": user.phone},
        )
        assert response.status_code == 200
        assert "Đã có tài khoản với địa chỉ e-mail này" in text(response)
        assert 'value="Tên Mới"' in text(response)
        user.refresh_from_db()
        assert user.full_name != "Tên Mới"

    def test_profile_needs_login(self, client):
        response = client.get(reverse("portal:profile"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("two_factor:login"))
