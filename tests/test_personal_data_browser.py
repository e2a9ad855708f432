"""“Dữ liệu cá nhân của tôi” in a real browser, without JavaScript: a citizen asks for a
correction (an empty request first: the error in Vietnamese, what was typed kept), objects to
a use of their data, sees the status and answer time of each request and downloads the ZIP of
their data. The page passes axe-core."""

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from documents.tests.helpers import submitted_dossier
from privacy.models import DataRequest
from tests.accessibility import assert_accessible
from tests.conftest import shot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_asks_for_a_correction_and_downloads_their_data(browser, live_server):
    citizen = UserFactory(full_name="Lê Văn Hùng")
    dossier = submitted_dossier(citizen)
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=False,
        accept_downloads=True,
    )
    mine = context.new_page()
    mine.set_default_timeout(15_000)
    mine.goto("/tai-khoan/dang-nhap/")
    mine.locator("input[name='auth-username']").fill(citizen.national_id)
    mine.locator("input[name='auth-password']").fill(PASSWORD)
    mine.locator("form button[type=submit].btn-primary").click()
    expect(mine.locator(".user-name")).to_contain_text("Lê Văn Hùng")

    mine.goto("/tai-khoan/")
    mine.locator("#my-personal-data").click()
    expect(mine).to_have_url(re.compile(r"/tai-khoan/du-lieu-ca-nhan/$"))
    expect(mine.locator("h1")).to_have_text("Dữ liệu cá nhân của tôi")
    expect(mine.locator("main")).to_contain_text(dossier.code)

    # A correction is the default; the other rights are one choice away.
    expect(mine.locator("#request-form input[name='kind'][value='correction']")).to_be_checked()
    mine.locator("#id_field").fill("Số điện thoại")
    mine.locator("#request-button").click()
    expect(mine.locator("#id_field")).to_have_value("Số điện thoại")
    expect(mine.locator("#request-form .errorlist")).to_be_visible()
    shot(mine, "personal-data-correction-error")

    mine.locator("#id_details").fill("Số đúng là 0905111222")
    mine.locator("#request-button").click()
    expect(mine.locator(".message.success")).to_be_visible()
    expect(mine.locator("#my-requests")).to_contain_text("Số điện thoại")
    expect(mine.locator("#my-requests")).to_contain_text("Đã tiếp nhận")
    # An objection too: answered within 2 working days, its time shown.
    mine.locator("#request-form input[name='kind'][value='objection']").check()
    mine.locator("#id_field").fill("Số điện thoại")
    mine.locator("#id_details").fill("Không nhắn tin quảng bá vào số này")
    mine.locator("#request-button").click()
    expect(mine.locator(".message.success")).to_contain_text("YC-")
    expect(mine.locator("#my-requests")).to_contain_text("Phản đối xử lý dữ liệu của tôi")
    shot(mine, "personal-data")

    with mine.expect_download() as info:
        mine.locator("#export-button").click()
    path = info.value.path()
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as archive:
        data = json.loads(archive.read("du-lieu-ca-nhan.json"))
    assert data["profile"]["full_name"] == "Lê Văn Hùng"
    assert data["dossiers"][0]["code"] == dossier.code
    assert DataRequest.objects.filter(subject=citizen).count() == 3

    checker = browser.new_context(
        base_url=live_server.url, locale="vi-VN", storage_state=context.storage_state()
    )
    try:
        page = checker.new_page()
        page.goto("/tai-khoan/du-lieu-ca-nhan/")
        assert_accessible(page)
    finally:
        checker.close()
        context.close()
