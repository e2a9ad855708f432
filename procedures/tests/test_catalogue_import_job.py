"""The catalogue import as a worker's job: the admin keeps the file and queues it, a progress
page follows it, all or nothing is kept, and a job whose task was lost is sent again."""

import copy
import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers.models import private_storage
from portal import services as portal_services
from portal.celery import app
from portal.demo import load_catalogue
from portal.roles import Role
from procedures import services, tasks
from procedures.catalogue_io import catalogue_import
from procedures.models import CatalogueImport, Procedure, ProcedureVersion
from tests.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

SIZE = 2000


@pytest.fixture(scope="module")
def sample_data():
    return load_catalogue()


@pytest.fixture
def sample(sample_data):
    data = copy.deepcopy(sample_data)
    portal_services.organisation_import(agencies=data["agencies"])
    return data


def large_catalogue(sample, size=SIZE):
    """`size` procedures: the sample's records over and over, each under a code of its own."""
    records = sample["procedures"]
    procedures = []
    for number in range(size):
        record = copy.deepcopy(records[number % len(records)])
        record["code"] = f"9.{number + 1:06d}"
        record["name"] = f"{record['name']} ({number + 1})"
        procedures.append(record)
    return {**sample, "procedures": procedures}


def upload(data, name="danh-muc.json"):
    return SimpleUploadedFile(
        name, json.dumps(data, ensure_ascii=False).encode(), content_type="application/json"
    )


@pytest.fixture
def it_admin():
    return staff_user(Role.IT_ADMIN)


def progress_url(job):
    return reverse("admin:procedures_procedure_import_progress", args=[job.pk])


def test_the_upload_only_keeps_the_file_and_queues_the_import(
    login_staff, it_admin, sample, django_capture_on_commit_callbacks
):
    client = login_staff(it_admin)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("admin:procedures_procedure_import"), {"file": upload(sample)}
        )

    job = CatalogueImport.objects.get()
    assert response.status_code == 302 and response["Location"] == progress_url(job)
    assert len(queued) == 1  # the task, sent once the upload is committed
    assert job.status == CatalogueImport.Status.PENDING and job.requested_by == it_admin
    assert not Procedure.objects.exists()
    # The file is in the private storage, as uploaded.
    assert private_storage.exists(job.file.name)
    with job.file.open("rb") as stored:
        assert json.loads(stored.read())["procedures"][0]["code"] == "1.001193"

    page = client.get(progress_url(job)).content.decode()
    assert "Đang chờ" in page  # waiting for a worker
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "js/import-progress.js" in page


def test_two_thousand_procedures_are_imported_by_the_task(
    login_staff, it_admin, sample, django_capture_on_commit_callbacks
):
    client = login_staff(it_admin)
    data = large_catalogue(sample)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs in-process here
        response = client.post(reverse("admin:procedures_procedure_import"), {"file": upload(data)})

    job = CatalogueImport.objects.get()
    assert job.status == CatalogueImport.Status.DONE, job.result
    assert job.total == SIZE and job.result["procedures_created"] == SIZE
    assert Procedure.published.count() == SIZE
    assert ProcedureVersion.objects.filter(published_by=it_admin).count() == SIZE

    page = client.get(response["Location"])
    text = page.content.decode()
    assert "tạo mới 2000" in text, text
    assert 'http-equiv="refresh"' not in text and "import-progress.js" not in text  # finished
    assert cache.get(services._progress_key(job.pk)) is None


def test_progress_counts_records_checked_then_saved(sample):
    data = large_catalogue(sample, size=120)
    seen = []
    catalogue_import(data=data, actor=None, progress=lambda *step: seen.append(step))
    assert seen == [
        ("checking", 50, 120),
        ("checking", 100, 120),
        ("checking", 120, 120),
        ("importing", 50, 120),
        ("importing", 100, 120),
        ("importing", 120, 120),
    ]


def test_the_page_of_a_running_import_shows_rows_done_of_the_total(login_staff, it_admin, sample):
    client = login_staff(it_admin)
    job = services.catalogue_import_request(
        upload=upload(sample), dry_run=False, actor=it_admin, language="vi"
    )
    CatalogueImport.objects.filter(pk=job.pk).update(
        status=CatalogueImport.Status.RUNNING, total=SIZE
    )
    # What the worker's progress callback leaves for the other hosts.
    cache.set(services._progress_key(job.pk), {"phase": "importing", "done": 800, "total": SIZE})

    page = client.get(progress_url(job)).content.decode()
    assert "800" in page and "2000" in page and 'value="40"' in page
    assert '<meta http-equiv="refresh"' in page


def test_one_bad_record_among_two_thousand_imports_nothing_and_every_error_is_listed(
    login_staff, it_admin, sample, django_capture_on_commit_callbacks
):
    client = login_staff(it_admin)
    data = large_catalogue(sample)
    data["procedures"][1499]["level"] = 7
    data["procedures"][1999]["processing_days"] = "mười"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:procedures_procedure_import"), {"file": upload(data)})

    job = CatalogueImport.objects.get()
    assert job.status == CatalogueImport.Status.REFUSED
    assert not Procedure.objects.exists()  # all or nothing
    assert [(p["record"], p["code"], p["field"]) for p in job.errors] == [
        (1500, "9.001500", "level"),
        (2000, "9.002000", "processing_days"),
    ]
    page = client.get(response["Location"]).content.decode()
    assert "Chưa nhập dữ liệu nào: tệp có 2 lỗi." in page, page
    table = page[page.index('id="import-problems"') :]
    assert "9.001500" in table and "level" in table and "1500" in table
    assert "9.002000" in table and "processing_days" in table


def test_a_file_that_is_not_json_is_refused_on_the_page(
    login_staff, it_admin, django_capture_on_commit_callbacks
):
    client = login_staff(it_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:procedures_procedure_import"),
            {"file": SimpleUploadedFile("c.json", b"\xff\xfe nonsense")},
        )
    job = CatalogueImport.objects.get()
    assert job.status == CatalogueImport.Status.REFUSED
    assert "Tệp không phải JSON hợp lệ" in client.get(response["Location"]).content.decode()


def test_a_dry_run_saves_nothing_and_says_what_it_would_do(
    login_staff, it_admin, sample, django_capture_on_commit_callbacks
):
    client = login_staff(it_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:procedures_procedure_import"), {"file": upload(sample), "dry_run": "on"}
        )
    assert not Procedure.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "tạo mới 45" in page


def test_an_import_whose_task_was_lost_is_sent_again_by_beat(it_admin, sample, settings):
    # Uploaded while the broker was down: the after-commit task never ran.
    lost = services.catalogue_import_request(
        upload=upload(sample), dry_run=False, actor=it_admin, language="vi"
    )
    fresh = services.catalogue_import_request(
        upload=upload(sample), dry_run=True, actor=it_admin, language="vi"
    )
    CatalogueImport.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    settings.CATALOGUE_IMPORT_RESEND_AFTER_SECONDS = 120

    assert tasks.resend_pending_catalogue_imports() == 1  # tasks run in-process in the tests
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == CatalogueImport.Status.DONE
    assert fresh.status == CatalogueImport.Status.PENDING  # its own task may be on its way
    assert Procedure.published.count() == 45
    assert tasks.resend_pending_catalogue_imports() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["resend-pending-catalogue-imports"]
    assert entry["task"] == tasks.resend_pending_catalogue_imports.name
    assert entry["task"] in app.tasks


def test_a_redelivered_task_imports_nothing_twice(it_admin, sample):
    job = services.catalogue_import_request(
        upload=upload(sample), dry_run=False, actor=it_admin, language="vi"
    )
    tasks.import_catalogue.apply(args=[job.pk])
    finished = CatalogueImport.objects.get(pk=job.pk).finished_at
    tasks.import_catalogue.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == CatalogueImport.Status.DONE and job.finished_at == finished
    assert ProcedureVersion.objects.count() == 45


def test_others_uploads_are_not_shown_and_the_add_permission_is_needed(
    login_staff, it_admin, sample
):
    job = services.catalogue_import_request(
        upload=upload(sample), dry_run=False, actor=it_admin, language="vi"
    )
    other = login_staff(staff_user(Role.IT_ADMIN))
    assert other.get(progress_url(job)).status_code == 404
    assert other.get(f"/admin/procedures/procedure/import/{job.pk}x/").status_code == 404
    desk = login_staff(UserFactory(staff=True, is_staff=True))
    assert desk.get(progress_url(job)).status_code == 403
