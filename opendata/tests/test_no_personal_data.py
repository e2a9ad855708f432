"""No API answer, with or without a partner key, carries personal data.

The walk reads the endpoints from the OpenAPI schema itself (so a new endpoint is walked
without editing this test), fills each path parameter with a real code, and looks at every key
and every value of every answer.
"""

import re

import pytest

from dossiers.tests.factories import DossierFactory
from opendata import keys
from procedures.tests.factories import ProcedureFactory
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

# Names of fields that hold a person's data anywhere in the portal.
PERSONAL_FIELDS = {
    "applicant",
    "applicant_id",
    "applicant_name",
    "applicant_national_id",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "postal_address",
    "national_id",
    "full_name",
    "username",
    "user",
    "user_id",
    "date_of_birth",
    "birth_date",
    "password",
    "published_by",
    "created_by",
    "assignee",
    "officer",
    "actor",
    "rater",
    "sender",
    "sender_name",
    "sender_phone",
    "sender_email",
    "bank_account_number",
    "digest",
}


def walk(value, path=""):
    """Every (path, key, scalar) in a JSON document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield path, key, None
            yield from walk(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from walk(inner, f"{path}[{index}]")
    else:
        yield path, None, value


@pytest.fixture
def world():
    agency = AgencyFactory(
        code="000.00.01.H45", name="Sở Tư pháp", bank_account_number="0123456789012"
    )
    procedure = ProcedureFactory(
        code="1.000001", agency=agency, level4=True, documents=2, fees=1, published=True
    )
    citizen = UserFactory(
        full_name="Trần Thị Bích Ngọc",
        national_id="054190123456",
        phone="0905111222",
        email="bichngoc@example.com",
    )
    DossierFactory(
        processing=True,
        procedure=procedure,
        applicant=citizen,
        code="000.00.01.H45-261124-0042",
        applicant_address="12 Lê Lợi, phường 1, Tuy Hòa",
        postal_address="12 Lê Lợi, phường 1, Tuy Hòa",
    )
    return {
        "secrets": [
            "Trần Thị Bích Ngọc",
            "Bích Ngọc",
            "054190123456",
            "0905111222",
            "bichngoc@example.com",
            "12 Lê Lợi",
            "0123456789012",
        ],
    }


def concrete_paths(schema):
    values = {
        "/api/v1/procedures/{code}/": {"code": "1.000001"},
        "/api/v1/procedures/{code}/versions/{number}/": {"code": "1.000001", "number": "1"},
        "/api/v1/agencies/{code}/": {"code": "000.00.01.H45"},
        "/api/v1/dossiers/{code}/": {"code": "000.00.01.H45-261124-0042"},
    }
    for template, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        params = values.get(template, {})
        path = re.sub(r"\{(\w+)\}", lambda match, params=params: params[match.group(1)], template)
        yield template, path


@pytest.mark.parametrize("with_key", [False, True], ids=["public", "partner-key"])
def test_no_answer_names_a_person(client, world, with_key):
    headers = {}
    if with_key:
        headers["X-API-Key"] = keys.partner_key_issue(name="Đối tác", actor=None).raw_key
    schema = client.get("/api/openapi.json").json()
    walked = 0
    for template, path in concrete_paths(schema):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.content[:300])
        body = response.json()
        text = response.content.decode()
        for where, key, scalar in walk(body):
            assert key not in PERSONAL_FIELDS, f"{template}: field {where}.{key}"
            if isinstance(scalar, str):
                for secret in world["secrets"]:
                    assert secret not in scalar, f"{template}: {where} = {scalar!r}"
        for secret in world["secrets"]:
            assert secret not in text, template
        walked += 1
    assert walked == len(schema["paths"]) == 9
    # The one dossier answer names the applicant only masked.
    status = client.get("/api/v1/dossiers/000.00.01.H45-261124-0042/", headers=headers).json()
    assert status["applicant_masked"] == "Trần T** B** N**"
