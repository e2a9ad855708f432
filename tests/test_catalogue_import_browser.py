"""IT staff upload a catalogue and follow its import: the progress page updates itself with
JavaScript (no reload) and reloads itself without it, then lists the problems or the summary.

Screenshots: waiting, imported (JavaScript), the problems table (no JavaScript).
"""

import copy
import json

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from portal.demo import load_catalogue
from portal.roles import Role
from portal.services import organisation_import
from procedures import services
from procedures.models import CatalogueImport, Procedure
from tests.conftest import shot
from tests.factories import staff_user
from tests.test_reports_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sample():
    data = load_catalogue()
    organisation_import(agencies=data["agencies"])
    return data


def waiting_import(user, data):
    """An uploaded file whose task has not run yet (a worker busy or the broker slow)."""
    job = CatalogueImport(original_name="danh-muc.json", requested_by=user, language="vi")
    job.file.save("catalogue.json", ContentFile(json.dumps(data).encode()), save=True)
    return job


def test_the_progress_page_follows_the_import_with_javascript(page, sample):
    it_admin = staff_user(Role.IT_ADMIN)
    job = waiting_import(it_admin, sample)
    log_in(page, it_admin, f"/admin/procedures/procedure/import/{job.pk}/")
    status = page.locator("#import-progress")
    expect(status).to_contain_text("Đang chờ hệ thống bắt đầu nhập")
    shot(page, "catalogue-import-waiting")
    page.evaluate("window.notReloaded = true")

    services.catalogue_import_run(import_id=job.pk)  # the worker

    expect(status).to_contain_text("tạo mới 45", timeout=20_000)
    assert page.evaluate("window.notReloaded") is True  # updated in place, not reloaded
    expect(page.get_by_role("link", name="Xem danh sách thủ tục")).to_be_visible()
    shot(page, "catalogue-import-done")
    assert Procedure.published.count() == 45


def test_without_javascript_the_page_reloads_until_the_problems_are_listed(
    browser, live_server, sample
):
    it_admin = staff_user(Role.IT_ADMIN)
    bad = copy.deepcopy(sample)
    bad["procedures"][29]["level"] = 7
    bad["procedures"][40]["processing_days"] = "mười"
    job = waiting_import(it_admin, bad)
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, it_admin, f"/admin/procedures/procedure/import/{job.pk}/")
        expect(page.locator("#import-progress")).to_contain_text("Đang chờ")

        services.catalogue_import_run(import_id=job.pk)

        rows = page.locator("#import-problems tbody tr")
        expect(rows).to_have_count(2, timeout=20_000)  # after the meta refresh
        expect(rows.nth(0)).to_contain_text("thủ tục 30")
        expect(rows.nth(0)).to_contain_text("level")
        expect(rows.nth(1)).to_contain_text("processing_days")
        expect(page.locator(".messagelist .error")).to_contain_text("tệp có 2 lỗi")
        shot(page, "catalogue-import-problems")
        assert not Procedure.objects.exists()

        # The upload form itself: the file is kept and the progress page follows.
        page.goto("/admin/procedures/procedure/import/")
        page.set_input_files(
            "#id_file",
            files=[
                {
                    "name": "danh-muc-sua.json",
                    "mimeType": "application/json",
                    "buffer": json.dumps(sample).encode(),
                }
            ],
        )
        page.locator("input[type=submit]").click()
        expect(page.locator("#import-progress")).to_contain_text("danh-muc-sua.json")
        expect(page.locator("#import-progress")).to_contain_text("tạo mới 45", timeout=20_000)
    finally:
        context.close()
