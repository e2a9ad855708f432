"""A citizen downloads the signed receipt, opens the link of its QR code and sees it is genuine."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from dossiers import services
from dossiers.models import Notice
from dossiers.tests.factories import DossierFactory, desk_officer_for
from tests.conftest import shot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_citizen_verifies_the_receipt_through_its_qr_link(
    page, live_server, settings, tmp_path
):
    settings.PORTAL_BASE_URL = live_server.url  # the printed link leads to this server
    citizen = UserFactory()
    dossier = DossierFactory(received=True, applicant=citizen)
    services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    assert Notice.objects.get(dossier=dossier, kind=Notice.Kind.RECEIPT).status == "ready"

    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='auth-username']").fill(citizen.national_id)
    page.locator("input[name='auth-password']").fill(PASSWORD)
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".user-name")).to_be_visible()
    page.goto(f"/ho-so-cua-toi/{dossier.pk}/")
    link = page.locator("#notices a.download-link").first
    expect(link).to_be_visible()
    response = page.request.get(link.get_attribute("href"))
    assert response.ok
    receipt = response.body()
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt)).pages).split()
    )
    found = re.search(re.escape(live_server.url) + r"/xac-thuc/[A-Za-z0-9_-]+/", text)
    assert found, text

    page.goto(found.group(0))  # what the QR code holds
    expect(page.locator("[data-outcome='issued']")).to_be_visible()
    expect(page.locator("main")).to_contain_text(dossier.code)

    upload = tmp_path / "bien-nhan.pdf"
    upload.write_bytes(receipt)
    page.locator("input[type='file']").set_input_files(str(upload))
    page.locator("form.verify-form button[type='submit']").click()
    expect(page.locator("[data-outcome='valid']")).to_be_visible()
    expect(page.locator("[data-copy='match']")).to_be_visible()
    shot(page, "verification-valid")
