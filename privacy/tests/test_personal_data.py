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
        reverse("privacy:correction"),
        {"field": "Địa chỉ trong tài khoản", "details": "Số 21 Lê Lợi, không phải 12"},
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
    response = client.post(reverse("privacy:correction"), {"field": "Số điện thoại", "details": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Số điện thoại"' in page
    assert "errorlist" in page
    assert not DataRequest.objects.exists()


def test_it_staff_answer_in_the_admin_and_the_citizen_sees_it(client, login_staff, citizen):
    owner, _dossier = citizen
    request = services.correction_request(
        subject=owner, field="Họ tên", details="Nguyễn Thị Lan Anh", ip=None
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
