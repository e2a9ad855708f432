"""The 2025 one-stop forms (Decree 118/2025/NĐ-CP, Circular 03/2025/TT-VPCP) beside the 2018
set, and the fixes found on the issued PDFs; every text checked with pypdf."""

import io
import re

import pytest
from pypdf import PdfReader

from dossiers import services
from dossiers.models import Notice
from dossiers.tests import test_notices
from dossiers.tests.factories import desk_officer_for
from portal.roles import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

# The receipt fixture of the desk notices' tests: a paid level-4 dossier with two documents.
dossier = test_notices.dossier
_base_url = test_notices._base_url
pdf_text = test_notices.pdf_text


def _accept(target, capture):
    with capture(execute=True):
        services.dossier_accept(dossier_id=target.pk, officer=desk_officer_for(target))
    return Notice.objects.get(dossier=target, kind=Notice.Kind.RECEIPT)


def _pages(notice: Notice) -> int:
    with notice.file.open("rb") as handle:
        return len(PdfReader(io.BytesIO(handle.read())).pages)


def test_the_2025_receipt_names_its_register_volume_and_number(
    dossier, django_capture_on_commit_callbacks
):
    notice = _accept(dossier, django_capture_on_commit_callbacks)
    assert notice.form_set == "2025"
    dossier.refresh_from_db()
    entry = dossier.register
    year = entry.registered_at.astimezone().year
    assert (entry.volume, entry.number) == (year, 1)
    text = pdf_text(notice)
    assert f"Sổ theo dõi hồ sơ: quyển số {year}, số thứ tự 1" in text
    assert "Mẫu số 01 ban hành kèm theo Thông tư số 03/2025/TT-VPCP" in text
    assert _pages(notice) == 1


def test_the_2018_set_is_kept_where_a_province_applies_it(
    dossier, settings, django_capture_on_commit_callbacks
):
    settings.NOTICE_FORM_SET = "2018"
    notice = _accept(dossier, django_capture_on_commit_callbacks)
    assert notice.form_set == "2018"
    text = pdf_text(notice)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "Mẫu số 01 ban hành kèm theo Thông tư số 01/2018/TT-VPCP" in text
    assert "Sổ theo dõi hồ sơ" not in text


def test_the_online_receipt_shows_the_prescribed_and_the_shortened_time_apart(
    dossier, settings, django_capture_on_commit_callbacks
):
    # The fixture's procedure takes 5 working days; online dossiers get half (policy on).
    settings.ONLINE_HALVING_ENABLED = True
    data = dossier.procedure_version.data
    data.update(processing_time="10", processing_unit="days")
    dossier.procedure_version.save(update_fields=["data"])
    text = pdf_text(_accept(dossier, django_capture_on_commit_callbacks))
    assert "Thời gian giải quyết hồ sơ theo quy định: 10 ngày làm việc" in text
    assert "thời gian giải quyết hồ sơ nộp trực tuyến (rút ngắn): 5 ngày làm việc" in text


def test_registers_number_per_agency_and_never_twice(django_capture_on_commit_callbacks):
    from dossiers.tests.factories import DossierFactory
    from procedures.tests.factories import ProcedureFactory

    procedure = ProcedureFactory(level4=True, published=True)
    first, second = (DossierFactory(received=True, procedure=procedure) for _ in range(2))
    other_agency = DossierFactory(received=True)
    for each in (first, second, other_agency):
        with django_capture_on_commit_callbacks(execute=True):
            services.dossier_accept(dossier_id=each.pk, officer=desk_officer_for(each))
        each.refresh_from_db()
    assert (first.register.number, second.register.number) == (1, 2)
    assert other_agency.register.number == 1  # its own agency's register


def test_the_refusal_says_that_fees_paid_are_refunded(dossier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_refuse(
            dossier_id=dossier.pk, officer=desk_officer_for(dossier), reason="Sai thẩm quyền"
        )
    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.REFUSAL)
    text = pdf_text(notice)
    assert "Phí, lệ phí Ông/Bà đã nộp (200.000 đồng) được hoàn trả theo quy định." in text
    assert "Mẫu số 03 ban hành kèm theo Thông tư số 03/2025/TT-VPCP" in text


def test_a_receipt_of_a_long_online_dossier_stays_on_one_page(
    dossier, django_capture_on_commit_callbacks
):
    """Seven documents, both times, the register, the signed box and a posted result: one
    sheet (the online receipt spilled its signatures onto a second page)."""
    from procedures import services as procedure_services
    from procedures.models import RequiredDocument
    from procedures.tests.factories import RequiredDocumentFactory

    procedure = dossier.procedure
    for number in range(5):
        RequiredDocumentFactory(
            procedure=procedure,
            name=f"Giấy tờ số {number + 3} do cơ quan có thẩm quyền cấp, chứng thực theo "
            "quy định (nếu có)",
            form=RequiredDocument.Form.CERTIFIED_COPY,
        )
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    type(dossier).objects.filter(pk=dossier.pk).update(
        procedure_version=procedure.current_version,
        on_behalf_of="Công ty TNHH Xây dựng và Thương mại Sông Ba",
        return_method="post",
        postal_address="Số 12 đường Nguyễn Huệ, phường Tuy Hòa, tỉnh Đắk Lắk",
    )
    dossier.refresh_from_db()
    notice = _accept(dossier, django_capture_on_commit_callbacks)
    assert _pages(notice) == 1, pdf_text(notice)[-300:]


def test_the_stop_notice_and_its_form_number(dossier):
    from dossiers.notices import FORM_NUMBERS, TEMPLATES

    assert FORM_NUMBERS["2025"][Notice.Kind.STOP_NOTICE] == "05"
    assert FORM_NUMBERS["2025"][Notice.Kind.CONTROL_SLIP] == "06"
    assert FORM_NUMBERS["2018"][Notice.Kind.CONTROL_SLIP] == "05"
    assert Notice.Kind.STOP_NOTICE in TEMPLATES


def _apology_text(late, capture, settings=None):
    from dossiers import apologies, notices
    from dossiers.tests.test_apologies import _draft

    dossier, specialist, leader = late
    apology = _draft(dossier, specialist)
    with capture(execute=True):
        apologies.apology_approve(apology_id=apology.pk, leader=leader)
    notice = notices.notices_for(dossier).get(kind=Notice.Kind.APOLOGY)
    return notice, pdf_text(notice)


@pytest.fixture
def late(clock):
    from dossiers.tests.deadline_helpers import at, forwarded_dossier

    dossier, _department, specialist = forwarded_dossier(clock, accepted=at(2026, 11, 16, 8))
    clock.set(at(2026, 12, 2, 9))
    leader = staff_user(Role.LEADER, agency=dossier.agency, full_name="Trần Văn Thủ Trưởng")
    return dossier, specialist, leader


from dossiers.tests.deadline_helpers import clock_fixture  # noqa: E402,F401


def test_the_apology_is_the_agencys_letter_with_its_closing_and_recipients(
    late, django_capture_on_commit_callbacks
):
    text = _apology_text(late, django_capture_on_commit_callbacks)[1]
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    # "Ngày 08 giờ 00 phút, ngày 16/11/2026": the date and time words were swapped.
    assert not re.search(r"Ngày \d\d giờ", text)
    assert "Lúc 08 giờ 00 phút, ngày 16/11/2026" in text
    # Issued by the agency, signed by its head: not headed by the desk.
    assert "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" not in text.split("VĂN BẢN XIN LỖI")[0]
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "Trần Văn Thủ Trưởng" in text
    assert "đề nghị Ông/Bà đồng ý gia hạn thời gian giải quyết hồ sơ" in text
    assert "xin trân trọng cảm ơn sự thông cảm và hợp tác của Ông/Bà./." in text
    assert "Nơi nhận: - Như trên;" in text and "Lưu: VT." in text
    # The statistics' internal line is not the citizen's business.
    assert "thống kê" not in text
    assert "Mẫu số 04 ban hành kèm theo Thông tư số 03/2025/TT-VPCP" in text


def test_the_2018_apology_keeps_its_title(late, settings, django_capture_on_commit_callbacks):
    settings.NOTICE_FORM_SET = "2018"
    text = _apology_text(late, django_capture_on_commit_callbacks)[1]
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert not re.search(r"Ngày \d\d giờ", text) and "Nơi nhận" in text
