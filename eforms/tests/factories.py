"""A published procedure whose application form is an e-form, and a draft of it."""

from __future__ import annotations

import copy
from typing import Any

from dossiers.tests.factories import DossierFactory
from eforms.demo import demo_definitions
from eforms.models import EForm
from procedures import services as procedure_services
from procedures.tests.factories import ProcedureFactory, RequiredDocumentFactory


def demo_definition(code: str) -> dict[str, Any]:
    for item in demo_definitions():
        if item["procedure"] == code:
            return copy.deepcopy(item["definition"])
    raise LookupError(code)


BIRTH = "1.001193"
HOUSEHOLD_BUSINESS = "1.001612"
CRIMINAL_RECORD = "3.000333"


def eform_procedure(definition: dict[str, Any] | None = None, **kwargs: Any):
    """A level-4 procedure: the application form (an e-form) and one document to upload."""
    procedure = ProcedureFactory(level4=True, **kwargs)
    form_document = RequiredDocumentFactory(
        procedure=procedure, name="Tờ khai đăng ký khai sinh theo mẫu", position=0
    )
    RequiredDocumentFactory(procedure=procedure, name="Giấy chứng sinh", position=1)
    EForm.objects.create(document=form_document, definition=definition or demo_definition(BIRTH))
    procedure_services.procedure_publish(procedure=procedure, actor=None)
    procedure.refresh_from_db()
    return procedure, form_document


def eform_draft(definition: dict[str, Any] | None = None, **kwargs: Any):
    procedure, form_document = eform_procedure(definition)
    dossier = DossierFactory(procedure=procedure, **kwargs)
    return dossier, form_document


BIRTH_ANSWERS = {
    "requester_name": "Trần Văn Bình",
    "requester_residence": "12 Lê Duẩn, phường 7, Tuy Hòa, Phú Yên",
    "requester_national_id": "054095000123",
    "requester_phone": "0905000123",
    "relationship": "Cha",
    "child_name": "Trần Minh An",
    "child_birth_date": "2026-11-20",
    "child_birth_date_words": (
        "Ngày hai mươi, tháng mười một, năm hai nghìn không trăm hai mươi sáu"
    ),
    "child_sex": "Nam",
    "child_ethnicity": "Kinh",
    "child_nationality": "Việt Nam",
    "birth_place": "Bệnh viện Sản - Nhi Phú Yên",
    "home_town": "Tuy An, Phú Yên",
    "mother_name": "Nguyễn Thị Hoa",
    "mother_birth_year": "1996",
    "mother_ethnicity": "Kinh",
    "mother_nationality": "Việt Nam",
    "mother_residence": "12 Lê Duẩn, phường 7, Tuy Hòa, Phú Yên",
    "father_name": "Trần Văn Bình",
    "father_birth_year": "1994",
    "father_ethnicity": "Kinh",
    "father_nationality": "Việt Nam",
    "father_residence": "12 Lê Duẩn, phường 7, Tuy Hòa, Phú Yên",
    "copies": "2",
}
