"""A citizen files a commune-level procedure with another commune of the province (Decree 118)."""

import re

import pytest
from playwright.sync_api import expect

from dossiers.models import Dossier
from portal.models import Agency
from procedures.tests.factories import ProcedureFactory
from tests.accessibility import assert_accessible
from tests.conftest import shot
from tests.factories import PASSWORD, AgencyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_chooses_the_commune_that_settles_the_dossier(page):
    province = AgencyFactory(code="000.00.00.H40", name="UBND tỉnh Đắk Lắk")
    tuy_hoa = AgencyFactory(
        code="000.01.30.H40",
        name="UBND phường Tuy Hòa",
        level=Agency.Level.COMMUNE,
        parent=province,
    )
    tuy_an = AgencyFactory(
        code="000.02.30.H40",
        name="UBND xã Tuy An Bắc",
        level=Agency.Level.COMMUNE,
        parent=province,
    )
    procedure = ProcedureFactory(
        level4=True,
        published=True,
        agency=tuy_an,
        name="Đăng ký kết hôn",
        filed_regardless_of_boundary=True,
    )
    citizen = UserFactory(full_name="Phạm Thị Lan", address="Thôn Phú Thạnh")

    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='auth-username']").fill(citizen.national_id)
    page.locator("input[name='auth-password']").fill(PASSWORD)
    page.locator("form button[type=submit].btn-primary").click()
    page.goto(f"/nop-ho-so/{procedure.code}/")
    expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/$"))
    choice = page.get_by_label("Xã, phường giải quyết hồ sơ")
    expect(choice).to_have_value(str(tuy_an.pk))
    choice.select_option(label="UBND phường Tuy Hòa")
    shot(page, "filing-commune-choice")
    assert_accessible(page)
    page.locator("#id_declaration").check()
    page.locator("#submit-dossier").click()
    expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/da-nop/$"))
    dossier = Dossier.objects.get(applicant=citizen)
    assert dossier.agency == tuy_hoa and dossier.code.startswith(tuy_hoa.code)
    expect(page.locator("body")).to_contain_text("UBND phường Tuy Hòa")
