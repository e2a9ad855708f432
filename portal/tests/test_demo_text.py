"""The demo catalogue reads like real data: no research notes or placeholders reach citizens."""

import re

import pytest
from django.core.management import call_command

from portal.models import Agency
from procedures.models import Procedure

pytestmark = pytest.mark.django_db

# What the research behind the sample catalogue left in its texts: assumptions ("giả định"),
# where a figure was seen ("quan sát trên iGate", "trang CSDL quốc gia ghi ..."), unchecked
# sources and placeholder addresses.
MARKERS = re.compile(
    r"giả định|iGate|quan sát|\[Địa chỉ mẫu\]|đường Mẫu|chưa đối chiếu|demo gán|mô hình demo"
    r"|trang CSDL|theo CSDL quốc gia|CSDL quốc gia (ghi|hiện|không)|không có thông tin"
    r"|nguồn 20\d\d|mô hình trước|find_string|kho tra cứu",
    re.IGNORECASE,
)


def marked(text: str) -> list[str]:
    return [match.group(0) for match in MARKERS.finditer(text or "")]


@pytest.fixture
def seeded():
    call_command("seed_demo")


def test_the_seeded_catalogue_has_no_research_notes_or_placeholders(seeded):
    found = {}
    for procedure in Procedure.objects.select_related("current_version"):
        texts = [procedure.name, procedure.processing_note, procedure.fee_note, procedure.result]
        texts += [str(value) for value in _strings(procedure.current_version.data)]
        hits = [hit for text in texts for hit in marked(text)]
        if hits:
            found[procedure.code] = hits
    for agency in Agency.objects.all():
        hits = marked(f"{agency.name} {agency.address}")
        if hits:
            found[agency.code] = hits
    assert found == {}


def test_no_citizen_page_of_the_demo_shows_them(client, seeded):
    pages = ["/", "/thu-tuc/", "/co-quan/", "/linh-vuc/"]
    pages += [f"/thu-tuc/{code}/" for code in Procedure.objects.values_list("code", flat=True)]
    pages += [f"/co-quan/{code}/" for code in Agency.objects.values_list("code", flat=True)]
    found = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        hits = marked(response.content.decode())
        if hits:
            found[url] = hits
    assert found == {}


def test_the_markers_are_recognised():
    # The check itself: the texts the sample catalogue used to carry are caught.
    for text in (
        "Lệ phí đăng ký hộ kinh doanh (100.000 đ là giả định)",
        "03 ngày làm việc (quy trình 'kết thúc tại Phòng' quan sát trên iGate Quảng Ngãi)",
        "[Địa chỉ mẫu] Số 10 đường Mẫu, TP. Tuy Hòa",
        "Trang CSDL quốc gia ghi 'Không có thông tin' về phí",
        "05 ngày làm việc. LƯU Ý: ... demo gán Sở GTVT theo mô hình trước 2025.",
    ):
        assert marked(text), text
    # ...and real wording is not: the national population database in a document name.
    assert not marked("không phải xuất trình nếu đã khai thác được từ CSDL quốc gia về dân cư")


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
