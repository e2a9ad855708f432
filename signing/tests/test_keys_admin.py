"""Agency certificates: the demo CA, the admin's list and its expiry warning."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from portal.roles import Role
from signing import ca, keys
from signing.demo import seed_signing_demo
from tests.factories import AgencyFactory, UserFactory, add_roles

pytestmark = pytest.mark.django_db


def test_the_demo_gives_each_agency_its_own_certificate_under_the_root(settings, tmp_path):
    settings.SIGNING_KEYS_DIR = tmp_path
    agency = AgencyFactory(code="000.00.01.H45", name="Sở Tư pháp tỉnh Phú Yên")
    assert seed_signing_demo() >= 2
    assert seed_signing_demo() == 0  # idempotent
    key = keys.key_for(agency)
    assert key.name == agency.code
    assert key.common_name == "Sở Tư pháp tỉnh Phú Yên"
    # The password is beside the key or in the environment, never in the database.
    assert (tmp_path / f"{agency.code}.pass").exists()
    assert (tmp_path / ca.ROOT_CERT).exists()


def test_the_password_can_come_from_the_environment(settings, tmp_path, monkeypatch):
    settings.SIGNING_KEYS_DIR = tmp_path
    agency = AgencyFactory(code="H45-TEST")
    ca.issue_agency_certificate(tmp_path, agency_code=agency.code, agency_name="A", province="P")
    secret = (tmp_path / f"{agency.code}.pass").read_text()
    (tmp_path / f"{agency.code}.pass").unlink()
    monkeypatch.setenv(keys.password_variable(agency.code), secret)
    keys._cache.clear()
    assert keys.key_for(agency).name == agency.code


def test_an_expired_certificate_does_not_sign(settings, tmp_path):
    from signing.errors import SigningError

    settings.SIGNING_KEYS_DIR = tmp_path
    settings.SIGNING_DEFAULT_KEY = ""
    agency = AgencyFactory(code="H45-OLD")
    ca.issue_agency_certificate(
        tmp_path,
        agency_code=agency.code,
        agency_name="A",
        province="P",
        not_before=datetime.now(UTC) - timedelta(days=800),
    )
    with pytest.raises(SigningError, match="H45-OLD"):
        keys.key_for(agency)


def test_the_admin_lists_certificates_and_warns_before_expiry(login_staff, settings, tmp_path):
    settings.SIGNING_KEYS_DIR = tmp_path
    soon = AgencyFactory(code="H45-SOON", name="Sở Xây dựng")
    AgencyFactory(code="H45-NONE", name="Sở Y tế")
    ca.issue_agency_certificate(
        tmp_path,
        agency_code=soon.code,
        agency_name="Sở Xây dựng",
        province="Phú Yên",
        valid_days=20,
    )
    client = login_staff(add_roles(UserFactory(staff=True, is_staff=True), Role.IT_ADMIN))
    response = client.get(reverse("admin:signing_agencycertificate_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sở Xây dựng" in page and "Sở Y tế" in page
    assert keys.own_key(soon).serial in page
    assert "Expires within 30 days" in page or "Hết hạn trong vòng 30 ngày" in page
    assert "Chứng thư số ký văn bản của Sở Xây dựng hết hạn" in page
