"""A server-rendered Django form built from an e-form definition.

Repeated groups are rows of fields named `<group>__<row>__<field>`; "Add a row" is a submit
button, so the form works the same without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import MobileField
from portal.models import User
from portal.validators import validate_national_id

from .schema import MAX_ROWS, iter_fields

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


def _field_for(spec: dict[str, Any], *, required: bool | None = None) -> forms.Field:
    label = spec["label"]
    is_required = spec.get("required", False) if required is None else required
    common: dict[str, Any] = {"label": label, "required": is_required}
    if spec.get("help"):
        common["help_text"] = spec["help"]
    kind = spec["type"]
    if kind == "textarea":
        return forms.CharField(
            max_length=spec.get("max_length", 2000),
            widget=forms.Textarea(attrs={"rows": 3}),
            **common,
        )
    if kind == "date":
        return forms.DateField(
            input_formats=DATE_INPUT_FORMATS,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            error_messages={"invalid": _("Enter a date such as 25/12/2026.")},
            **common,
        )
    if kind == "number":
        return forms.DecimalField(
            min_value=Decimal(str(spec["min"])) if spec.get("min") is not None else None,
            max_value=Decimal(str(spec["max"])) if spec.get("max") is not None else None,
            max_digits=18,
            decimal_places=4,
            localize=True,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            **common,
        )
    if kind == "choice":
        choices = [(choice, choice) for choice in spec.get("choices", [])]
        if len(choices) <= 4:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if kind == "national_id":
        return forms.CharField(
            max_length=12,
            validators=[validate_national_id],
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            **common,
        )
    if kind == "phone":
        return MobileField(max_length=20, widget=forms.TextInput(attrs={"type": "tel"}), **common)
    if kind == "email":
        return forms.EmailField(max_length=254, **common)
    if kind == "address":
        return forms.CharField(
            max_length=spec.get("max_length", 255),
            widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
            **common,
        )
    return forms.CharField(max_length=spec.get("max_length", 200), **common)


def part_name(group: str, row: int, name: str) -> str:
    return f"{group}__{row}__{name}"


def row_count(spec: dict[str, Any], values: dict[str, Any]) -> int:
    """Rows shown for a group: what was kept, at least its minimum and one, at most its maximum."""
    kept = values.get(spec["name"])
    rows = len(kept) if isinstance(kept, list) else 0
    limit = min(spec.get("max_rows", MAX_ROWS), MAX_ROWS)
    return max(1, spec.get("min_rows", 0), min(rows, limit))


@dataclass
class Group:
    spec: dict[str, Any]
    rows: list[list[forms.BoundField]] = field(default_factory=list)
    can_add: bool = False


class EFormForm(forms.Form):
    """The fields of one e-form; `values()` gives what is stored and printed."""

    def __init__(
        self,
        *args: Any,
        definition: dict[str, Any],
        rows: dict[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.rows = rows or {}
        for spec in iter_fields(definition):
            if spec["type"] != "group":
                self.fields[spec["name"]] = _field_for(spec)
                continue
            for row in range(self.rows.get(spec["name"], 1)):
                for part in spec["fields"]:
                    # A row left blank is ignored, so its parts are checked only when it is used.
                    self.fields[part_name(spec["name"], row, part["name"])] = _field_for(
                        part, required=False
                    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for spec in iter_fields(self.definition):
            if spec["type"] != "group":
                continue
            used = 0
            for row in range(self.rows.get(spec["name"], 1)):
                names = {p["name"]: part_name(spec["name"], row, p["name"]) for p in spec["fields"]}
                if not any(self.data.get(self.add_prefix(name)) for name in names.values()):
                    continue
                used += 1
                for part in spec["fields"]:
                    name = names[part["name"]]
                    if part.get("required") and name not in self.errors and not cleaned.get(name):
                        self.add_error(name, _("This field is required."))
            if used < spec.get("min_rows", 0) or (spec.get("required") and used == 0):
                first = part_name(spec["name"], 0, spec["fields"][0]["name"])
                self.add_error(
                    first,
                    _("Fill in at least %(count)s row(s) of “%(label)s”.")
                    % {"count": max(1, spec.get("min_rows", 0)), "label": spec["label"]},
                )
        return cleaned

    def sections(self) -> list[dict[str, Any]]:
        """The bound fields as the template lays them out: sections, fields and groups."""
        result = []
        for section in self.definition["sections"]:
            items: list[Any] = []
            for spec in section["fields"]:
                if spec["type"] != "group":
                    items.append(self[spec["name"]])
                    continue
                count = self.rows.get(spec["name"], 1)
                items.append(
                    Group(
                        spec=spec,
                        rows=[
                            [self[part_name(spec["name"], row, p["name"])] for p in spec["fields"]]
                            for row in range(count)
                        ],
                        can_add=count < min(spec.get("max_rows", MAX_ROWS), MAX_ROWS),
                    )
                )
            result.append({"title": section.get("title", ""), "items": items})
        return result

    def values(self) -> dict[str, Any]:
        """The checked values as JSON: dates in ISO form, numbers as text, blank rows dropped."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for spec in iter_fields(self.definition):
            if spec["type"] != "group":
                values[spec["name"]] = _json_value(data.get(spec["name"]))
                continue
            rows = []
            for row in range(self.rows.get(spec["name"], 1)):
                item = {
                    p["name"]: _json_value(data.get(part_name(spec["name"], row, p["name"])))
                    for p in spec["fields"]
                }
                if any(item.values()):
                    rows.append(item)
            values[spec["name"]] = rows
        return values

    def typed_values(self) -> dict[str, Any]:
        """What was typed, unchecked, so that an unfinished form comes back as it was left."""
        values: dict[str, Any] = {}
        for spec in iter_fields(self.definition):
            if spec["type"] != "group":
                values[spec["name"]] = str(self.data.get(self.add_prefix(spec["name"]), ""))[:2000]
                continue
            values[spec["name"]] = [
                {
                    p["name"]: str(
                        self.data.get(self.add_prefix(part_name(spec["name"], row, p["name"])), "")
                    )[:2000]
                    for p in spec["fields"]
                }
                for row in range(self.rows.get(spec["name"], 1))
            ]
        return values


def _json_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).strip()


def initial_values(
    definition: dict[str, Any], values: dict[str, Any], *, user: User
) -> dict[str, Any]:
    """Initial data of the form: what was kept, else what the account knows."""
    profile = {
        "full_name": user.full_name,
        "national_id": user.national_id or "",
        "phone": user.phone,
        "email": user.email,
        "address": user.address,
    }
    initial: dict[str, Any] = {}
    for spec in iter_fields(definition):
        if spec["type"] == "group":
            for row, item in enumerate(values.get(spec["name"]) or []):
                if isinstance(item, dict):
                    for part in spec["fields"]:
                        initial[part_name(spec["name"], row, part["name"])] = item.get(
                            part["name"], ""
                        )
            continue
        kept = values.get(spec["name"])
        if kept:
            initial[spec["name"]] = kept
        elif spec.get("prefill") and not values:
            initial[spec["name"]] = profile.get(spec["prefill"], "")
    return initial


def rows_for(definition: dict[str, Any], values: dict[str, Any]) -> dict[str, int]:
    return {
        spec["name"]: row_count(spec, values)
        for spec in iter_fields(definition)
        if spec["type"] == "group"
    }
