"""The printed application form: its text, and its picture kept for people to look at."""

import io

import pypdfium2
import pytest
from pypdf import PdfReader

from eforms.forms import EFormForm
from eforms.pdf import application_pdf
from tests.conftest import ARTIFACTS

from .factories import CRIMINAL_RECORD, HOUSEHOLD_BUSINESS, demo_definition

DATA = {"name": "Đăng ký thành lập hộ kinh doanh", "agency": {"name": "UBND thành phố Tuy Hòa"}}


def household_values():
    definition = demo_definition(HOUSEHOLD_BUSINESS)
    form = EFormForm(
        {
            "owner_name": "NGUYỄN VĂN AN",
            "owner_sex": "Nam",
            "owner_birth_date": "1990-01-02",
            "owner_ethnicity": "Kinh",
            "owner_nationality": "Việt Nam",
            "owner_national_id": "054090000111",
            "owner_permanent_address": "5 Trần Phú, phường 1, Tuy Hòa",
            "owner_phone": "0905000123",
            "business_name": "CỬA HÀNG ĐỒ UỐNG AN",
            "business_address": "5 Trần Phú, phường 1, Tuy Hòa",
            "business_lines__0__line_name": "Bán lẻ đồ uống trong các cửa hàng chuyên doanh",
            "business_lines__0__line_code": "4723",
            "business_lines__1__line_name": "Dịch vụ phục vụ đồ uống",
            "business_lines__1__line_code": "5630",
            "capital": "150000000",
            "employees": "3",
        },
        definition=definition,
        rows={"business_lines": 2, "members": 1},
    )
    assert form.is_valid(), form.errors
    return definition, form.values()


def test_the_household_business_form_prints_every_value_and_the_signature_place():
    definition, values = household_values()
    pdf = application_pdf(
        definition=definition, values=values, data=DATA, signer_name="Nguyễn Văn An"
    )
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
        "Kính gửi: UBND thành phố Tuy Hòa",
        "Phụ lục III-1",
        "CỬA HÀNG ĐỒ UỐNG AN",
        "054090000111",
        "02/01/1990",
        "4723",
        "5630",
        "150.000.000 đồng",  # the Vietnamese way, whatever the page's language
        "Tuy Hòa, ngày",
        "Chủ hộ kinh doanh",
        "(Ký, ghi rõ họ, chữ đệm, tên)",
        "Nguyễn Văn An",
    ):
        assert expected in text, expected
    assert "không có" in text  # no family members listed
    ARTIFACTS.mkdir(exist_ok=True)
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    image = document[0].render(scale=1.4).to_pil()
    image.save(ARTIFACTS / "eform-household-business.png")
    # A4 portrait with ink on it: the header, the table and the signature, not a blank page.
    assert image.height > image.width
    assert image.convert("L").getextrema()[0] < 60


@pytest.mark.parametrize("code", ["1.001193", "1.000894", "1.013225", CRIMINAL_RECORD])
def test_every_demo_form_prints_its_title_even_empty(code):
    definition = demo_definition(code)
    pdf = application_pdf(definition=definition, values={}, data=DATA, signer_name="")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert definition["title"] in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    document[0].render(scale=1.0).to_pil().save(ARTIFACTS / f"eform-{code}.png")
