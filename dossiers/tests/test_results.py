"""Results reach the applicant: online download by the owner, registered post, at the desk."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from dossiers import processing
from dossiers.errors import DossierPermissionError, DossierStateError, DossierValidationError
from dossiers.models import Delivery, Dossier, DossierEvent
from dossiers.tests.factories import (
    PDF_BYTES,
    DossierFactory,
    desk_officer_for,
    forwarded_dossier,
    leader_for,
    pdf_upload,
    specialist_for,
)
from portal.models import Notification
from portal.roles import Role
from procedures.models import ReturnMethod
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def done_dossier(return_method=ReturnMethod.ONLINE, **kwargs):
    """A dossier whose result a leader approved, through the services."""
    dossier = forwarded_dossier(return_method=return_method, **kwargs)
    specialist = specialist_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    proposal = processing.dossier_propose_result(
        dossier_id=dossier.pk,
        actor=specialist,
        result_text="Quyết định số 45/QĐ-UBND",
        files=[pdf_upload("quyet-dinh.pdf")],
    )
    processing.proposal_approve(
        dossier_id=dossier.pk, proposal_id=proposal.pk, leader=leader_for(dossier)
    )
    dossier.refresh_from_db()
    return dossier, proposal.result_files.get()


def result_url(dossier, attachment):
    return reverse("dossiers:result", kwargs={"pk": dossier.pk, "file_pk": attachment.pk})


# --- Online --------------------------------------------------------------------------------


def test_the_owner_downloads_the_result_and_the_first_download_is_the_delivery(client):
    dossier, result = done_dossier()
    client.force_login(dossier.applicant)
    page = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert result_url(dossier, result) in page and "Quyết định số 45/QĐ-UBND" in page
    response = client.get(result_url(dossier, result))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    # The citizen gets the copy signed on approval: the uploaded PDF plus the signature.
    assert data.startswith(PDF_BYTES[:8]) and data != PDF_BYTES and b"/ByteRange" in data
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    dossier.refresh_from_db()
    first = dossier.delivered_at
    assert first is not None
    assert dossier.delivery.method == ReturnMethod.ONLINE
    assert dossier.events.filter(kind=DossierEvent.Kind.DELIVERED).count() == 1
    assert Notification.objects.filter(user=dossier.applicant, template="result_delivered").exists()
    # Downloading again changes nothing.
    assert client.get(result_url(dossier, result)).status_code == 200
    dossier.refresh_from_db()
    assert dossier.delivered_at == first
    assert dossier.events.filter(kind=DossierEvent.Kind.DELIVERED).count() == 1


def test_another_citizen_cannot_download_or_learn_of_the_result(client):
    dossier, result = done_dossier()
    mine = DossierFactory(done=True, return_method=ReturnMethod.ONLINE)
    client.force_login(mine.applicant)
    assert client.get(result_url(dossier, result)).status_code == 404
    # Nor by pairing the file with their own dossier.
    forged = reverse("dossiers:result", kwargs={"pk": mine.pk, "file_pk": result.pk})
    assert client.get(forged).status_code == 404
    # Nor through the ordinary file address.
    plain = reverse("dossiers:attachment", kwargs={"pk": dossier.pk, "file_pk": result.pk})
    assert client.get(plain).status_code == 404
    dossier.refresh_from_db()
    assert dossier.delivered_at is None


def test_staff_cannot_download_through_the_citizen_address(login_staff):
    dossier, result = done_dossier()
    client = login_staff(desk_officer_for(dossier))
    assert client.get(result_url(dossier, result)).status_code == 404
    dossier.refresh_from_db()
    assert dossier.delivered_at is None


def test_a_result_awaiting_approval_is_not_downloadable(client):
    dossier = forwarded_dossier(return_method=ReturnMethod.ONLINE)
    specialist = specialist_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    proposal = processing.dossier_propose_result(
        dossier_id=dossier.pk, actor=specialist, result_text="Nháp", files=[pdf_upload()]
    )
    result = proposal.result_files.get()
    client.force_login(dossier.applicant)
    assert client.get(result_url(dossier, result)).status_code == 404
    plain = reverse("dossiers:attachment", kwargs={"pk": dossier.pk, "file_pk": result.pk})
    assert client.get(plain).status_code == 404
    page = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert "Nháp" not in page and 'id="result"' not in page


def test_a_sent_back_result_never_reaches_the_citizen(client):
    dossier = forwarded_dossier(return_method=ReturnMethod.ONLINE)
    specialist, leader = specialist_for(dossier), leader_for(dossier)
    Dossier.objects.filter(pk=dossier.pk).update(assignee=specialist)
    wrong = processing.dossier_propose_result(
        dossier_id=dossier.pk, actor=specialist, result_text="Sai", files=[pdf_upload("sai.pdf")]
    )
    processing.proposal_send_back(
        dossier_id=dossier.pk, proposal_id=wrong.pk, leader=leader, note="Sai tên."
    )
    right = processing.dossier_propose_result(
        dossier_id=dossier.pk, actor=specialist, result_text="Đúng", files=[pdf_upload("dung.pdf")]
    )
    processing.proposal_approve(dossier_id=dossier.pk, proposal_id=right.pk, leader=leader)
    client.force_login(dossier.applicant)
    page = client.get(reverse("dossiers:detail", kwargs={"pk": dossier.pk})).content.decode()
    assert "dung.pdf" in page and "sai.pdf" not in page
    assert client.get(result_url(dossier, wrong.result_files.get())).status_code == 404


def test_a_desk_collected_result_is_not_downloadable_online(client):
    dossier, result = done_dossier(return_method=ReturnMethod.DESK)
    client.force_login(dossier.applicant)
    assert client.get(result_url(dossier, result)).status_code == 404
    with pytest.raises(DossierValidationError):
        processing.dossier_deliver(
            dossier_id=dossier.pk, actor=dossier.applicant, method=ReturnMethod.ONLINE
        )


def test_online_delivery_only_by_the_owner():
    dossier, _result = done_dossier()
    for person in (UserFactory(), desk_officer_for(dossier)):
        with pytest.raises(DossierPermissionError):
            processing.dossier_deliver(dossier_id=dossier.pk, actor=person, method="online")


# --- Registered post -----------------------------------------------------------------------


def test_the_desk_records_the_posting_and_the_citizen_gets_the_tracking_number():
    dossier, _result = done_dossier(return_method=ReturnMethod.POST, postal_address="5 Lê Lợi")
    desk = desk_officer_for(dossier)
    today = timezone.localdate()
    processing.dossier_deliver(
        dossier_id=dossier.pk,
        actor=desk,
        method=ReturnMethod.POST,
        postal=processing.PostalDetails(
            tracking_number="el123456789vn", carrier="VNPost", posted_on=today
        ),
    )
    dossier.refresh_from_db()
    assert dossier.delivered_at is not None
    delivery = Delivery.objects.get(dossier=dossier)
    assert (delivery.tracking_number, delivery.carrier, delivery.posted_on) == (
        "EL123456789VN",
        "VNPost",
        today,
    )
    sms = Notification.objects.get(
        user=dossier.applicant, template="result_delivered", channel="sms"
    )
    assert sms.context["tracking_number"] == "EL123456789VN"
    event = dossier.events.get(kind=DossierEvent.Kind.DELIVERED)
    assert event.actor == desk and event.data["tracking_number"] == "EL123456789VN"


def test_posting_details_are_checked_and_nothing_is_recorded_on_error():
    dossier, _result = done_dossier(return_method=ReturnMethod.POST)
    desk = desk_officer_for(dossier)
    with pytest.raises(DossierValidationError) as error:
        processing.dossier_deliver(
            dossier_id=dossier.pk,
            actor=desk,
            method=ReturnMethod.POST,
            postal=processing.PostalDetails(" ", "", timezone.localdate() + timedelta(days=3)),
        )
    assert set(error.value.field_errors) == {"tracking_number", "carrier", "posted_on"}
    with pytest.raises(DossierValidationError) as error:
        processing.dossier_deliver(
            dossier_id=dossier.pk,
            actor=desk,
            method=ReturnMethod.POST,
            postal=processing.PostalDetails("EL1", "VNPost", date(2020, 1, 1)),
        )
    assert "posted_on" in error.value.field_errors
    dossier.refresh_from_db()
    assert dossier.delivered_at is None and not Delivery.objects.exists()


# --- At the desk ---------------------------------------------------------------------------


def test_the_desk_records_who_collected_the_result(login_staff):
    dossier, _result = done_dossier(return_method=ReturnMethod.DESK)
    desk = desk_officer_for(dossier)
    client = login_staff(desk)
    handover = client.get(reverse("desk:handover_queue")).content.decode()
    assert f'data-code="{dossier.code}"' in handover
    bad = client.post(
        reverse("desk:deliver_desk", args=[dossier.pk]),
        {"collect-collector_name": "Trần Văn Bảy", "collect-collector_id_number": ""},
    )
    assert bad.status_code == 200 and "Trần Văn Bảy" in bad.content.decode()
    good = client.post(
        reverse("desk:deliver_desk", args=[dossier.pk]),
        {
            "collect-collector_name": "Trần Văn Bảy",
            "collect-collector_id_number": "054090001111",
            "collect-id_check_note": "Đối chiếu CCCD bản gốc; có giấy ủy quyền.",
        },
    )
    assert good.status_code == 302
    dossier.refresh_from_db()
    assert dossier.delivered_at is not None
    assert dossier.delivery.collector_name == "Trần Văn Bảy"
    assert dossier.delivery.id_check_note == "Đối chiếu CCCD bản gốc; có giấy ủy quyền."
    listing = client.get(reverse("desk:handover_queue")).content.decode()
    assert f'data-code="{dossier.code}"' not in listing
    # Twice: a clear message, one delivery. (The requests above switched the language.)
    with translation.override("en"), pytest.raises(DossierStateError, match="already handed over"):
        processing.dossier_deliver(
            dossier_id=dossier.pk,
            actor=desk,
            method=ReturnMethod.DESK,
            collector=processing.Collector("Ai đó", "054090001111"),
        )
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize("who", ["specialist", "leader", "other_agency_desk", "citizen"])
def test_only_the_desk_of_the_agency_records_a_hand_over(who):
    dossier, _result = done_dossier(return_method=ReturnMethod.DESK)
    person = {
        "specialist": lambda: specialist_for(dossier),
        "leader": lambda: leader_for(dossier),
        "other_agency_desk": lambda: staff_user(Role.DESK_OFFICER),
        "citizen": lambda: dossier.applicant,
    }[who]()
    with pytest.raises(DossierPermissionError):
        processing.dossier_deliver(
            dossier_id=dossier.pk,
            actor=person,
            method=ReturnMethod.DESK,
            collector=processing.Collector("A", "1"),
        )


def test_a_result_not_ready_cannot_be_delivered():
    dossier = forwarded_dossier(return_method=ReturnMethod.DESK)
    with pytest.raises(DossierStateError, match="not ready"):
        processing.dossier_deliver(
            dossier_id=dossier.pk,
            actor=desk_officer_for(dossier),
            method=ReturnMethod.DESK,
            collector=processing.Collector("A", "1"),
        )


def test_the_hand_over_page_of_another_agency_is_not_found(login_staff):
    dossier, _result = done_dossier(return_method=ReturnMethod.DESK)
    client = login_staff(staff_user(Role.DESK_OFFICER))
    assert client.get(reverse("desk:handover", args=[dossier.pk])).status_code == 404
    response = client.post(
        reverse("desk:deliver_desk", args=[dossier.pk]),
        {"collect-collector_name": "A", "collect-collector_id_number": "1"},
    )
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.delivered_at is None
