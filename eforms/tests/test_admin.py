"""IT staff edit e-forms in the admin: a bad definition is refused, a good one is published."""

import json

import pytest
from django.urls import reverse

from eforms.models import EForm
from portal.roles import Role
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory, RequiredDocumentFactory
from tests.factories import staff_user

from .factories import CRIMINAL_RECORD, demo_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_document():
    procedure = ProcedureFactory(level4=True)
    document = RequiredDocumentFactory(procedure=procedure, name="Tờ khai yêu cầu cấp Phiếu")
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return document


def post(client, document, definition: str):
    return client.post(
        reverse("admin:eforms_eform_add"),
        {"document": document.pk, "definition": definition},
        HTTP_ACCEPT_LANGUAGE="vi",
    )


def test_a_bad_definition_is_refused_with_the_reason_and_kept(login_staff, published_document):
    client = login_staff(staff_user(Role.IT_ADMIN))
    broken = json.dumps({"title": "TỜ KHAI", "sections": [{"fields": [{"name": "x"}]}]})
    response = post(client, published_document, broken)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tại sections[0].fields[0]: thiếu khóa “label, type”." in page
    assert "TỜ KHAI" in page  # what was typed is still in the box
    assert not EForm.objects.exists()

    response = post(client, published_document, '{"title": "TỜ KHAI", ')
    assert "Đây không phải là JSON hợp lệ" in response.content.decode()
    assert not EForm.objects.exists()


def test_a_good_definition_gives_the_procedure_a_new_version(login_staff, published_document):
    client = login_staff(staff_user(Role.IT_ADMIN))
    procedure = published_document.procedure
    assert procedure.current_version.number == 1
    response = post(client, published_document, json.dumps(demo_definition(CRIMINAL_RECORD)))
    assert response.status_code == 302, response.content.decode()[:2000]
    procedure.refresh_from_db()
    assert procedure.current_version.number == 2
    (document,) = procedure.current_version.data["documents"]
    assert document["eform"]["title"] == "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP"
    # The first version, which older drafts keep, has no form.
    assert "eform" not in procedure.versions.get(number=1).data["documents"][0]


def test_desk_officers_have_no_access(login_staff):
    client = login_staff(staff_user(Role.DESK_OFFICER))
    response = client.get(reverse("admin:eforms_eform_changelist"))
    assert response.status_code in (302, 403)
