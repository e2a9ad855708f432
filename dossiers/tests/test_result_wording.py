"""The citizen is told how the result actually reached them (desk, download, post), and the
forwarding message names the department that will process the dossier."""

import pytest
from django.utils import timezone

from dossiers import processing, services
from dossiers.tests.factories import (
    DossierFactory,
    desk_officer_for,
    specialist_department,
)
from dossiers.tests.test_results import done_dossier, result_url
from portal.models import Notification
from portal.notifications.rendering import render_email, render_sms, sms_length
from procedures.models import ReturnMethod

pytestmark = pytest.mark.django_db

POSTAL_WORDS = ("buu chinh", "chuyen phat", "buu gui")
POSTAL_WORDS_VI = ("bưu chính", "chuyển phát", "bưu gửi")


def delivered_messages(dossier):
    sms = Notification.objects.get(
        user=dossier.applicant, template="result_delivered", channel="sms"
    )
    email = Notification.objects.get(
        user=dossier.applicant, template="result_delivered", channel="email"
    )
    subject, text, html = render_email("result_delivered", email.context, "vi")
    return render_sms("result_delivered", sms.context, "vi"), subject, text, html


def assert_nothing_postal(sms, subject, text, html):
    assert not any(word in sms.lower() for word in POSTAL_WORDS), sms
    for part in (subject, text, html):
        assert not any(word in part.lower() for word in POSTAL_WORDS_VI), part


def test_a_result_collected_at_the_desk_says_so():
    dossier, _result = done_dossier(return_method=ReturnMethod.DESK)
    processing.dossier_deliver(
        dossier_id=dossier.pk,
        actor=desk_officer_for(dossier),
        method=ReturnMethod.DESK,
        collector=processing.Collector("Trần Thị Bình", "054195000777"),
    )
    dossier.refresh_from_db()
    sms, subject, text, html = delivered_messages(dossier)
    at = timezone.localtime(dossier.delivered_at).strftime("%H:%M %d/%m/%Y")

    assert sms == f"Ho so {dossier.code}: ket qua da duoc nhan tai Bo phan Mot cua luc {at}."
    assert sms_length(sms) <= 160
    assert subject == f"Hồ sơ {dossier.code}: kết quả đã được nhận tại Bộ phận Một cửa"
    assert f"tại Bộ phận Một cửa của {dossier.agency.name} lúc {at}" in text
    assert "Người nhận: Trần Thị Bình" in text and "Trần Thị Bình" in html
    assert_nothing_postal(sms, subject, text, html)


def test_a_result_downloaded_online_says_so(client):
    dossier, result = done_dossier(return_method=ReturnMethod.ONLINE)
    client.force_login(dossier.applicant)
    assert client.get(result_url(dossier, result)).status_code == 200
    dossier.refresh_from_db()
    sms, subject, text, html = delivered_messages(dossier)
    at = timezone.localtime(dossier.delivered_at).strftime("%H:%M %d/%m/%Y")

    assert sms == f"Ho so {dossier.code}: ket qua da duoc tai ve tu Cong luc {at}."
    assert subject == f"Hồ sơ {dossier.code}: kết quả đã được tải về"
    assert f"đã được tải về từ tài khoản của bạn trên Cổng lúc {at}" in text
    assert_nothing_postal(sms, subject, text, html)


def test_a_posted_result_still_gives_the_tracking_number():
    dossier, _result = done_dossier(return_method=ReturnMethod.POST, postal_address="5 Lê Lợi")
    processing.dossier_deliver(
        dossier_id=dossier.pk,
        actor=desk_officer_for(dossier),
        method=ReturnMethod.POST,
        postal=processing.PostalDetails(
            tracking_number="EL123456789VN", carrier="VNPost", posted_on=timezone.localdate()
        ),
    )
    sms, subject, text, _html = delivered_messages(dossier)
    assert subject == f"Hồ sơ {dossier.code}: kết quả đã được gửi"
    assert "buu chinh" in sms and "EL123456789VN" in sms
    assert "VNPost" in text and "EL123456789VN" in text


def test_the_forwarding_sms_names_the_department():
    dossier = DossierFactory(processing=True)
    department = specialist_department(dossier)
    department.name = "Phòng Tư pháp"
    department.save(update_fields=["name"])
    services.dossier_forward(
        dossier_id=dossier.pk, officer=desk_officer_for(dossier), department=department
    )
    sms = Notification.objects.get(
        user=dossier.applicant, template="dossier_forwarded", channel="sms"
    )
    text = render_sms("dossier_forwarded", sms.context, "vi")
    assert "Phong Tu phap" in text, text
    assert sms_length(text) <= 160


def test_the_forwarding_sms_fits_one_segment_with_long_names():
    dossier = DossierFactory(processing=True)
    dossier.agency.name = "Ủy ban nhân dân phường Tuy Hòa, tỉnh Đắk Lắk (sau sắp xếp đơn vị)"
    dossier.agency.save(update_fields=["name"])
    department = specialist_department(dossier)
    department.name = "Phòng Kinh tế, Hạ tầng và Đô thị — Bộ phận giải quyết hồ sơ đất đai"
    department.save(update_fields=["name"])
    services.dossier_forward(
        dossier_id=dossier.pk, officer=desk_officer_for(dossier), department=department
    )
    sms = Notification.objects.get(
        user=dossier.applicant, template="dossier_forwarded", channel="sms"
    )
    text = render_sms("dossier_forwarded", sms.context, "vi")
    assert text.startswith(f"Ho so {dossier.code} da duoc chuyen den Phong Kinh te")
    assert sms_length(text) <= 160
