"""Report exports are rendered once, when the figures are frozen, and stored as private files
(here in a real SeaweedFS bucket); downloads and e-mails send the stored files, never a new
rendering. Reports frozen before the files were stored get them on their first download."""

import io
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.functional import empty
from pypdf import PdfReader

from dossiers.models import private_storage
from portal.roles import Role
from reporting import services
from reporting.figures import Scope
from reporting.models import Report
from reporting.tests.data import H1_2026
from tests.factories import staff_user
from tests.object_store import keys, s3_client, storage_options

pytestmark = pytest.mark.django_db

FORMATS = ("pdf", "xlsx", "csv")


@pytest.fixture
def bucket(make_bucket, settings):
    name = make_bucket("reports")
    settings.PRIVATE_OBJECT_STORAGE = storage_options(name)
    private_storage._wrapped = empty
    yield s3_client(), name
    private_storage._wrapped = empty


@pytest.fixture
def it_admin():
    return staff_user(Role.IT_ADMIN)


def prepare(actor):
    report = services.report_request(period=H1_2026, scope=Scope(), actor=actor)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    return report


def object_key(report, fmt):
    return f"portal/{report.stored_file(fmt).name}"


def head(bucket, key):
    client, name = bucket
    answer = client.head_object(Bucket=name, Key=key)
    return answer["ETag"], answer["LastModified"]


def download(client, report, fmt):
    response = client.get(reverse("reports:download", args=[report.pk, fmt]))
    assert response.status_code == 200, response
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    return b"".join(response.streaming_content)


def test_freezing_a_report_stores_its_pdf_spreadsheet_and_csv_in_the_bucket(
    dataset, it_admin, bucket
):
    report = prepare(it_admin)
    client, name = bucket
    assert sorted(keys(client, name)) == sorted(object_key(report, fmt) for fmt in FORMATS)
    pdf = client.get_object(Bucket=name, Key=object_key(report, "pdf"))["Body"].read()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert pdf.startswith(b"%PDF")


def test_downloads_stream_the_stored_file_and_never_render_again(
    dataset, it_admin, bucket, login_staff
):
    report = prepare(it_admin)
    client = login_staff(it_admin)
    s3, name = bucket
    # The stored objects are what the portal sends: replaced behind its back, the download
    # carries the replacement. A download that rendered anew would carry a fresh PDF instead.
    for fmt in FORMATS:
        marker = f"stored {fmt} of report {report.pk}".encode()
        s3.put_object(Bucket=name, Key=object_key(report, fmt), Body=marker)
    before = {fmt: head(bucket, object_key(report, fmt)) for fmt in FORMATS}

    for fmt in FORMATS:
        for _attempt in range(2):
            assert download(client, report, fmt) == f"stored {fmt} of report {report.pk}".encode()
    assert {fmt: head(bucket, object_key(report, fmt)) for fmt in FORMATS} == before
    assert len(keys(s3, name)) == 3  # nothing new written


def test_a_report_frozen_before_files_were_stored_gets_them_on_its_first_download(
    dataset, it_admin, bucket, login_staff
):
    report = prepare(it_admin)
    s3, name = bucket
    # As a report frozen by the earlier code: figures and the signed PDF, no stored exports.
    for fmt in ("xlsx", "csv"):
        s3.delete_object(Bucket=name, Key=object_key(report, fmt))
    Report.objects.filter(pk=report.pk).update(pdf_file="", xlsx_file="", csv_file="")
    client = login_staff(it_admin)

    first = download(client, report, "pdf")
    report.refresh_from_db()
    assert report.pdf_file and not report.xlsx_file and not report.csv_file
    stored = head(bucket, object_key(report, "pdf"))
    assert first.startswith(b"%PDF")
    time.sleep(1.1)  # a second rendering would show in the object's modification time

    assert download(client, report, "pdf") == first
    assert head(bucket, object_key(report, "pdf")) == stored
    assert keys(s3, name) == [object_key(report, "pdf")]
    assert download(client, report, "csv").decode("utf-8-sig").startswith(report.title[:20])


def test_the_stored_files_are_in_vietnamese_whoever_asks(dataset, it_admin, bucket, login_staff):
    report = prepare(it_admin)
    client = login_staff(it_admin)
    client.cookies["django_language"] = "en"
    text = download(client, report, "csv").decode("utf-8-sig")
    assert "Tổng cộng" in text and "\nTotal" not in text


def test_the_emailed_report_attaches_the_stored_files(dataset, it_admin, bucket, settings):
    settings.REPORT_RECIPIENTS = ["ubnd@example.gov.vn"]
    report = prepare(it_admin)
    s3, name = bucket
    for fmt in ("pdf", "xlsx"):
        s3.put_object(Bucket=name, Key=object_key(report, fmt), Body=f"stored {fmt}".encode())

    assert services.report_email(report_id=report.pk)
    attachments = {n.rsplit(".", 1)[1]: content for n, content, _t in mail.outbox[0].attachments}
    assert attachments == {"pdf": b"stored pdf", "xlsx": b"stored xlsx"}


def test_on_the_local_disk_a_download_leaves_the_stored_file_untouched(
    dataset, it_admin, login_staff
):
    report = prepare(it_admin)
    client = login_staff(it_admin)
    path = report.pdf_file.path
    with open(path, "rb") as stored:
        content = stored.read()
    mtime = report.pdf_file.storage.get_modified_time(report.pdf_file.name)
    time.sleep(1.1)
    assert download(client, report, "pdf") == content
    assert report.pdf_file.storage.get_modified_time(report.pdf_file.name) == mtime
