"""The Django form built from a definition: fields, prefill, groups and messages."""

import pytest
from django import forms
from django.utils import translation

from eforms.forms import EFormForm, initial_values, rows_for
from tests.factories import UserFactory

from .factories import BIRTH, BIRTH_ANSWERS, HOUSEHOLD_BUSINESS, demo_definition

pytestmark = pytest.mark.django_db


def test_each_field_type_becomes_the_matching_form_field():
    form = EFormForm(definition=demo_definition(BIRTH))
    fields = form.fields
    assert isinstance(fields["child_name"], forms.CharField)
    assert fields["child_name"].required and fields["child_name"].max_length == 100
    assert isinstance(fields["child_birth_date"], forms.DateField)
    assert fields["child_birth_date"].widget.input_type == "date"
    assert isinstance(fields["mother_birth_year"], forms.DecimalField)
    assert isinstance(fields["child_sex"].widget, forms.RadioSelect)  # two choices
    assert isinstance(fields["relationship"].widget, forms.Select)  # six choices
    assert fields["requester_residence"].widget.attrs["autocomplete"] == "street-address"
    assert fields["requester_phone"].widget.input_type == "tel"
    assert not fields["mother_name"].required


def test_prefill_comes_from_the_account_only_when_nothing_was_kept():
    user = UserFactory(full_name="Lê Thị Mai", address="3 Hùng Vương, Tuy Hòa", phone="0912345678")
    definition = demo_definition(BIRTH)
    initial = initial_values(definition, {}, user=user)
    assert initial["requester_name"] == "Lê Thị Mai"
    assert initial["requester_national_id"] == user.national_id
    assert initial["requester_residence"] == "3 Hùng Vương, Tuy Hòa"
    assert initial["requester_phone"] == "0912345678"
    assert "child_name" not in initial
    kept = initial_values(
        definition, {"requester_name": "Người khác", "child_name": "Bé"}, user=user
    )
    assert kept["requester_name"] == "Người khác" and kept["child_name"] == "Bé"
    assert "requester_phone" not in kept  # left blank on purpose, not refilled


def test_a_complete_form_gives_json_values():
    form = EFormForm(BIRTH_ANSWERS, definition=demo_definition(BIRTH))
    assert form.is_valid(), form.errors
    values = form.values()
    assert values["child_birth_date"] == "2026-11-20"
    assert values["mother_birth_year"] == "1996"
    assert values["requester_phone"] == "0905000123"


def test_dates_are_accepted_the_vietnamese_way_too():
    form = EFormForm(
        {**BIRTH_ANSWERS, "child_birth_date": "20/11/2026"}, definition=demo_definition(BIRTH)
    )
    assert form.is_valid(), form.errors
    assert form.values()["child_birth_date"] == "2026-11-20"


def test_errors_are_in_vietnamese():
    answers = {
        **BIRTH_ANSWERS,
        "child_name": "",
        "child_birth_date": "32/13/2026",
        "requester_national_id": "12345",
        "requester_phone": "12",
        "mother_birth_year": "1800",
        "child_sex": "Khác",
    }
    with translation.override("vi"):
        form = EFormForm(answers, definition=demo_definition(BIRTH))
        assert not form.is_valid()
        errors = {name: " ".join(messages) for name, messages in form.errors.items()}
    assert errors["child_name"] == "Trường này là bắt buộc."
    assert errors["child_birth_date"] == "Hãy nhập ngày theo dạng 25/12/2026."
    assert "12 chữ số" in errors["requester_national_id"]
    assert "10 chữ số" in errors["requester_phone"]
    assert "1900" in errors["mother_birth_year"]
    assert "Khác" in errors["child_sex"]


def test_group_rows_blank_rows_ignored_and_parts_required_when_a_row_is_used():
    definition = demo_definition(HOUSEHOLD_BUSINESS)
    rows = {"business_lines": 2, "members": 2}
    data = {
        "owner_name": "NGUYỄN VĂN AN",
        "owner_sex": "Nam",
        "owner_birth_date": "1990-01-02",
        "owner_ethnicity": "Kinh",
        "owner_nationality": "Việt Nam",
        "owner_national_id": "054090000111",
        "owner_permanent_address": "5 Trần Phú, Tuy Hòa",
        "business_name": "CỬA HÀNG AN",
        "business_address": "5 Trần Phú, Tuy Hòa",
        "business_lines__0__line_name": "Bán lẻ đồ uống",
        "business_lines__0__line_code": "4723",
        "capital": "50000000",
        "members__1__member_name": "Nguyễn Thị Bé",  # a row begun without its required parts
    }
    with translation.override("vi"):
        form = EFormForm(data, definition=definition, rows=rows)
        assert not form.is_valid()
        assert form.errors["members__1__member_birth_date"] == ["Trường này là bắt buộc."]
        assert form.errors["members__1__member_national_id"] == ["Trường này là bắt buộc."]
        assert "members__0__member_name" not in form.errors  # the blank row
    data |= {
        "members__1__member_birth_date": "1992-05-06",
        "members__1__member_national_id": "054192000222",
    }
    form = EFormForm(data, definition=definition, rows=rows)
    assert form.is_valid(), form.errors
    values = form.values()
    assert values["business_lines"] == [{"line_name": "Bán lẻ đồ uống", "line_code": "4723"}]
    assert values["members"][0]["member_name"] == "Nguyễn Thị Bé"
    assert len(values["members"]) == 1


def test_a_required_group_needs_one_row():
    definition = demo_definition(HOUSEHOLD_BUSINESS)
    with translation.override("vi"):
        form = EFormForm({}, definition=definition, rows={"business_lines": 1, "members": 1})
        assert not form.is_valid()
        assert (
            "Hãy điền ít nhất 1 dòng của “3. Ngành, nghề kinh doanh”."
            in form.errors["business_lines__0__line_name"]
        )


def test_rows_follow_what_was_kept_within_the_limits():
    definition = demo_definition(HOUSEHOLD_BUSINESS)
    assert rows_for(definition, {}) == {"business_lines": 1, "members": 1}
    assert rows_for(definition, {"members": [{}] * 3}) == {"business_lines": 1, "members": 3}
    assert rows_for(definition, {"members": [{}] * 50})["members"] == 10
