"""Each role lands on its own start page after logging in, and the account bar offers each role
the staff pages it can open; a refusal (403) is logged as one line, without a traceback."""

import logging

import pytest
from django.urls import reverse

from portal.roles import Role
from tests.factories import PASSWORD, UserFactory, staff_user, totp_device
from tests.helpers import two_factor_login

pytestmark = pytest.mark.django_db


def log_in(client, user):
    device = totp_device(user) if user.requires_two_factor else None
    login = user.username if user.requires_two_factor else user.national_id
    response = two_factor_login(client, username=login, password=PASSWORD, device=device)
    assert response.status_code == 302, response.content[:2000]
    return response


@pytest.mark.parametrize(
    ("make_user", "landing"),
    [
        (lambda: staff_user(Role.DESK_OFFICER), "/can-bo/"),
        (lambda: staff_user(Role.SPECIALIST), "/can-bo/xu-ly/"),
        (lambda: staff_user(Role.LEADER), "/can-bo/tong-quan/"),
        # The demo's `quantri`: an IT administrator who also belongs to an agency.
        (lambda: staff_user(Role.IT_ADMIN), "/admin/"),
        (lambda: staff_user(Role.IT_ADMIN, agency=None, department=None), "/admin/"),
        (lambda: UserFactory(), "/tai-khoan/"),
    ],
    ids=["desk", "specialist", "leader", "it-admin-of-an-agency", "it-admin", "citizen"],
)
def test_every_role_lands_on_its_own_start_page(client, make_user, landing):
    user = make_user()
    response = log_in(client, user)
    page = client.get(response["Location"], follow=True)
    assert page.status_code == 200
    assert page.request["PATH_INFO"] == landing


def test_the_it_admin_sees_links_to_the_admin_and_the_reports_and_can_open_them(client):
    it_admin = staff_user(Role.IT_ADMIN)
    log_in(client, it_admin)
    home = client.get("/").content.decode()
    assert 'id="nav-admin" href="/admin/"' in home
    assert 'id="nav-it-reports" href="/can-bo/bao-cao/"' in home
    assert 'id="nav-staff-area"' not in home  # no desk, specialist or leader page to open
    assert client.get("/admin/").status_code == 200
    assert client.get("/can-bo/bao-cao/").status_code == 200
    # The staff area sends IT staff to their start page instead of refusing them.
    response = client.get("/can-bo/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.parametrize("role", [Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER])
def test_agency_staff_see_the_staff_area_but_not_the_admin(client, role):
    log_in(client, staff_user(role))
    home = client.get("/").content.decode()
    assert 'id="nav-staff-area" href="/can-bo/"' in home
    assert 'id="nav-admin"' not in home and 'id="nav-it-reports"' not in home
    assert client.get("/can-bo/", follow=True).status_code == 200


def test_citizens_see_no_staff_link_and_are_refused_the_staff_area(client):
    log_in(client, UserFactory())
    home = client.get("/").content.decode()
    assert 'id="nav-staff-area"' not in home and 'id="nav-admin"' not in home
    refused = client.get("/can-bo/")
    assert refused.status_code == 403
    # The refusal page leads back to where the citizen starts.
    assert f'id="error-start-page" href="{reverse("portal:profile")}"' in refused.content.decode()


def test_a_refusal_is_logged_in_one_line_without_a_traceback(client, caplog):
    log_in(client, UserFactory())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/can-bo/xu-ly/").status_code == 403
    refusals = [record for record in caplog.records if record.name == "django.request"]
    assert refusals, "the 403 is still logged"
    assert all(record.exc_info is None for record in refusals)
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback():
    from portal.log_filters import RefusalWithoutTraceback

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error",
            (),
            sys.exc_info(),
        )
    record.status_code = 500
    assert RefusalWithoutTraceback().filter(record) and record.exc_info is not None
