""" "Why this date?": the due time explained in plain Vietnamese, here across Tết 2027."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from dossiers import apologies, explanation, services
from dossiers import clock as dossier_clock
from dossiers.tests.deadline_helpers import at, clock_fixture, forwarded_dossier  # noqa: F401
from dossiers.tests.factories import DossierFactory, pdf_upload
from portal.roles import Role
from procedures.models import Channel
from procedures.tests.factories import ProcedureFactory
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def _text(result: explanation.Explanation) -> str:
    return " ".join(" ".join([line.title, line.text, *line.items]) for line in result.lines)


def test_a_dossier_paused_over_tet_is_explained_in_vietnamese(clock):
    procedure = ProcedureFactory(
        level4=True, published=True, processing_time=Decimal(10), documents=1
    )
    # Online, 10 days → halved to 5. Accepted Friday 29/01/2027 at 18:00, after office hours.
    dossier, _department, specialist = forwarded_dossier(
        clock, accepted=at(2027, 1, 29, 18), procedure=procedure, channel=Channel.ONLINE
    )
    # Counting starts Mon 01/02 07:30; 5 days = 01, 02, 03, then Tết 04-10/02, 11, 12/02.
    assert dossier.due_at == at(2027, 2, 12, 17)
    clock.set(at(2027, 2, 3, 10))
    dossier_clock.dossier_request_supplement_in_processing(
        dossier_id=dossier.pk, specialist=specialist, document_ids=[], note="Bổ sung bản vẽ"
    )
    clock.set(at(2027, 2, 11, 9))
    document_id = procedure.current_version.data["documents"][0]["id"]
    services.dossier_supplement(
        dossier_id=dossier.pk, actor=dossier.applicant, files={document_id: pdf_upload()}
    )
    dossier.refresh_from_db()
    assert dossier.due_at == at(2027, 2, 15, 16)  # + 7 working hours from Fri 17:00

    with translation.override("vi"):
        result = explanation.explain_due(dossier)
        text = _text(result)
    assert "18:00, 29/01/2027" in text
    assert "ngoài giờ làm việc" in text and "07:30, 01/02/2027" in text
    assert "giảm một nửa" in text and "5 ngày làm việc" in text and "thay vì 10" in text
    # Tết comes in runs of the same name; each named day is listed.
    assert "04/02/2027: 29 Tết" in text
    assert "05/02/2027: Giao thừa Tết Nguyên Đán" in text
    assert "10/02/2027: Mùng năm Tết Nguyên Đán" in text
    assert "17:00, 12/02/2027" in text  # the due time at acceptance
    assert "Tạm dừng" in text and "Bổ sung bản vẽ" in text
    assert "7 giờ làm việc" in text
    assert "16:00, 15/02/2027" in text
    assert "Ngày nghỉ trong thời gian tạm dừng" in text


def test_the_desk_channel_and_short_procedures_are_not_halved(clock):
    dossier, _department, _specialist = forwarded_dossier(clock, accepted=at(2026, 12, 1, 8))
    with translation.override("vi"):
        text = _text(explanation.explain_due(dossier))
    assert "không nộp trực tuyến" in text and "10 ngày làm việc" in text
    short = ProcedureFactory(level4=True, published=True, processing_time=Decimal(1))
    dossier, _department, _specialist = forwarded_dossier(
        clock, accepted=at(2026, 12, 1, 8), procedure=short, channel=Channel.ONLINE
    )
    with translation.override("vi"):
        text = _text(explanation.explain_due(dossier))
    assert "không được giảm" in text and "từ 2 ngày làm việc trở lên" in text
    with override_settings(ONLINE_HALVING_ENABLED=False):
        long = ProcedureFactory(level4=True, published=True, processing_time=Decimal(4))
        dossier, _department, _specialist = forwarded_dossier(
            clock, accepted=at(2026, 12, 1, 8), procedure=long, channel=Channel.ONLINE
        )
        with translation.override("vi"):
            text = _text(explanation.explain_due(dossier))
        assert "đang tắt" in text


def test_an_apology_is_explained_and_the_legal_time_kept(clock):
    dossier, _department, specialist = forwarded_dossier(clock, accepted=at(2026, 11, 16, 8))
    clock.set(at(2026, 12, 2, 9))
    apology = apologies.apology_draft(
        dossier_id=dossier.pk,
        specialist=specialist,
        reason="Chờ ý kiến",
        new_date=date(2026, 12, 8),
    )
    leader = staff_user(Role.LEADER, agency=dossier.agency)
    apologies.apology_approve(apology_id=apology.pk, leader=leader)
    dossier.refresh_from_db()
    with translation.override("vi"):
        text = _text(explanation.explain_due(dossier))
    assert "24/11/2026" in text  # the holiday skipped on the way
    assert "xin lỗi" in text and "Chờ ý kiến" in text and "17:00, 08/12/2026" in text
    assert "Thời hạn theo quy định: 08:00, 01/12/2026" in text


def test_no_explanation_before_acceptance():
    assert explanation.explain_due(DossierFactory(received=True)) is None


def test_the_citizen_page_shows_why_this_date(clock, client):
    dossier, _department, _specialist = forwarded_dossier(clock, accepted=at(2026, 12, 1, 8))
    client.force_login(dossier.applicant)
    with translation.override("vi"):
        page = client.get(
            reverse("dossiers:detail", args=[dossier.pk]), HTTP_ACCEPT_LANGUAGE="vi"
        ).content.decode()
    assert 'id="why-date"' in page and "Vì sao là ngày này?" in page
