"""Decree 118/2025: a commune-level procedure is filed with any commune or ward of the province."""

from datetime import date

import pytest
from django.urls import reverse

from dossiers.models import Dossier
from dossiers.tests.test_citizen_pages import edit_url, form_data
from portal.models import Agency, SuccessionKind
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def province():
    root = AgencyFactory(code="000.00.00.H40", name="UBND tỉnh Đắk Lắk")
    communes = {
        name: AgencyFactory(
            code=f"000.{n:02d}.30.H40", name=name, level=Agency.Level.COMMUNE, parent=root
        )
        for n, name in enumerate(["UBND phường Tuy Hòa", "UBND xã Tuy An Bắc"], start=1)
    }
    merged = AgencyFactory(
        code="000.09.30.H40",
        name="UBND Phường 7 (cũ)",
        level=Agency.Level.COMMUNE,
        parent=root,
        successor=communes["UBND phường Tuy Hòa"],
        succession_kind=SuccessionKind.MERGED,
        succession_effective_on=date(2025, 7, 1),
    )
    other_root = AgencyFactory(code="000.00.00.H41", name="UBND tỉnh khác")
    AgencyFactory(
        code="000.01.30.H41",
        name="UBND xã ngoài tỉnh",
        level=Agency.Level.COMMUNE,
        parent=other_root,
    )
    return {"root": root, "merged": merged, **communes}


@pytest.fixture
def citizen(client):
    user = UserFactory(address="Thôn Phú Thạnh")
    client.force_login(user)
    client.user = user
    return client


def open_draft(citizen, procedure):
    response = citizen.get(reverse("dossiers:submit", kwargs={"code": procedure.code}))
    assert response.status_code == 302
    return Dossier.objects.get(applicant=citizen.user, procedure=procedure)


def test_the_draft_offers_every_commune_of_the_province(citizen, province):
    procedure = ProcedureFactory(
        level4=True,
        published=True,
        agency=province["UBND xã Tuy An Bắc"],
        filed_regardless_of_boundary=True,
    )
    dossier = open_draft(citizen, procedure)
    body = citizen.get(edit_url(dossier)).content.decode()
    assert "Xã, phường giải quyết hồ sơ" in body
    assert "UBND phường Tuy Hòa" in body and "UBND xã Tuy An Bắc" in body
    # Neither a merged commune nor one of another province.
    assert "UBND Phường 7 (cũ)" not in body and "UBND xã ngoài tỉnh" not in body


def test_the_dossier_goes_to_the_commune_chosen(citizen, province):
    chosen = province["UBND phường Tuy Hòa"]
    procedure = ProcedureFactory(
        level4=True,
        published=True,
        agency=province["UBND xã Tuy An Bắc"],
        filed_regardless_of_boundary=True,
    )
    dossier = open_draft(citizen, procedure)
    data = form_data(dossier, agency=str(chosen.pk), action="submit", declaration="on")
    response = citizen.post(edit_url(dossier), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier.refresh_from_db()
    assert dossier.agency == chosen
    assert dossier.state == Dossier.State.RECEIVED
    assert dossier.code.startswith(chosen.code)
    page = citizen.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "UBND phường Tuy Hòa" in page


def test_a_commune_outside_the_province_is_refused_and_the_typing_kept(citizen, province):
    outside = Agency.objects.get(name="UBND xã ngoài tỉnh")
    procedure = ProcedureFactory(
        level4=True,
        published=True,
        agency=province["UBND xã Tuy An Bắc"],
        filed_regardless_of_boundary=True,
    )
    dossier = open_draft(citizen, procedure)
    data = form_data(dossier, agency=str(outside.pk), applicant_address="Số 5 đường Mới")
    response = citizen.post(edit_url(dossier), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Số 5 đường Mới" in body
    dossier.refresh_from_db()
    assert dossier.agency == province["UBND xã Tuy An Bắc"]
    response = citizen.post(edit_url(dossier), {**data, "agency": "x' OR 1=1"})
    assert response.status_code == 200


def test_a_provincial_procedure_has_no_choice(citizen, province):
    procedure = ProcedureFactory(level4=True, published=True, agency=province["root"])
    dossier = open_draft(citizen, procedure)
    body = citizen.get(edit_url(dossier)).content.decode()
    assert 'id="filing-agency"' not in body
    response = citizen.post(
        edit_url(dossier), form_data(dossier, agency=str(province["UBND phường Tuy Hòa"].pk))
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.agency == province["root"]


def test_a_commune_procedure_off_the_provinces_list_has_no_choice(citizen, province):
    # Decree 118 covers the procedures the province lists, not every commune-level one.
    procedure = ProcedureFactory(level4=True, published=True, agency=province["UBND xã Tuy An Bắc"])
    dossier = open_draft(citizen, procedure)
    body = citizen.get(edit_url(dossier)).content.decode()
    assert 'id="filing-agency"' not in body
    response = citizen.post(
        edit_url(dossier), form_data(dossier, agency=str(province["UBND phường Tuy Hòa"].pk))
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.agency == province["UBND xã Tuy An Bắc"]


def test_the_procedure_page_says_where_it_can_be_filed(client, province):
    listed = ProcedureFactory(
        level4=True,
        published=True,
        agency=province["UBND xã Tuy An Bắc"],
        filed_regardless_of_boundary=True,
    )
    unlisted = ProcedureFactory(level4=True, published=True, agency=province["UBND xã Tuy An Bắc"])
    page = client.get(reverse("procedures:detail", kwargs={"code": listed.code})).content.decode()
    assert 'id="filed-any-commune"' in page
    assert "không phụ thuộc vào địa giới hành chính" in page
    other = client.get(reverse("procedures:detail", kwargs={"code": unlisted.code}))
    assert 'id="filed-any-commune"' not in other.content.decode()
