"""One way of writing numbers: "1.000.000 đ", "4,67", "59,3 %"."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from portal import numbers


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0, None, "0"),
        (1234567, None, "1.234.567"),
        (-1234, None, "-1.234"),
        (Decimal("7.50"), None, "7,5"),
        ("4.666", 2, "4,67"),
        ("87.5", 1, "87,5"),
        (12345.25, 1, "12.345,3"),  # half up
        (None, None, ""),
        ("không phải số", None, "không phải số"),
    ],
)
def test_vietnamese_numbers(value, decimals, text):
    with translation.override("vi"):
        assert numbers.format_number(value, decimals) == text


def test_percent_money_and_the_english_pages():
    with translation.override("vi"):
        assert numbers.format_percent("59.3") == "59,3\u00a0%"
        assert numbers.format_percent(None) == ""
        assert numbers.format_vnd(1000000) == "1.000.000 đ"
    with translation.override("en"):
        assert numbers.format_percent("59.3") == "59.3\u00a0%"
        assert numbers.format_number(1234567) == "1,234,567"
        assert numbers.format_vnd(1000000) == "1.000.000 đ"  # đồng are always written so
        assert numbers.format_number("4.67", language="vi") == "4,67"  # official documents


def test_the_template_filters():
    template = Template(
        "{% load numbers %}{{ a|number }} | {{ b|number:2 }} | {{ c|percent }} | {{ d|vnd }}"
        " | {{ b|document_number:2 }}"
    )
    with translation.override("vi"):
        text = template.render(Context({"a": 1000000, "b": "4.666", "c": "59.3", "d": 150000}))
    assert text == "1.000.000 | 4,67 | 59,3\u00a0% | 150.000 đ | 4,67"
