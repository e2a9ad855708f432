"""What the IT officer reads in the admin is Vietnamese: no English model names, Django strings
missing from its Vietnamese catalogue, or raw role codes."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group

from portal.roles import Role
from tests.factories import UserFactory, staff_user, totp_device

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/",
    "/admin/portal/user/",
    "/admin/portal/user/add/",
    "/admin/auth/group/",
    "/admin/axes/accessattempt/",
    "/admin/axes/accesslog/",
    "/admin/otp_totp/totpdevice/",
    "/admin/otp_static/staticdevice/",
    "/admin/portal/agency/",
]
ENGLISH = [
    "Show counts",
    "Hide counts",
    "Skip to main content",
    "Toggle theme",
    "Access attempts",
    "access attempts",
    "Access logs",
    "TOTP device",
    "Static device",
    "OTP_TOTP",
    "OTP_STATIC",
    ">Axes<",
    "IP Address",
    "User Agent",
    "Attempt Time",
    "Thêm vào",
    "desk_officer",
    "it_admin",
]


def visible_text(html: str) -> str:
    """What is on the screen or read out: text and the attributes people see."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    attributes = " ".join(re.findall(r'(?:title|aria-label|placeholder)="([^"]*)"', html))
    text = re.sub(r"<[^>]+>", " ", html)
    return f"{text} {attributes}"


def test_the_main_admin_pages_speak_vietnamese(client, login_staff):
    it_officer = staff_user(Role.IT_ADMIN, is_superuser=True)
    desk = staff_user(Role.DESK_OFFICER)
    totp_device(desk)
    AccessAttempt.objects.create(
        username="motcua", ip_address="203.0.113.5", user_agent="Firefox", failures_since_start=3
    )
    login_staff(it_officer)
    for page in [*PAGES, f"/admin/portal/user/{desk.pk}/change/"]:
        response = client.get(page)
        assert response.status_code == 200, page
        text = visible_text(response.content.decode())
        for english in ENGLISH:
            assert english not in text, (page, english)

    users = client.get("/admin/portal/user/").content.decode()
    assert "Cán bộ tiếp nhận" in users or str(Role.DESK_OFFICER.label) in users
    assert "Ứng dụng xác thực" in client.get("/admin/").content.decode()
    add = client.get("/admin/portal/user/add/").content.decode()
    assert "Thêm người dùng" in add


def test_users_are_filtered_by_role_in_words(client, login_staff):
    login_staff(staff_user(Role.IT_ADMIN, is_superuser=True))
    desk = staff_user(Role.DESK_OFFICER)
    citizen = UserFactory()
    page = client.get("/admin/portal/user/", {"vai_tro": Role.DESK_OFFICER.value}).content.decode()
    assert desk.username in page and citizen.username not in page
    assert Group.objects.filter(name=Role.DESK_OFFICER.value).exists()
