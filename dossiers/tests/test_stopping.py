"""Stopping the processing of an accepted dossier (Decree 118/2025, Mẫu 05 of Circular 03/2025)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dossiers import stopping
from dossiers.errors import DossierPermissionError, DossierStateError, DossierValidationError
from dossiers.models import Dossier, DossierEvent, Notice
from dossiers.tests.factories import DossierFactory, forwarded_dossier, leader_for, specialist_for
from dossiers.tests.test_notices import _base_url, pdf_text  # noqa: F401
from portal.roles import Role
from reporting import sync
from signing.models import SignedDocument
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

REASON = "Cơ quan có thẩm quyền đã có văn bản tạm dừng cấp phép trên địa bàn"


@pytest.mark.parametrize(
    ("traits", "allowed"),
    [
        ({"processing": True}, True),
        ({"processing": True, "state": Dossier.State.INCOMPLETE}, True),
        ({"received": True}, False),  # not accepted: the desk refuses, it is not stopped
        ({"incomplete": True}, False),  # supplement asked before acceptance
        ({"done": True}, False),
        ({"returned": True}, False),
        ({"withdrawn": True}, False),
    ],
)
def test_only_an_accepted_open_dossier_can_be_stopped(traits, allowed):
    dossier = DossierFactory(**traits)
    leader = leader_for(dossier)
    if allowed:
        stopping.dossier_stop(dossier_id=dossier.pk, leader=leader, reason=REASON)
        dossier.refresh_from_db()
        assert dossier.state == Dossier.State.RETURNED and dossier.finished_at is not None
    else:
        with pytest.raises(DossierStateError):
            stopping.dossier_stop(dossier_id=dossier.pk, leader=leader, reason=REASON)


def test_only_a_leader_of_the_agency_stops_and_a_reason_is_required():
    dossier = forwarded_dossier()
    with pytest.raises(DossierPermissionError):
        stopping.dossier_stop(dossier_id=dossier.pk, leader=specialist_for(dossier), reason=REASON)
    other = DossierFactory(processing=True)
    with pytest.raises(DossierPermissionError):
        stopping.dossier_stop(dossier_id=dossier.pk, leader=leader_for(other), reason=REASON)
    with pytest.raises(DossierValidationError):
        stopping.dossier_stop(dossier_id=dossier.pk, leader=leader_for(dossier), reason="  ")
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING


def test_stopping_issues_the_signed_notice_and_is_code_8(django_capture_on_commit_callbacks):
    dossier = forwarded_dossier()
    leader = leader_for(dossier, full_name="Phạm Thị Lãnh Đạo")
    with django_capture_on_commit_callbacks(execute=True):
        stopping.dossier_stop(dossier_id=dossier.pk, leader=leader, reason=REASON)
    dossier.refresh_from_db()
    event = dossier.events.get(kind=DossierEvent.Kind.STOPPED)
    assert event.actor == leader and event.reason == REASON
    assert sync.dvcqg_status(dossier) == 8
    notice = Notice.objects.get(dossier=dossier, kind=Notice.Kind.STOP_NOTICE)
    assert notice.status == Notice.Status.READY, notice.error
    text = pdf_text(notice)
    for expected in (
        "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
        "Mẫu số 05 ban hành kèm theo Thông tư số 03/2025/TT-VPCP",
        dossier.code,
        dossier.applicant_name,
        REASON,
        "THỦ TRƯỞNG CƠ QUAN",
        "Phạm Thị Lãnh Đạo",
        "Nơi nhận:",
        "ĐÃ KÝ SỐ",
    ):
        assert expected in text, expected
    assert "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" not in text.split("THÔNG BÁO DỪNG")[0]
    assert SignedDocument.objects.get(notice=notice).status == SignedDocument.Status.ISSUED
    # The citizen downloads it beside the other notices and reads the reason.
    from dossiers import notices

    assert notices.notices_for(dossier).filter(kind=Notice.Kind.STOP_NOTICE).exists()


def test_stopping_ends_an_open_clock_pause():
    from dossiers.models import ClockPause

    dossier = DossierFactory(processing=True, state=Dossier.State.INCOMPLETE)
    pause = ClockPause.objects.create(
        dossier=dossier,
        started_at=timezone.now(),
        due_before=dossier.due_at,
        actor=leader_for(dossier),
    )
    stopping.dossier_stop(dossier_id=dossier.pk, leader=leader_for(dossier), reason=REASON)
    pause.refresh_from_db()
    assert pause.ended_at is not None


def test_the_leader_stops_from_the_processing_page(
    client, login_staff, django_capture_on_commit_callbacks
):
    dossier = forwarded_dossier()
    leader = leader_for(dossier)
    login_staff(leader)
    page = client.get(reverse("desk:processing_dossier", args=[dossier.pk]))
    assert page.status_code == 200 and b'id="form-stop"' in page.content
    url = reverse("desk:stop", args=[dossier.pk])
    # No reason: the page again with the message and nothing changed.
    response = client.post(url, {"stop-reason": ""})
    assert response.status_code == 200
    assert "stop-reason" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"stop-reason": REASON})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.RETURNED
    # Twice (another tab): a clear message, no 500.
    again = client.post(url, {"stop-reason": REASON}, follow=True)
    assert again.status_code in (200, 404)


def test_a_specialist_cannot_post_a_stop(client, login_staff):
    dossier = forwarded_dossier()
    login_staff(staff_user(Role.SPECIALIST, agency=dossier.agency))
    response = client.post(reverse("desk:stop", args=[dossier.pk]), {"stop-reason": REASON})
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.state == Dossier.State.PROCESSING
