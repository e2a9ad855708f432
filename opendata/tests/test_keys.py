"""Partner keys: issued in the admin, stored hashed, revocable, each with its own rate limit."""

import pytest
from django.urls import reverse

from dossiers.tests.factories import DossierFactory
from opendata import keys
from opendata.models import PartnerKey
from portal.roles import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

LIST = "/api/v1/sectors/"


def statuses(client, path, times, **headers):
    return [client.get(path, headers=headers).status_code for _ in range(times)]


def test_without_a_key_an_address_gets_the_public_limit(client, settings):
    settings.API_RATE_LIMIT = 3
    assert statuses(client, LIST, 3) == [200, 200, 200]
    refused = client.get(LIST)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("Quá nhiều yêu cầu")
    assert refused["Cache-Control"] == "private, no-store"


def test_a_partner_key_has_its_own_higher_limit(client, settings):
    settings.API_RATE_LIMIT = 2
    issued = keys.partner_key_issue(name="Báo Phú Yên", rate_limit=5, actor=None)
    header = {"X-API-Key": issued.raw_key}
    assert statuses(client, LIST, 5, **header) == [200] * 5
    assert client.get(LIST, headers=header).status_code == 429
    # The public's own budget was not touched by the partner's requests.
    assert statuses(client, LIST, 2) == [200, 200]


def test_keys_are_stored_hashed(client):
    issued = keys.partner_key_issue(name="Sở TT&TT", actor=None)
    stored = PartnerKey.objects.get()
    assert issued.raw_key not in (stored.digest, stored.prefix)
    assert stored.digest == keys.key_digest(issued.raw_key)
    assert issued.raw_key.startswith(f"dvc_{stored.prefix}_")


def test_a_revoked_or_unknown_key_is_refused_with_a_clear_message(client):
    issued = keys.partner_key_issue(name="Đối tác", actor=None)
    header = {"X-API-Key": issued.raw_key}
    assert client.get(LIST, headers=header).status_code == 200
    keys.partner_key_revoke(key_id=issued.key.pk, actor=None)
    refused = client.get(LIST, headers=header)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Khóa API này không hợp lệ hoặc đã bị thu hồi."
    wrong = client.get(LIST, headers={"X-API-Key": issued.raw_key[:-2] + "xx"})
    assert wrong.status_code == 401
    assert client.get(LIST, headers={"X-API-Key": "\x00" * 500}).status_code == 401


def test_dossier_status_without_a_key_shares_the_lookup_pages_limit(client, settings):
    settings.LOOKUP_RATE_LIMIT = 2
    DossierFactory(processing=True, code="000.00.01.H45-261124-0001")
    assert (
        client.get(reverse("lookup:lookup"), {"ma": "000.00.01.H45-261124-0001"}).status_code == 200
    )
    assert client.get("/api/v1/dossiers/000.00.01.H45-261124-0001/").status_code == 200
    refused = client.get("/api/v1/dossiers/000.00.01.H45-261124-0001/")
    assert refused.status_code == 429 and refused["Retry-After"]
    # … and the other way round: the page is refused too.
    assert (
        client.get(reverse("lookup:lookup"), {"ma": "000.00.01.H45-261124-0001"}).status_code == 429
    )


def test_it_staff_issue_a_key_in_the_admin_and_see_it_once(login_staff, settings):
    admin_user = staff_user(Role.IT_ADMIN, is_superuser=True)
    client = login_staff(admin_user)
    response = client.post(
        reverse("admin:opendata_partnerkey_add"),
        {"name": "Trường Đại học Phú Yên", "contact_email": "", "rate_limit": "50"},
        follow=True,
    )
    assert response.status_code == 200
    key = PartnerKey.objects.get()
    assert key.created_by == admin_user and key.rate_limit == 50
    shown = [str(message) for message in response.context["messages"]]
    raw = next(
        word.rstrip(".") for text in shown for word in text.split() if word.startswith("dvc_")
    )
    assert keys.key_digest(raw) == key.digest
    # Not shown again on the key's page.
    page = client.get(reverse("admin:opendata_partnerkey_change", args=[key.pk]))
    assert raw not in page.content.decode()
    # Revoked through the admin action.
    client.post(
        reverse("admin:opendata_partnerkey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    anonymous = type(client)()
    assert anonymous.get(LIST, headers={"X-API-Key": raw}).status_code == 401
