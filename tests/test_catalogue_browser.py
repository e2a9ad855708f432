"""A citizen finds a procedure from the home page, downloads its form and goes to submit it."""

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from portal.demo import load_catalogue
from portal.services import organisation_import
from procedures import services
from procedures.catalogue_io import catalogue_import
from procedures.demo_forms import form_pdf
from procedures.models import Procedure
from tests.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUILDING_PERMIT = "1.013225"
BUILDING_PERMIT_NAME = (
    "Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV và nhà ở riêng lẻ"
)


@pytest.fixture
def catalogue():
    data = load_catalogue()
    organisation_import(agencies=data["agencies"])
    catalogue_import(data=data, actor=None)
    procedure = Procedure.objects.get(code=BUILDING_PERMIT)
    document = procedure.documents.order_by("position", "pk").first()
    if not document.template_file:
        pdf = form_pdf(title="Đơn đề nghị cấp giấy phép xây dựng", procedure_name=procedure.name)
        document.template_file.save("mau-don-gpxd.pdf", ContentFile(pdf), save=True)
        services.procedure_record_edit(procedure=procedure, actor=None)
    return procedure


def test_citizen_finds_a_procedure_downloads_the_form_and_is_asked_to_log_in(page, catalogue):
    page.goto("/")
    popular = page.locator(".popular-list")
    expect(popular.get_by_role("link").first).to_be_visible()
    page.locator("#home-q").fill("giay phep xay dung")
    page.locator("#home-q").press("Enter")

    expect(page).to_have_url(re.compile(r"/thu-tuc/\?q=giay\+phep\+xay\+dung$"))
    result = page.get_by_role("link", name=BUILDING_PERMIT_NAME)
    expect(result).to_be_visible()
    expect(page.locator(".procedure-item", has=result)).to_contain_text(BUILDING_PERMIT)
    expect(page.locator(".procedure-item", has=result).locator(".badge-level-3")).to_be_visible()
    shot(page, "catalogue-search")

    result.click()
    expect(page).to_have_url(re.compile(rf"/thu-tuc/{re.escape(BUILDING_PERMIT)}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(BUILDING_PERMIT_NAME)
    expect(page.locator(".documents-table tbody tr")).to_have_count(4)
    expect(page.locator(".fees-table")).to_contain_text("75.000 đ")
    shot(page, "procedure-detail")

    with page.expect_download() as download_info:
        page.locator(".documents-table a.download-link").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    page.set_viewport_size({"width": 390, "height": 844})
    submit = page.locator(f'a[href="/nop-ho-so/{BUILDING_PERMIT}/"]')
    expect(submit).to_be_visible()
    shot(page, "procedure-detail-mobile")

    submit.click()
    expect(page).to_have_url(
        re.compile(rf"/tai-khoan/dang-nhap/\?next=/nop-ho-so/{re.escape(BUILDING_PERMIT)}/$")
    )
    expect(page.locator("input[type=password]")).to_be_visible()


def test_catalogue_filters_work_without_javascript(browser, live_server, catalogue):
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    try:
        page.goto("/thu-tuc/")
        page.locator("#filter-level").select_option("4")
        page.locator("#filter-agency-level").select_option("tinh")
        page.locator(".filter-actions button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"cap=tinh"))
        expect(page).to_have_url(re.compile(r"muc-do=4"))
        items = page.locator(".procedure-item")
        expect(items.first).to_be_visible()
        assert items.count() == items.locator(".badge-level-4").count()
        expect(page.locator(".active-filters li")).to_have_count(2)
        shot(page, "catalogue-filtered")

        page.set_viewport_size({"width": 390, "height": 844})
        page.goto("/thu-tuc/")
        shot(page, "catalogue-mobile")
    finally:
        context.close()
