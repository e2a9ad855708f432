"""E-form definitions are checked before they are saved, with messages naming the problem."""

import copy

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from eforms.demo import demo_definitions
from eforms.schema import validate_schema

from .factories import demo_definition

BASE = {
    "title": "TỜ KHAI",
    "sections": [{"fields": [{"name": "ho_ten", "label": "Họ tên", "type": "text"}]}],
}


def problems(definition) -> list[str]:
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        validate_schema(definition)
    return caught.value.messages


def test_every_demo_definition_is_valid():
    assert len(demo_definitions()) >= 5
    for item in demo_definitions():
        validate_schema(item["definition"])


def test_a_minimal_definition_is_valid():
    validate_schema(BASE)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("title"), "Tại toàn bộ định nghĩa: thiếu khóa “title”."),
        (lambda d: d.update(sections=[]), "Tại sections: không được để trống."),
        (
            lambda d: d["sections"][0]["fields"][0].update(type="colour"),
            "Tại sections[0].fields[0].type: không được dùng “colour”",
        ),
        (
            lambda d: d["sections"][0]["fields"][0].update(name="Họ tên"),
            "Tại sections[0].fields[0].name: tên trường chỉ gồm chữ Latinh thường",
        ),
        (
            lambda d: d["sections"][0]["fields"][0].update(colour="red"),
            "Tại sections[0].fields[0]: “colour” không phải là khóa của biểu mẫu điện tử.",
        ),
        (
            lambda d: d["sections"][0]["fields"][0].update(required="yes"),
            "Tại sections[0].fields[0].required: phải là true hoặc false.",
        ),
        (lambda d: d.update(sections="x"), "Tại sections: phải là một danh sách [ … ]."),
        (
            lambda d: d["sections"][0]["fields"].append(
                {"name": "ho_ten", "label": "Lại", "type": "text"}
            ),
            "Tên trường “ho_ten” bị dùng hai lần.",
        ),
        (
            lambda d: d["sections"][0]["fields"].append(
                {"name": "gioi_tinh", "label": "Giới tính", "type": "choice"}
            ),
            "Trường lựa chọn “gioi_tinh” cần có danh sách lựa chọn (choices).",
        ),
        (
            lambda d: d["sections"][0]["fields"].append(
                {"name": "thanh_vien", "label": "Thành viên", "type": "group"}
            ),
            "Nhóm “thanh_vien” cần có các trường của riêng nó.",
        ),
        (
            lambda d: d["sections"][0]["fields"].append(
                {"name": "so", "label": "Số", "type": "number", "min": 5, "max": 1}
            ),
            "Giá trị nhỏ nhất của “so” lớn hơn giá trị lớn nhất.",
        ),
        (
            lambda d: d["sections"][0]["fields"].append(
                {
                    "name": "g",
                    "label": "Nhóm",
                    "type": "group",
                    "fields": [
                        {
                            "name": "h",
                            "label": "Lồng",
                            "type": "group",
                        }
                    ],
                }
            ),
            "Tại sections[0].fields[1].fields[0].type: không được dùng “group”",
        ),
    ],
)
def test_bad_definitions_are_refused_in_vietnamese(change, expected):
    definition = copy.deepcopy(BASE)
    change(definition)
    assert any(message.startswith(expected) for message in problems(definition)), problems(
        definition
    )


def test_a_definition_that_is_not_an_object_is_refused():
    assert problems(["not", "a", "form"]) == [
        "Tại toàn bộ định nghĩa: phải là một đối tượng { … }."
    ]


def test_group_part_names_must_be_unique_across_the_form():
    definition = demo_definition("1.001612")
    definition["sections"][0]["fields"][0]["name"] = "line_name"
    assert "Tên trường “line_name” bị dùng hai lần." in problems(definition)
