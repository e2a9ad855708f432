import copy
import csv
import io
import json
from datetime import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from portal import services as portal_services
from portal.demo import CATALOGUE_FILE, load_catalogue
from portal.roles import Role
from procedures.catalogue_io import (
    CatalogueImportError,
    catalogue_export,
    catalogue_export_csv,
    catalogue_import,
)
from procedures.models import (
    FeeItem,
    InterAgencyStep,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    Sector,
)
from tests.factories import AgencyFactory, UserFactory, staff_user

from .factories import InterAgencyStepFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(autouse=True)
def _english():
    # Messages are checked against their English source text.
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def sample_data():
    return load_catalogue()


@pytest.fixture
def sample(sample_data):
    """A fresh copy of the sample catalogue, its agencies already in the database."""
    data = copy.deepcopy(sample_data)
    portal_services.organisation_import(agencies=data["agencies"])
    return data


@pytest.fixture
def imported(sample):
    catalogue_import(data=copy.deepcopy(sample), actor=None)
    return sample


def db_state():
    """Every catalogue row, as values: equal states mean nothing was written."""
    return (
        list(Sector.objects.order_by("code").values_list()),
        list(Procedure.objects.order_by("code").values_list()),
        list(RequiredDocument.objects.order_by("pk").values_list()),
        list(FeeItem.objects.order_by("pk").values_list()),
        list(InterAgencyStep.objects.order_by("pk").values_list()),
        list(ProcedureVersion.objects.order_by("pk").values_list()),
    )


def writes_during(func):
    with CaptureQueriesContext(connection) as queries:
        result = func()
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith(WRITES)]
    return result, writes


# --- Import of the sample ------------------------------------------------------------------


def test_import_of_the_sample_catalogue(sample):
    report = catalogue_import(data=sample, actor=None)

    assert (report.created, report.updated, report.unchanged) == (45, 0, 0)
    assert report.versions_created == 45
    assert (report.sectors_created, Sector.objects.count()) == (20, 20)
    assert Procedure.published.count() == 45
    assert list(Sector.objects.values_list("code", flat=True)) == [
        s["code"] for s in sample["sectors"]
    ]
    for item in sample["procedures"]:
        procedure = Procedure.objects.get(code=item["code"])
        assert procedure.name == item["name"]
        assert procedure.documents.count() == len(item["documents"]), item["code"]
        assert procedure.current_version.number == 1
        assert procedure.legal_bases == item["legal_basis"]
        assert procedure.decision == (item["decision"] or "")
        assert procedure.source_url == (item["source_url"] or "")
    assert RequiredDocument.objects.count() == sum(
        len(p["documents"]) for p in sample["procedures"]
    )


def test_sample_fields_are_mapped_to_the_model(sample):
    catalogue_import(data=sample, actor=None)

    birth = Procedure.objects.get(code="1.001193")
    assert birth.submission_channels == ["desk", "online", "post"]
    assert birth.return_methods == ["online", "post", "desk"]  # level 4
    assert birth.department.code == f"{birth.agency.short_name}.TPHT"
    assert birth.processing_unit == "days" and birth.processing_time == 1
    forms = list(birth.documents.values_list("form", "is_required"))
    assert forms[:3] == [("original", True), ("original", True), ("present", True)]
    assert forms[3] == ("original", False)
    assert not birth.fees.exists() and birth.fee_note.startswith("Miễn lệ phí")
    assert not birth.online_payment_allowed

    level3 = Procedure.objects.filter(level=3).first()
    assert level3.return_methods == ["desk"]
    assert RequiredDocument.objects.filter(form="copy").count() == 46
    assert RequiredDocument.objects.filter(form="electronic").count() == 1

    for code in ("2.000815", "2.000884"):
        same_day = Procedure.objects.get(code=code)
        assert same_day.processing_unit == "hours" and same_day.is_same_day
        assert same_day.processing_time == 8
        assert same_day.same_day_cutoff == time(15, 0)

    online = Procedure.objects.get(code="1.013225")
    assert (online.processing_time, online.processing_time_online) == (15, 20)

    paid = next(p for p in sample["procedures"] if p["fee_vnd"] and p["level"] == 4)
    procedure = Procedure.objects.get(code=paid["code"])
    assert list(procedure.fees.values_list("name", "kind", "amount", "exemptions")) == [
        ("Lệ phí", "charge", paid["fee_vnd"], "")
    ]
    assert procedure.online_payment_allowed


def test_reimporting_the_same_file_writes_nothing(imported):
    before = db_state()

    report, writes = writes_during(lambda: catalogue_import(data=imported, actor=None))

    assert writes == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 45)
    assert report.versions_created == 0
    assert db_state() == before  # same updated_at, same versions


def test_a_changed_record_gets_a_new_version_and_only_it(imported):
    imported["procedures"][0]["name"] = "Thủ tục đăng ký khai sinh (sửa đổi)"
    imported["procedures"][1]["documents"].append(
        {"name": "Giấy tờ bổ sung", "copies": 2, "copy_type": "bản sao", "required": False}
    )
    first, second = (Procedure.objects.get(code=p["code"]) for p in imported["procedures"][:2])

    report = catalogue_import(data=imported, actor=None)

    assert (report.updated, report.unchanged, report.versions_created) == (2, 43, 2)
    first.refresh_from_db()
    assert first.current_version.number == 2
    assert first.versions.get(number=1).data["name"] == "Thủ tục đăng ký khai sinh"
    assert second.documents.last().name == "Giấy tờ bổ sung"
    assert len(second.versions.get(number=2).data["documents"]) == second.documents.count()


# --- Bad files: all or nothing -------------------------------------------------------------


def _level_7(data):
    data["procedures"][29]["level"] = 7
    return data["procedures"][29]["code"], "30", "level"


def _unknown_agency(data):
    data["procedures"][11]["agency_code"] = "000.99.99.H45"
    return data["procedures"][11]["code"], "12", "agency_code"


def _missing_name(data):
    del data["procedures"][4]["name"]
    return data["procedures"][4]["code"], "5", "name"


def _unknown_sector(data):
    data["procedures"][40]["sector"] = "KHONGCO"
    return data["procedures"][40]["code"], "41", "sector"


def _unknown_department(data):
    data["procedures"][2]["department"] = "KHONGCO"
    return data["procedures"][2]["code"], "3", "department"


def _bad_copy_type(data):
    data["procedures"][6]["documents"][1]["copy_type"] = "bản nháp"
    return data["procedures"][6]["code"], "7", "documents[2].copy_type"


def _bad_code(data):
    data["procedures"][8]["code"] = "ABC"
    return "ABC", "9", "code"


def _negative_fee(data):
    data["procedures"][9]["fee_vnd"] = -5
    return data["procedures"][9]["code"], "10", "fee_vnd"


@pytest.mark.parametrize(
    "break_file",
    [
        _level_7,
        _unknown_agency,
        _missing_name,
        _unknown_sector,
        _unknown_department,
        _bad_copy_type,
        _bad_code,
        _negative_fee,
    ],
)
def test_a_bad_record_is_named_and_nothing_is_written(imported, break_file):
    imported["procedures"][0]["name"] = "A valid change that must not be saved either"
    imported["sectors"].append({"code": "MOI", "name": "Lĩnh vực mới"})
    code, index, field = break_file(imported)
    before = db_state()

    with pytest.raises(CatalogueImportError) as raised:
        catalogue_import(data=imported, actor=None)

    assert len(raised.value.errors) == 1, raised.value.errors
    message = raised.value.errors[0]
    assert message.startswith(f"Procedure {code} (record {index}): field {field}: "), message
    assert db_state() == before


def test_a_bad_file_on_an_empty_catalogue_writes_nothing(sample):
    _level_7(sample)
    with pytest.raises(CatalogueImportError, match=r"record 30\): field level"):
        catalogue_import(data=sample, actor=None)
    assert not Sector.objects.exists() and not Procedure.objects.exists()


def test_every_error_is_reported_at_once(sample):
    _level_7(sample)
    _missing_name(sample)
    sample["sectors"][0]["name"] = ""
    with pytest.raises(CatalogueImportError) as raised:
        catalogue_import(data=sample, actor=None)
    errors = raised.value.errors
    assert errors == [
        "Sector HOTICH (record 1): field name: This field cannot be blank.",
        "Procedure 2.000635 (record 5): field name: This field is required.",
        "Procedure 1.012270 (record 30): field level: Value 7 is not a valid choice.",
    ]


@pytest.mark.parametrize("data", [[], {"sectors": []}, {"procedures": {}}])
def test_a_file_without_procedures_is_refused(data):
    with pytest.raises(CatalogueImportError):
        catalogue_import(data=data, actor=None)


def test_dry_run_reports_and_writes_nothing(sample):
    report = catalogue_import(data=sample, actor=None, dry_run=True)
    assert report.created == 45 and report.dry_run
    assert not Procedure.objects.exists() and not Sector.objects.exists()


# --- Export --------------------------------------------------------------------------------


def test_export_then_import_changes_nothing(imported):
    before = db_state()
    exported = json.loads(json.dumps(catalogue_export()))
    assert exported["meta"]["procedures"] == 45 and "exported_at" in exported["meta"]

    report, writes = writes_during(lambda: catalogue_import(data=exported, actor=None))

    assert writes == []
    assert report.unchanged == 45
    assert db_state() == before


def test_export_round_trips_every_field():
    other = AgencyFactory()
    procedure = ProcedureFactory(same_day=True, documents=2, fees=2, fee_due="result")
    InterAgencyStepFactory(procedure=procedure, agency=other, working_days=Decimal("2.5"))
    unpublished = ProcedureFactory(
        processing_time_online=Decimal("7.5"),
        requires_leader_approval=False,
        filed_regardless_of_boundary=True,
    )
    exported = json.loads(json.dumps(catalogue_export(Procedure.objects.all())))
    item = next(p for p in exported["procedures"] if p["code"] == procedure.code)
    assert item["filed_regardless_of_boundary"] is False
    assert item["same_day_cutoff"] == "15:00" and item["processing_unit"] == "hours"
    assert item["steps"] == [
        {"agency_code": other.code, "description": "Xác minh thông tin", "working_days": "2.5"}
    ]

    # Someone breaks the procedures; importing the export puts everything back.
    procedure.documents.all().delete()
    procedure.fees.update(amount=1)
    procedure.steps.all().delete()
    Procedure.objects.filter(pk=unpublished.pk).update(
        processing_time_online=None,
        requires_leader_approval=True,
        filed_regardless_of_boundary=False,
    )
    report = catalogue_import(data=exported, actor=None)
    assert report.updated == 2
    assert Procedure.objects.get(pk=unpublished.pk).filed_regardless_of_boundary is True

    again = json.loads(json.dumps(catalogue_export(Procedure.objects.all())))
    assert again["procedures"] == exported["procedures"]
    assert not Procedure.objects.filter(is_published=True).exists()  # as exported
    report, writes = writes_during(lambda: catalogue_import(data=again, actor=None))
    assert writes == [] and report.unchanged == 2


def test_form_files_stay_with_their_document_when_the_list_changes():
    procedure = ProcedureFactory(published=True)
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai", template_file="procedures/x.pdf")
    RequiredDocumentFactory(procedure=procedure, name="Giấy tờ khác")
    data = catalogue_export(Procedure.objects.all())
    data["procedures"][0]["documents"].insert(0, {"name": "Mới", "form": "copy"})

    catalogue_import(data=data, actor=None)

    files = dict(procedure.documents.values_list("name", "template_file"))
    assert files == {"Mới": "", "Tờ khai": "procedures/x.pdf", "Giấy tờ khác": ""}


def test_csv_export_has_a_header_and_one_row_per_procedure(imported):
    output = io.StringIO()
    assert catalogue_export_csv(Procedure.objects.all(), output) == 45
    rows = list(csv.reader(io.StringIO(output.getvalue())))
    assert len(rows) == 46
    assert rows[0][:3] == ["Code", "Name", "Sector"]
    by_code = {row[0]: row for row in rows[1:]}
    # The effective online time: the national 20 days are capped at the published 15.
    assert by_code["1.013225"][6:9] == ["15", "working days", "15"]
    assert by_code["1.001193"][11:] == ["yes", "1", "0"]  # published, version 1, no e-form


# --- Commands ------------------------------------------------------------------------------


def test_import_command_imports_and_reports(sample, capsys):
    call_command("import_catalogue", str(CATALOGUE_FILE))
    assert Procedure.objects.count() == 45
    assert "45 created" in capsys.readouterr().out
    call_command("import_catalogue", str(CATALOGUE_FILE))
    assert "45 unchanged" in capsys.readouterr().out


def test_import_command_dry_run_saves_nothing(sample, capsys):
    call_command("import_catalogue", str(CATALOGUE_FILE), "--dry-run")
    assert not Procedure.objects.exists()
    assert "Dry run" in capsys.readouterr().out


def test_import_command_with_a_bad_file_fails_and_imports_nothing(sample, tmp_path):
    _unknown_agency(sample)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(sample), encoding="utf-8")
    with pytest.raises(CommandError, match=r"record 12\): field agency_code"):
        call_command("import_catalogue", str(path))
    assert not Procedure.objects.exists()


def test_import_command_with_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_catalogue", str(path))


def test_export_command_writes_json_and_csv(imported, tmp_path):
    call_command("export_catalogue", "--output", str(tmp_path / "c.json"))
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert len(data["procedures"]) == 45
    call_command("export_catalogue", "--format", "csv", "--output", str(tmp_path / "c.csv"))
    assert len((tmp_path / "c.csv").read_text(encoding="utf-8").splitlines()) == 46


# --- Admin ---------------------------------------------------------------------------------


def _upload(data, name="catalogue.json"):
    return SimpleUploadedFile(name, json.dumps(data).encode(), content_type="application/json")


def test_admin_changelist_links_to_the_import_page(login_staff):
    client = login_staff(staff_user(Role.IT_ADMIN))
    response = client.get(reverse("admin:procedures_procedure_changelist"))
    assert reverse("admin:procedures_procedure_import").encode() in response.content


def test_admin_import_page_imports_a_file(login_staff, sample, django_capture_on_commit_callbacks):
    client = login_staff(staff_user(Role.IT_ADMIN))
    url = reverse("admin:procedures_procedure_import")
    assert client.get(url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):  # the worker's task, in-process
        response = client.post(url, {"file": _upload(sample)})
    response = client.get(response["Location"])

    assert Procedure.published.count() == 45
    assert "tạo mới 45" in response.content.decode()
    assert ProcedureVersion.objects.filter(published_by__isnull=False).count() == 45
    assert b'id="recent-imports"' in client.get(url).content


def test_admin_import_page_shows_the_errors_of_a_bad_file(
    login_staff, sample, django_capture_on_commit_callbacks
):
    client = login_staff(staff_user(Role.IT_ADMIN))
    _level_7(sample)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:procedures_procedure_import"), {"file": _upload(sample)}
        )
    page = client.get(response["Location"]).content.decode()
    # Shown in the admin's language (Vietnamese), naming the record and the field.
    row = page[page.index("thủ tục 30") :]
    assert row.index("level") < row.index("</tr>"), row[:400]
    assert not Procedure.objects.exists()


def test_admin_import_page_refuses_text_that_is_not_json(
    login_staff, django_capture_on_commit_callbacks
):
    client = login_staff(staff_user(Role.IT_ADMIN))
    upload = SimpleUploadedFile("c.json", b"\xff\xfe nonsense")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:procedures_procedure_import"), {"file": upload})
    assert "Tệp không phải JSON hợp lệ" in client.get(response["Location"]).content.decode()


def test_admin_import_page_needs_the_add_permission(login_staff):
    client = login_staff(UserFactory(staff=True, is_staff=True))
    response = client.get(reverse("admin:procedures_procedure_import"))
    assert response.status_code == 403


def test_admin_export_actions(login_staff, imported):
    client = login_staff(staff_user(Role.IT_ADMIN))
    url = reverse("admin:procedures_procedure_changelist")
    selected = list(Procedure.objects.filter(level=4).values_list("pk", flat=True))

    response = client.post(url, {"action": "export_json", "_selected_action": selected})
    assert response["Content-Disposition"].startswith("attachment;")
    assert len(json.loads(response.content)["procedures"]) == len(selected)

    response = client.post(url, {"action": "export_csv", "_selected_action": selected})
    text = response.content.decode("utf-8-sig")
    assert len(text.splitlines()) == len(selected) + 1


# --- E-forms ---------------------------------------------------------------------------------


def _eform_procedure():
    from eforms.models import EForm
    from eforms.tests.factories import BIRTH, demo_definition

    procedure = ProcedureFactory(published=False)
    form = RequiredDocumentFactory(procedure=procedure, name="Tờ khai đăng ký khai sinh")
    RequiredDocumentFactory(procedure=procedure, name="Giấy chứng sinh")
    EForm.objects.create(document=form, definition=demo_definition(BIRTH))
    return procedure, form


def test_export_carries_the_e_form_and_import_restores_it_into_the_version():
    from eforms.models import EForm

    procedure, form = _eform_procedure()
    exported = json.loads(json.dumps(catalogue_export(Procedure.objects.all())))
    documents = exported["procedures"][0]["documents"]
    assert documents[0]["eform"]["title"] == "TỜ KHAI ĐĂNG KÝ KHAI SINH"
    assert documents[1]["eform"] is None
    output = io.StringIO()
    catalogue_export_csv(Procedure.objects.all(), output)
    assert list(csv.reader(io.StringIO(output.getvalue())))[1][-1] == "1"

    EForm.objects.all().delete()
    exported["procedures"][0]["is_published"] = True
    report = catalogue_import(data=exported, actor=None)

    assert report.updated == 1 and report.versions_created == 1
    assert EForm.objects.get().document == form
    procedure.refresh_from_db()
    frozen = procedure.current_version.data["documents"]
    assert frozen[0]["eform"]["title"] == "TỜ KHAI ĐĂNG KÝ KHAI SINH"
    assert "eform" not in frozen[1]
    report, writes = writes_during(lambda: catalogue_import(data=exported, actor=None))
    assert writes == [] and report.unchanged == 1


def test_a_changed_or_removed_e_form_gets_a_new_version():
    from eforms.models import EForm

    _eform_procedure()
    exported = json.loads(json.dumps(catalogue_export(Procedure.objects.all())))
    exported["procedures"][0]["is_published"] = True
    catalogue_import(data=exported, actor=None)
    exported["procedures"][0]["documents"][0]["eform"]["title"] = "TỜ KHAI (MẪU MỚI)"
    assert catalogue_import(data=exported, actor=None).versions_created == 1
    assert EForm.objects.get().definition["title"] == "TỜ KHAI (MẪU MỚI)"

    exported["procedures"][0]["documents"][0]["eform"] = None
    assert catalogue_import(data=exported, actor=None).versions_created == 1
    assert not EForm.objects.exists()
    procedure = Procedure.objects.get()
    assert "eform" not in procedure.current_version.data["documents"][0]


def test_a_record_without_e_forms_keeps_those_of_the_portal():
    """The national data knows nothing of e-forms: importing it again must not drop ours."""
    from eforms.models import EForm

    _eform_procedure()
    exported = json.loads(json.dumps(catalogue_export(Procedure.objects.all())))
    for document in exported["procedures"][0]["documents"]:
        del document["eform"]
    _report, writes = writes_during(lambda: catalogue_import(data=exported, actor=None))
    assert writes == []
    assert EForm.objects.count() == 1


def test_a_bad_e_form_is_named_with_its_document_and_nothing_is_written():
    from eforms.models import EForm

    procedure, _form = _eform_procedure()
    exported = json.loads(json.dumps(catalogue_export(Procedure.objects.all())))
    exported["procedures"][0]["name"] = "A valid change that must not be saved either"
    definition = exported["procedures"][0]["documents"][0]["eform"]
    definition["sections"][0]["fields"][0]["type"] = "colour"
    exported["procedures"][0]["documents"][1]["eform"] = "a form"
    before = db_state(), list(EForm.objects.values_list())

    with pytest.raises(CatalogueImportError) as raised:
        catalogue_import(data=exported, actor=None)

    errors = raised.value.errors
    assert len(errors) == 2, errors
    first = f"Procedure {procedure.code} (record 1): field documents[1].eform: In "
    assert errors[0].startswith(first) and "colour" in errors[0], errors[0]
    assert errors[1] == (
        f"Procedure {procedure.code} (record 1): field documents[2].eform: "
        "Give the e-form as a JSON object, or null for none."
    )
    assert (db_state(), list(EForm.objects.values_list())) == before
