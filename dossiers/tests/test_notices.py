"""The PDFs of the desk steps: made once per event after commit, with the content of the forms."""

import io
import time
from pathlib import Path

import pytest
from django.utils import timezone
from pypdf import PdfReader

from dossiers import notices, services
from dossiers.models import Attachment, Dossier, Notice
from dossiers.tests.factories import DossierFactory, desk_officer_for, pdf_upload
from procedures.models import RequiredDocument
from procedures.tests.factories import (
    FeeItemFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
)
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def pdf_text(notice: Notice) -> str:
    with notice.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    # Lines wrap inside long names: compare on single spaces.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def dossier():
    agency = AgencyFactory(name="Sở Tư pháp tỉnh Phú Yên", hotline="0257.3800.101")
    procedure = ProcedureFactory(
        agency=agency,
        level4=True,
        name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        code="2.000488",
    )
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp")
    RequiredDocumentFactory(
        procedure=procedure,
        name="Bản chụp giấy tờ tùy thân",
        form=RequiredDocument.Form.COPY,
        copies=2,
    )
    FeeItemFactory(
        procedure=procedure, name="Phí cung cấp thông tin lý lịch tư pháp", amount=200000
    )
    from procedures import services as procedure_services

    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    dossier = DossierFactory(
        procedure=procedure,
        received=True,
        applicant_name="Nguyễn Thị Hồng Nhung",
        applicant_national_id="054190001234",
        applicant_address="Số 5 Trần Hưng Đạo, phường 1, TP. Tuy Hòa",
    )
    first = procedure.current_version.data["documents"][0]
    Attachment.objects.create(
        dossier=dossier,
        document_id=first["id"],
        document_name=first["name"],
        file=pdf_upload(),
        original_name="to-khai.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )
    # The fee is due at submission: paid at the desk before the dossier can be accepted.
    from payments.services import payment_record_desk

    payment_record_desk(dossier_id=dossier.pk, officer=desk_officer_for(dossier), method="cash")
    return dossier


def test_accepting_produces_one_ready_receipt_with_the_form_content(
    dossier, django_capture_on_commit_callbacks
):
    officer = desk_officer_for(dossier, full_name="Lê Thị Cúc")
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_accept(dossier_id=dossier.pk, officer=officer)

    notice = Notice.objects.get(dossier=dossier)
    assert notice.kind == Notice.Kind.RECEIPT
    assert notice.status == Notice.Status.READY, notice.error
    assert notice.event.kind == "accepted"
    assert notice.file.name.startswith("notices/")
    dossier.refresh_from_db()
    text = pdf_text(notice)
    appointment = timezone.localtime(dossier.appointment_at)
    for expected in (
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "SỞ TƯ PHÁP TỈNH PHÚ YÊN",
        dossier.code,
        "Nguyễn Thị Hồng Nhung",
        "054190001234",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        "2.000488",
        "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",
        "Bản chụp giấy tờ tùy thân",
        appointment.strftime("%d/%m/%Y"),
        appointment.strftime("%H giờ %M phút"),
        "200.000 đồng",
        "Lê Thị Cúc",
        f"http://testserver.local/tra-cuu/?ma={dossier.code}",
    ):
        assert expected in text, expected


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = "http://testserver.local"


def test_rendering_twice_keeps_one_file(dossier, django_capture_on_commit_callbacks):
    officer = desk_officer_for(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    notice = Notice.objects.get(dossier=dossier)
    name, rendered_at = notice.file.name, notice.rendered_at

    again = notices.render(notice.pk)

    assert again.file.name == name
    assert again.rendered_at == rendered_at
    assert Notice.objects.filter(dossier=dossier).count() == 1
    assert len(list(Path(notice.file.path).parent.iterdir())) == 1


def test_scheduling_the_same_event_twice_keeps_one_notice(dossier):
    officer = desk_officer_for(dossier)
    services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    notices.schedule(dossier, Notice.Kind.RECEIPT)
    assert Notice.objects.filter(dossier=dossier, kind=Notice.Kind.RECEIPT).count() == 1


def test_supplement_request_lists_the_documents_and_the_note(
    dossier, django_capture_on_commit_callbacks
):
    officer = desk_officer_for(dossier, full_name="Trần Văn Hải")
    second = dossier.procedure_version.data["documents"][1]
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_request_supplement(
            dossier_id=dossier.pk,
            officer=officer,
            document_ids=[second["id"]],
            note="Ảnh chụp bị mờ, không đọc được số CCCD.",
        )

    notice = Notice.objects.get(dossier=dossier)
    assert notice.kind == Notice.Kind.SUPPLEMENT_REQUEST
    assert notice.status == Notice.Status.READY, notice.error
    text = pdf_text(notice)
    for expected in (
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        dossier.code,
        "Nguyễn Thị Hồng Nhung",
        "Bản chụp giấy tờ tùy thân",
        "Ảnh chụp bị mờ, không đọc được số CCCD.",
        "được tính lại",
        "Trần Văn Hải",
    ):
        assert expected in text, expected


def test_each_supplement_request_gets_its_own_notice(dossier, django_capture_on_commit_callbacks):
    officer = desk_officer_for(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_request_supplement(
            dossier_id=dossier.pk, officer=officer, document_ids=[], note="Thiếu chữ ký."
        )
    Dossier.objects.filter(pk=dossier.pk).update(state=Dossier.State.RECEIVED)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_request_supplement(
            dossier_id=dossier.pk, officer=officer, document_ids=[], note="Thiếu ảnh."
        )
    texts = [pdf_text(notice) for notice in notices.notices_for(dossier)]
    assert len(texts) == 2
    assert "Thiếu chữ ký." in texts[0]
    assert "Thiếu ảnh." in texts[1]


def test_refusal_lists_the_reasons(dossier, django_capture_on_commit_callbacks):
    officer = desk_officer_for(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_refuse(
            dossier_id=dossier.pk,
            officer=officer,
            reason="Thủ tục không thuộc thẩm quyền của Sở Tư pháp.\nNgười nộp không đủ tuổi.",
        )

    notice = Notice.objects.get(dossier=dossier)
    assert notice.kind == Notice.Kind.REFUSAL
    text = pdf_text(notice)
    for expected in (
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        dossier.code,
        "1. Thủ tục không thuộc thẩm quyền của Sở Tư pháp.",
        "2. Người nộp không đủ tuổi.",
    ):
        assert expected in text, expected


def test_a_failed_render_is_recorded_and_retried(dossier, monkeypatch):
    officer = desk_officer_for(dossier)
    services.dossier_accept(dossier_id=dossier.pk, officer=officer)  # no on-commit here
    notice = Notice.objects.get(dossier=dossier)

    def broken(notice):
        raise OSError("disk full")

    monkeypatch.setattr(notices, "render_pdf", broken)
    assert notices.render(notice.pk).status == Notice.Status.FAILED
    notice.refresh_from_db()
    assert "disk full" in notice.error

    monkeypatch.undo()
    Notice.objects.filter(pk=notice.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert notices.render_pending() == 1
    notice.refresh_from_db()
    assert notice.status == Notice.Status.READY


def test_notice_file_response_is_an_inline_pdf(dossier, django_capture_on_commit_callbacks):
    officer = desk_officer_for(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    notice = notices.notices_for(dossier).get()

    response = notices.notice_file_response(notice)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert f"{dossier.code}-receipt.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_render_time(dossier):
    officer = desk_officer_for(dossier)
    services.dossier_accept(dossier_id=dossier.pk, officer=officer)
    notice = Notice.objects.get(dossier=dossier)
    notices.render_pdf(notice)  # warm up fonts and the stylesheet, as a worker would be
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        notices.render_pdf(notice)
        timings.append(time.perf_counter() - started)
    best = min(timings)
    print(f"receipt render: best {best * 1000:.0f} ms, all {[round(t * 1000) for t in timings]}")
    assert best < 2


def test_a_receipt_of_seven_documents_fits_on_one_page(dossier, django_capture_on_commit_callbacks):
    """The desk prints one sheet: the demo's marriage procedure (seven long-named documents,
    one shown only) spilled its lookup strip onto a second page."""
    from procedures import services as procedure_services

    procedure = dossier.procedure
    procedure.documents.all().delete()
    names = [
        "Tờ khai đăng ký kết hôn theo mẫu, đủ thông tin của hai bên",
        "Giấy xác nhận của tổ chức y tế xác nhận không mắc bệnh tâm thần hoặc bệnh khác làm "
        "mất khả năng nhận thức (của mỗi bên)",
        "Giấy tờ chứng minh tình trạng hôn nhân của người nước ngoài do cơ quan có thẩm quyền "
        "nước ngoài cấp (đã hợp pháp hóa lãnh sự, dịch sang tiếng Việt)",
        "Hộ chiếu/giấy tờ thay thế hộ chiếu của người nước ngoài",
        "Văn bản của cơ quan quản lý xác nhận việc kết hôn không trái quy định của ngành "
        "(công chức, viên chức, lực lượng vũ trang)",
        "Trích lục ghi chú ly hôn (nếu đã ly hôn ở nước ngoài)",
    ]
    for name in names:
        RequiredDocumentFactory(procedure=procedure, name=name)
    RequiredDocumentFactory(
        procedure=procedure,
        name="Giấy tờ tùy thân của người yêu cầu (CCCD/thẻ căn cước/hộ chiếu) – xuất trình; "
        "không phải xuất trình nếu đã khai thác được từ CSDL quốc gia về dân cư",
        form=RequiredDocument.Form.PRESENT,
    )
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    type(dossier).objects.filter(pk=dossier.pk).update(procedure_version=procedure.current_version)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_accept(dossier_id=dossier.pk, officer=desk_officer_for(dossier))
    notice = Notice.objects.get(dossier=dossier)
    with notice.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert len(reader.pages) == 1
    text = pdf_text(notice)
    assert names[-1][:30] in text and "Tra cứu tình trạng" in text
