"""A citizen fills an e-form in a real browser, submits, and the desk reads it as data.

Also: the same form without JavaScript (adding a row is a plain submit button), and axe-core
finds no serious or critical problem on the new pages.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from dossiers.models import Attachment, Dossier
from eforms.models import EFormEntry
from eforms.tests.factories import HOUSEHOLD_BUSINESS, demo_definition, eform_procedure
from portal.roles import Role
from tests.conftest import shot
from tests.factories import PASSWORD, UserFactory, staff_user, totp_device
from tests.helpers import totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious_problems(page, context=None) -> list[str]:
    results = Axe().run(page, context=context)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def log_in_citizen(page, citizen):
    page.goto("/tai-khoan/dang-nhap/")
    page.locator("input[name='auth-username']").fill(citizen.national_id)
    page.locator("input[name='auth-password']").fill(PASSWORD)
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".user-name")).to_be_visible()


def test_citizen_fills_the_birth_registration_form_submits_and_the_desk_reads_it(page, tmp_path):
    from PIL import Image

    citizen = UserFactory(full_name="Trần Văn Bình", address="12 Lê Duẩn, phường 7, Tuy Hòa")
    procedure, form_document = eform_procedure(name="Đăng ký khai sinh")
    scan = tmp_path / "giay-chung-sinh.png"
    Image.new("RGB", (160, 100), (30, 90, 160)).save(scan, format="PNG")

    log_in_citizen(page, citizen)
    page.goto(f"/nop-ho-so/{procedure.code}/")
    expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/$"))
    dossier = Dossier.objects.get(applicant=citizen)
    row = page.locator(f"#eform-{form_document.pk}")
    expect(row).to_contain_text("Không cần in hay scan tờ khai giấy")
    assert serious_problems(page) == []
    row.get_by_role("link", name=re.compile("Khai trực tuyến")).click()

    expect(page.locator("h1")).to_have_text("TỜ KHAI ĐĂNG KÝ KHAI SINH")
    expect(page.locator("#id_requester_name")).to_have_value("Trần Văn Bình")
    expect(page.locator("#id_requester_national_id")).to_have_value(citizen.national_id)
    expect(page.locator("#id_requester_residence")).to_have_value("12 Lê Duẩn, phường 7, Tuy Hòa")
    assert serious_problems(page) == []
    shot(page, "eform-birth-prefilled")

    # Part of it, then save: the missing fields are named in Vietnamese, nothing typed is lost.
    page.locator("#id_relationship").select_option("Cha")
    page.locator("#id_child_name").fill("Trần Minh An")
    page.locator("#id_child_birth_date").fill("2026-11-20")
    page.locator("#id_mother_birth_year").fill("1850")
    page.locator("#eform-save").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Giới tính: Trường này là bắt buộc.")
    expect(summary).to_contain_text("Năm sinh")
    expect(page.locator("#id_child_name")).to_have_value("Trần Minh An")
    expect(page.locator("#id_child_birth_date")).to_have_value("2026-11-20")
    expect(page.locator("#id_relationship")).to_have_value("Cha")
    assert serious_problems(page) == []
    shot(page, "eform-birth-errors")

    page.locator("#id_mother_birth_year").fill("1996")
    page.locator("#id_child_birth_date_words").fill("Ngày hai mươi, tháng mười một, năm 2026")
    page.locator("#id_child_sex_0").check()
    page.locator("#id_child_ethnicity").fill("Kinh")
    page.locator("#id_child_nationality").fill("Việt Nam")
    page.locator("#id_birth_place").fill("Bệnh viện Sản - Nhi Phú Yên")
    page.locator("#id_home_town").fill("Tuy An, Phú Yên")
    page.locator("#id_mother_name").fill("Nguyễn Thị Hoa")
    page.locator("#eform-save").click()

    expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/#eform-\d+$"))
    expect(page.locator(f"#eform-{form_document.pk}")).to_contain_text("Đã khai trực tuyến")
    other = next(
        d["id"] for d in dossier.procedure_version.data["documents"] if d["id"] != form_document.pk
    )
    page.locator(f"#id_document_{other}").set_input_files(scan)
    page.locator("input[name=return_method][value=online]").check()
    page.locator("#id_declaration").check()
    shot(page, "eform-birth-draft")
    page.locator("#submit-dossier").click()
    expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/da-nop/(#.*)?$"))
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RECEIVED
    printed = Attachment.objects.get(dossier=dossier, document_id=form_document.pk)
    assert printed.content_type == "application/pdf"

    # The desk officer sees the fields as data on the dossier page.
    page.context.clear_cookies()
    officer = staff_user(Role.DESK_OFFICER, agency=dossier.agency)
    device = totp_device(officer)
    page.goto("/tai-khoan/dang-nhap/?next=/can-bo/")
    page.locator("#id_auth-username").fill(officer.username)
    page.locator("#id_auth-password").fill(PASSWORD)
    page.locator("#id_auth-password").press("Enter")
    page.locator("#id_token-otp_token").fill(totp_now(device))
    page.locator("#id_token-otp_token").press("Enter")
    page.goto(f"/can-bo/ho-so/{dossier.pk}/")
    data = page.locator(f"#eform-data-{form_document.pk}")
    expect(data).to_contain_text("Trần Minh An")
    expect(data).to_contain_text("20/11/2026")
    expect(data).to_contain_text("Bệnh viện Sản - Nhi Phú Yên")
    assert serious_problems(page, context=f"#eform-data-{form_document.pk}") == []
    data.scroll_into_view_if_needed()
    shot(page, "eform-birth-desk")


def test_without_javascript_rows_are_added_and_the_form_is_saved(browser, live_server):
    citizen = UserFactory(full_name="Nguyễn Văn An")
    procedure, form_document = eform_procedure(demo_definition(HOUSEHOLD_BUSINESS))
    context = browser.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        java_script_enabled=False,
        viewport={"width": 390, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in_citizen(page, citizen)
        page.goto(f"/nop-ho-so/{procedure.code}/")
        page.locator(f"#eform-{form_document.pk} a").click()
        expect(page.locator("h1")).to_have_text("GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH")
        page.locator("#id_owner_sex_0").check()
        page.locator("#id_owner_birth_date").fill("1990-01-02")
        page.locator("#id_owner_ethnicity").fill("Kinh")
        page.locator("#id_owner_nationality").fill("Việt Nam")
        page.locator("#id_owner_permanent_address").fill("5 Trần Phú, Tuy Hòa")
        page.locator("#id_business_name").fill("CỬA HÀNG AN")
        page.locator("#id_business_address").fill("5 Trần Phú, Tuy Hòa")
        page.locator("#id_business_lines__0__line_name").fill("Bán lẻ đồ uống")
        page.locator("#id_business_lines__0__line_code").fill("4723")
        page.locator("#id_capital").fill("50000000")
        page.locator("button[name=add_row][value=business_lines]").click()

        # Back on the form with a second row and everything typed still there.
        expect(page.locator("#id_business_lines__0__line_name")).to_have_value("Bán lẻ đồ uống")
        expect(page.locator("#id_business_name")).to_have_value("CỬA HÀNG AN")
        page.locator("#id_business_lines__1__line_name").fill("Dịch vụ phục vụ đồ uống")
        page.locator("#id_business_lines__1__line_code").fill("5630")
        shot(page, "eform-household-no-js")
        page.locator("#eform-save").click()
        expect(page).to_have_url(re.compile(r"/ho-so-cua-toi/\d+/soan/#eform-\d+$"))
        expect(page.locator(f"#eform-{form_document.pk}")).to_contain_text("Đã khai trực tuyến")
        entry = EFormEntry.objects.get(document_id=form_document.pk)
        assert entry.is_complete
        assert [line["line_code"] for line in entry.values["business_lines"]] == ["4723", "5630"]
        assert entry.values["owner_name"] == "Nguyễn Văn An"  # prefilled from the account
    finally:
        context.close()
