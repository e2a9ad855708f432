"""Sessions end when nobody uses them: soon for staff on shared desk PCs, later for citizens."""

import time

import pytest
from django.conf import settings

from portal.roles import Role
from portal.session_lifetime import LAST_SEEN
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/can-bo/"
CITIZEN_PAGE = "/ho-so-cua-toi/"


def go_idle(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def session_cookie(response):
    return response.cookies.get(settings.SESSION_COOKIE_NAME)


def test_a_staff_session_ends_when_the_browser_closes(login_staff):
    client = login_staff(staff_user(Role.DESK_OFFICER))
    go_idle(client, 120)  # due for its once-a-minute refresh
    response = client.get(STAFF_PAGE)
    assert response.status_code == 200
    cookie = session_cookie(response)
    assert cookie is not None
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a browser-session cookie


def test_a_staff_session_ends_after_30_idle_minutes(login_staff):
    client = login_staff(staff_user(Role.DESK_OFFICER))
    go_idle(client, 29 * 60)
    assert client.get(STAFF_PAGE).status_code == 200  # still signed in, and the clock restarts

    go_idle(client, 31 * 60)
    response = client.get(STAFF_PAGE, follow=True)
    assert response.redirect_chain and "dang-nhap" in response.redirect_chain[-1][0]
    assert "30 phút" in response.content.decode()  # told why, in Vietnamese
    assert "_auth_user_id" not in client.session


def test_a_citizen_stays_signed_in_for_days_but_not_forever(client):
    citizen = UserFactory()
    client.force_login(citizen)
    response = client.get(CITIZEN_PAGE)
    assert response.status_code == 200
    assert int(session_cookie(response)["max-age"]) == settings.CITIZEN_SESSION_IDLE_MINUTES * 60

    go_idle(client, 3 * 24 * 3600)
    assert client.get(CITIZEN_PAGE).status_code == 200

    go_idle(client, 8 * 24 * 3600)
    response = client.get(CITIZEN_PAGE)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_limits_are_settings(login_staff, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    client = login_staff(staff_user(Role.DESK_OFFICER))
    go_idle(client, 6 * 60)
    assert client.get(STAFF_PAGE).status_code == 302


def test_the_session_is_not_saved_on_every_request(client):
    client.force_login(UserFactory())
    client.get(CITIZEN_PAGE)
    first = client.session[LAST_SEEN]
    client.get(CITIZEN_PAGE)
    assert client.session[LAST_SEEN] == first
