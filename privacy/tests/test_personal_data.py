"""“Dữ liệu cá nhân của tôi”: the copy of everything held, corrections, sharing records."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from documents import services as store
from documents.services import DocumentDetails
from documents.tests.helpers import finished_dossier, submitted_dossier
from dossiers.tests.factories import pdf_upload
from feedback.models import Rating
from portal.roles import Role
from privacy import services
from privacy.models import DataRequest, SharingRecord
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

PAGE = "/tai-khoan/du-lieu-ca-nhan/"


@pytest.fixture
def citizen():
    owner = UserFactory(full_name="Nguyễn Thị Lan", address="12 Lê Lợi, Tuy Hòa")
    dossier = finished_dossier(owner)
    Rating.objects.create(
        dossier=dossier, agency=dossier.agency, rater=owner, stars=4, comment="Nhanh"
    )
    store.stored_document_upload(
        owner=owner,
        upload=pdf_upload("bang-lai.pdf", b"%PDF-1.4\n% bang lai xe\n%%EOF\n"),
        details=DocumentDetails(kind="Giấy phép lái xe"),
    )
    return owner, dossier


def download(client) -> zipfile.ZipFile:
    response = client.post(reverse("privacy:export"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="du-lieu-ca-nhan-')
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_page_is_in_vietnamese_and_linked_from_the_account(client, citizen):
    client.force_login(citizen[0])
    response = client.get(PAGE)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dữ liệu cá nhân của tôi" in page
    assert citizen[1].code in page  # the sharing record of the dossier
    assert PAGE in client.get("/tai-khoan/").content.decode()


def test_the_zip_holds_profile_dossiers_timeline_payments_ratings_store_and_files(client, citizen):
    owner, dossier = citizen
    client.force_login(owner)

    archive = download(client)

    data = json.loads(archive.read("du-lieu-ca-nhan.json"))
    assert data["profile"]["full_name"] == "Nguyễn Thị Lan"
    assert data["profile"]["national_id"] == owner.national_id
    assert data["profile"]["address"] == "12 Lê Lợi, Tuy Hòa"
    [item] = data["dossiers"]
    assert item["code"] == dossier.code
    titles = [event["title"] for event in item["events"]]
    assert titles and all("Assigned" not in title for title in titles)
    assert item["rating"]["stars"] == 4
    assert {f["kind"] for f in item["files"]} >= {"document", "result"}
    assert {record["recipient"] for record in data["data_sharing"]} == {
        "national_portal",
        "partner_api",
    }
    kinds = [entry["kind"] for entry in data["document_store"]]
    assert "Giấy phép lái xe" in kinds
    names = archive.namelist()
    for entry in [*item["files"], *data["document_store"]]:
        assert entry["file"] in names
    license_entry = next(e for e in data["document_store"] if e["kind"] == "Giấy phép lái xe")
    assert archive.read(license_entry["file"]) == b"%PDF-1.4\n% bang lai xe\n%%EOF\n"


def test_each_download_is_logged_in_the_audit_chain(client, citizen):
    owner, _dossier = citizen
    client.force_login(owner)
    download(client)
    download(client)
    assert DataRequest.objects.filter(subject=owner, kind="export").count() == 2
    records = AuditRecord.objects.filter(kind="privacy.export", actor_id=owner.pk)
    assert records.count() == 2


def test_another_citizen_gets_only_their_own_data(client, citizen):
    owner, dossier = citizen
    other = UserFactory()
    client.force_login(other)
    data = json.loads(download(client).read("du-lieu-ca-nhan.json"))
    assert data["profile"]["national_id"] == other.national_id
    assert data["dossiers"] == [] and data["document_store"] == []
    assert dossier.code not in client.get(PAGE).content.decode()
    assert owner.full_name not in json.dumps(data, ensure_ascii=False)


def test_anonymous_visitors_are_sent_to_log_in(client, citizen):
    for response in (client.get(PAGE), client.post(reverse("privacy:export"))):
        assert response.status_code == 302
        assert "/tai-khoan/dang-nhap/" in response["Location"]
    assert not DataRequest.objects.exists()


def test_the_download_needs_a_post(client, citizen):
    client.force_login(citizen[0])
    assert client.get(reverse("privacy:export")).status_code == 405


def test_a_correction_request_is_stored_logged_and_its_status_shown(client, citizen):
    owner, _dossier = citizen
    client.force_login(owner)
    response = client.post(
        reverse("privacy:request"),
        {
            "kind": "correction",
            "field": "Địa chỉ trong tài khoản",
            "details": "Số 21 Lê Lợi, không phải 12",
        },
    )
    assert response.status_code == 302
    request = DataRequest.objects.get(subject=owner, kind="correction")
    assert request.status == DataRequest.Status.RECEIVED
    assert AuditRecord.objects.filter(
        kind="privacy.correction_requested", target=f"data-request:{request.pk}"
    ).exists()
    page = client.get(PAGE).content.decode()
    assert "Địa chỉ trong tài khoản" in page and "Đã tiếp nhận" in page


def test_an_empty_correction_request_keeps_what_was_typed(client, citizen):
    client.force_login(citizen[0])
    response = client.post(
        reverse("privacy:request"), {"kind": "correction", "field": "Số điện thoại", "details": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Số điện thoại"' in page
    assert "errorlist" in page
    assert not DataRequest.objects.exists()


def test_it_staff_answer_in_the_admin_and_the_citizen_sees_it(client, login_staff, citizen):
    owner, _dossier = citizen
    request = services.data_request(
        subject=owner, kind="correction", field="Họ tên", details="Nguyễn Thị Lan Anh", ip=None
    )
    it_staff = staff_user(Role.IT_ADMIN, is_superuser=True)
    staff_client = login_staff(it_staff)
    change = f"/admin/privacy/datarequest/{request.pk}/change/"
    assert "Nguyễn Thị Lan Anh" in staff_client.get(change).content.decode()
    response = staff_client.post(change, {"status": "done", "answer": "Đã sửa họ tên."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.handled_by) == ("done", it_staff)
    assert AuditRecord.objects.filter(kind="privacy.correction_updated").exists()

    staff_client.logout()
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert "Đã sửa họ tên." in page and "Hoàn thành" in page


def test_every_submitted_dossier_records_to_whom_its_data_goes():
    owner = UserFactory()
    dossier = submitted_dossier(owner)
    records = SharingRecord.objects.filter(dossier=dossier)
    assert {r.recipient for r in records} == {"national_portal", "partner_api"}
    assert all(r.basis == "legal_duty" and "91/2025/QH15" in r.legal_reference for r in records)


# --- Deletion, restriction, objection; the answer times of Decree 356/2025 ---------------


@pytest.fixture
def it_admin():
    return staff_user(Role.IT_ADMIN, is_superuser=True, email="it@dichvucong.example.vn")


def test_a_request_on_a_friday_is_due_two_working_days_later_and_it_staff_are_told(
    citizen, it_admin, monkeypatch
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from portal.models import Notification
    from portal.notifications import rendering

    friday = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    monkeypatch.setattr(timezone, "now", lambda: friday)
    request = services.data_request(
        subject=citizen[0],
        kind="restriction",
        field="Số điện thoại",
        details="Không dùng số điện thoại của tôi để gửi tin nhắn quảng bá",
        ip=None,
    )
    # Saturday and Sunday do not count; the restriction is carried out within 15 days.
    assert request.answer_due_at == datetime(2026, 12, 8, 10, 0, tzinfo=friday.tzinfo)
    assert request.complete_due_at == datetime(2026, 12, 19, 10, 0, tzinfo=friday.tzinfo)
    [alert] = Notification.objects.filter(template="data_request_received")
    assert (alert.user, alert.channel, alert.recipient) == (it_admin, "email", it_admin.email)
    subject, text, _html = rendering.render_email(alert.template, alert.context, "vi")
    assert request.reference in subject and "08/12/2026" in subject
    assert "Hạn chế xử lý dữ liệu của tôi" in text
    assert f"/admin/privacy/datarequest/{request.pk}/change/" in text


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("deletion", "Xóa dữ liệu của tôi"),
        ("restriction", "Hạn chế xử lý dữ liệu của tôi"),
        ("objection", "Phản đối xử lý dữ liệu của tôi"),
    ],
)
def test_each_kind_of_request_is_received_logged_and_shown_with_its_answer_time(
    client, citizen, kind, label
):
    owner, _dossier = citizen
    client.force_login(owner)
    response = client.post(
        reverse("privacy:request"),
        {"kind": kind, "field": "Địa chỉ e-mail", "details": "Tôi không còn dùng địa chỉ này"},
        follow=True,
    )
    page = response.content.decode()
    request = DataRequest.objects.get(subject=owner, kind=kind)
    assert request.reference in page and "Đã tiếp nhận" in page and label in page
    due = timezone_local(request.answer_due_at)
    assert due in page  # in the success message and in the table
    assert AuditRecord.objects.filter(
        kind=f"privacy.{kind}_requested", target=f"data-request:{request.pk}"
    ).exists()


def timezone_local(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def test_a_request_of_an_unknown_kind_is_refused_with_what_was_typed_kept(client, citizen):
    client.force_login(citizen[0])
    response = client.post(
        reverse("privacy:request"),
        {"kind": "export", "field": "Họ tên", "details": "Xóa giúp tôi"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "errorlist" in page and 'value="Họ tên"' in page and "Xóa giúp tôi" in page
    assert not DataRequest.objects.exists()


def test_a_declined_request_needs_its_reason_and_the_citizen_is_told_the_answer(
    client, login_staff, citizen, it_admin
):
    from portal.models import Notification

    owner, _dossier = citizen
    request = services.data_request(
        subject=owner,
        kind="deletion",
        field="Hồ sơ đã hoàn thành",
        details="Xóa hồ sơ khai sinh của tôi",
        ip=None,
    )
    staff_client = login_staff(it_admin)
    change = f"/admin/privacy/datarequest/{request.pk}/change/"
    response = staff_client.post(change, {"status": "refused", "answer": "  "})
    assert response.status_code == 200
    assert "cần nêu lý do" in response.content.decode()
    request.refresh_from_db()
    assert (request.status, request.answered_at) == ("received", None)
    assert not Notification.objects.filter(template="data_request_answered").exists()

    reason = "Hồ sơ và kết quả phải lưu trữ theo quy định về lưu trữ hồ sơ thủ tục hành chính."
    response = staff_client.post(change, {"status": "refused", "answer": reason})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "refused" and request.answered_at is not None
    told = Notification.objects.filter(template="data_request_answered", user=owner)
    assert {n.channel for n in told} == {"email", "sms"}
    assert AuditRecord.objects.filter(kind="privacy.deletion_updated").exists()

    staff_client.logout()
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert reason in page and "Không chấp nhận" in page


def test_it_staff_find_the_requests_past_their_answer_time(client, login_staff, citizen, it_admin):
    from datetime import timedelta

    from django.utils import timezone

    owner, _dossier = citizen
    late = services.data_request(
        subject=owner, kind="objection", field="Số điện thoại", details="Lý do A", ip=None
    )
    answered = services.data_request(
        subject=owner, kind="correction", field="Địa chỉ", details="Lý do B", ip=None
    )
    waiting = services.data_request(
        subject=owner, kind="deletion", field="Ảnh CCCD", details="Lý do C", ip=None
    )
    past = timezone.now() - timedelta(hours=1)
    DataRequest.objects.filter(pk__in=[late.pk, answered.pk]).update(answer_due_at=past)
    DataRequest.objects.filter(pk=answered.pk).update(answered_at=past)
    assert list(services.requests_overdue()) == [late]

    staff_client = login_staff(it_admin)
    listing = staff_client.get("/admin/privacy/datarequest/", {"qua-han": "1"}).content.decode()
    assert f"/admin/privacy/datarequest/{late.pk}/change/" in listing
    for other in (answered, waiting):
        assert f"/admin/privacy/datarequest/{other.pk}/change/" not in listing

    staff_client.logout()
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert page.count("badge-danger") == 1  # the late one, marked for the citizen too


def test_it_staff_are_reminded_once_of_each_request_past_its_answer_time(citizen, it_admin):
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from portal.models import Notification
    from portal.notifications import rendering
    from privacy import tasks

    owner, _dossier = citizen
    late = services.data_request(
        subject=owner, kind="deletion", field="Ảnh CCCD", details="Không cần nữa", ip=None
    )
    on_time = services.data_request(
        subject=owner, kind="objection", field="Số điện thoại", details="Lý do", ip=None
    )
    DataRequest.objects.filter(pk=late.pk).update(answer_due_at=timezone.now() - timedelta(hours=3))
    assert tasks.remind_overdue_data_requests.delay().get() == 1
    assert tasks.remind_overdue_data_requests.delay().get() == 1  # still late, not sent again
    [reminder] = Notification.objects.filter(template="data_request_overdue")
    assert (reminder.user, reminder.channel) == (it_admin, "email")
    subject, text, _html = rendering.render_email(reminder.template, reminder.context, "vi")
    assert late.reference in subject and "chưa được trả lời" in subject
    assert f"/admin/privacy/datarequest/{late.pk}/change/" in text
    assert on_time.reference not in text
    schedule = settings.CELERY_BEAT_SCHEDULE["remind-overdue-data-requests"]
    assert schedule["task"] == tasks.remind_overdue_data_requests.name

    # Answered: no longer late, whatever its time.
    services.data_request_update(
        request=late, status="in_progress", answer="Đang xem xét", actor=it_admin, ip=None
    )
    assert services.data_requests_remind_overdue() == 0
