import pytest
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from portal.roles import Role
from procedures import services
from procedures.models import ProcedureVersion, RequiredDocument
from tests.factories import staff_user

from .factories import ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


def test_editing_a_published_procedure_freezes_a_new_version():
    procedure = ProcedureFactory(documents=2, published=True)
    old_name = procedure.name
    assert procedure.current_version.number == 1

    procedure.name = "Thủ tục đã sửa tên"
    procedure.save()
    RequiredDocumentFactory(procedure=procedure, name="Giấy tờ mới", position=30_000)
    version = services.procedure_record_edit(procedure=procedure, actor=None)

    assert version.number == 2
    procedure.refresh_from_db()
    assert procedure.current_version == version
    first = procedure.versions.get(number=1)
    assert first.data["name"] == old_name
    assert len(first.data["documents"]) == 2
    assert version.data["name"] == "Thủ tục đã sửa tên"
    assert [d["name"] for d in version.data["documents"]][-1] == "Giấy tờ mới"


def test_saving_without_a_change_creates_no_version():
    procedure = ProcedureFactory(documents=1, published=True)
    procedure.save()
    assert services.procedure_record_edit(procedure=procedure, actor=None) is None
    assert procedure.versions.count() == 1


def test_editing_an_unpublished_procedure_creates_no_version():
    procedure = ProcedureFactory()
    procedure.name = "Bản nháp"
    procedure.save()
    assert services.procedure_record_edit(procedure=procedure, actor=None) is None
    assert not procedure.versions.exists()


def test_publishing_after_edits_creates_one_version_with_them():
    procedure = ProcedureFactory(published=True)
    services.procedure_unpublish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    procedure.result = "Kết quả mới"
    procedure.save()
    RequiredDocumentFactory(procedure=procedure)
    assert services.procedure_record_edit(procedure=procedure, actor=None) is None

    version = services.procedure_publish(procedure=procedure, actor=None)

    assert version.number == 2
    assert version.data["result"] == "Kết quả mới" and len(version.data["documents"]) == 1
    assert services.procedure_publish(procedure=procedure, actor=None) is None
    assert procedure.versions.count() == 2


def _change_form_data(response):
    """What the browser would post back: the change form as the admin rendered it."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for subform in formset.forms:
            for name in subform.fields:
                value = subform[name].value()
                if value is None or value is False or name == "DELETE":
                    continue
                data[subform.add_prefix(name)] = "on" if value is True else value
    return {key: value for key, value in data.items() if not isinstance(value, FieldFile)}


def test_saving_the_admin_change_form_publishes_a_version(login_staff):
    procedure = ProcedureFactory(level4=True, documents=1, published=True)
    client = login_staff(staff_user(Role.IT_ADMIN))
    url = reverse("admin:procedures_procedure_change", args=[procedure.pk])
    data = _change_form_data(client.get(url))

    # Unchanged: no new version.
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert procedure.versions.count() == 1

    data["name"] = "Tên mới qua trang quản trị"
    data["documents-TOTAL_FORMS"] = "2"
    data.update(
        {
            "documents-1-position": "2",
            "documents-1-name": "Giấy tờ thêm qua trang quản trị",
            "documents-1-copies": "1",
            "documents-1-form": RequiredDocument.Form.COPY,
            "documents-1-is_required": "on",
            "documents-1-procedure": str(procedure.pk),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302

    procedure.refresh_from_db()
    assert procedure.name == "Tên mới qua trang quản trị"
    assert procedure.current_version.number == 2
    names = [document["name"] for document in procedure.current_version.data["documents"]]
    assert len(names) == 2 and "Giấy tờ thêm qua trang quản trị" in names
    old = ProcedureVersion.objects.get(procedure=procedure, number=1)
    assert old.data["name"] != procedure.name and len(old.data["documents"]) == 1
    assert procedure.current_version.published_by.is_staff
