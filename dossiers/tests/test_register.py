"""The dossier register (Sổ theo dõi hồ sơ, Mẫu 07 of Circular 03/2025/TT-VPCP), staff area."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.tests.factories import DossierFactory, desk_officer_for
from portal.roles import Role
from procedures.tests.factories import ProcedureFactory
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(django_capture_on_commit_callbacks):
    procedure = ProcedureFactory(level4=True, published=True)
    dossiers = [
        DossierFactory(received=True, procedure=procedure, applicant_name=name)
        for name in ("Nguyễn Văn An", '=HYPERLINK("http://x")')
    ]
    for dossier in dossiers:
        with django_capture_on_commit_callbacks(execute=True):
            services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    other = DossierFactory(received=True, applicant_name="Người Tỉnh Khác")
    services.dossier_accept(dossier_id=other.pk, officer=desk_officer_for(other))
    return dossiers


def _period() -> dict[str, str]:
    today = timezone.localdate().isoformat()
    return {"tu": today, "den": today}


def test_the_desk_sees_its_agencys_register_in_order(client, login_staff, accepted):
    login_staff(desk_officer_for(accepted[0]))
    response = client.get(reverse("desk:register"), _period())
    assert response.status_code == 200
    page = response.content.decode()
    assert "SỔ THEO DÕI HỒ SƠ" in page
    assert page.index(accepted[0].code) < page.index(accepted[1].code)
    assert "Nguyễn Văn An" in page
    assert "Người Tỉnh Khác" not in page  # another agency's dossier


def test_the_register_exports_as_csv_for_the_period(client, login_staff, accepted):
    login_staff(staff_user(Role.LEADER, agency=accepted[0].agency))
    response = client.get(reverse("desk:register"), {**_period(), "xuat": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Quyển số", "Số thứ tự", "Mã hồ sơ"]
    year = str(timezone.localdate().year)
    assert [row[:3] for row in rows[1:]] == [
        [year, "1", accepted[0].code],
        [year, "2", accepted[1].code],
    ]
    assert rows[2][4].startswith("'=")  # a formula typed as a name stays text


def test_a_wrong_period_is_explained_and_kept(client, login_staff, accepted):
    login_staff(desk_officer_for(accepted[0]))
    response = client.get(reverse("desk:register"), {"tu": "2026-12-10", "den": "2026-12-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="2026-12-10"' in page
    assert "aria-invalid" in page
    response = client.get(reverse("desk:register"), {"tu": "hôm qua", "den": "\x00"})
    assert response.status_code == 400


def test_a_citizen_or_a_specialist_has_no_register(client, login_staff, accepted):
    client.force_login(accepted[0].applicant)
    assert client.get(reverse("desk:register")).status_code in (302, 403)
    login_staff(staff_user(Role.SPECIALIST, agency=accepted[0].agency))
    assert client.get(reverse("desk:register")).status_code == 403
