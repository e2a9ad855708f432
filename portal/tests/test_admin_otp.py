"""The one-time-code device pages of the admin answer 404, not 500, for a device that is gone."""

import pytest

from portal.roles import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["config", "qrcode"])
def test_a_missing_device_is_a_404(login_staff, page):
    client = login_staff(staff_user(Role.IT_ADMIN))
    assert client.get(f"/admin/otp_totp/totpdevice/987654/{page}/").status_code == 404


def test_an_existing_device_still_shows_its_code(login_staff):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = login_staff(staff_user(Role.IT_ADMIN))
    device = TOTPDevice.objects.order_by("pk").last()
    response = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
