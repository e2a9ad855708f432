"""The shape of an e-form definition, checked with a JSON Schema before it is saved.

An e-form replaces the application form (tờ khai, đơn) of one required document. Its
definition is JSON edited by IT staff in the admin::

    {"title": "TỜ KHAI ĐĂNG KÝ KHAI SINH", "form_number": "…", "addressee": true,
     "sections": [{"title": "…", "fields": [
         {"name": "child_name", "label": "Họ, chữ đệm, tên", "type": "text", "required": true},
         {"name": "members", "label": "…", "type": "group", "fields": [...], "max_rows": 5}]}],
     "declaration": "Tôi cam đoan …", "signer": "Người yêu cầu"}

Labels are the official form's wording, Vietnamese by law, so they are data, not msgids.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

FIELD_TYPES = (
    "text",
    "textarea",
    "date",
    "number",
    "choice",
    "national_id",
    "phone",
    "email",
    "address",
    "group",
)
# What a field may be filled with from the citizen's account.
PREFILL_SOURCES = ("full_name", "national_id", "phone", "email", "address")
MAX_ROWS = 20

_FIELD_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
    "label": {"type": "string", "minLength": 1, "maxLength": 300},
    "type": {"enum": list(FIELD_TYPES)},
    "required": {"type": "boolean"},
    "help": {"type": "string", "maxLength": 500},
    "max_length": {"type": "integer", "minimum": 1, "maximum": 2000},
    "min": {"type": "number"},
    "max": {"type": "number"},
    "unit": {"type": "string", "maxLength": 20},
    "choices": {
        "type": "array",
        "minItems": 1,
        "uniqueItems": True,
        "items": {"type": "string", "minLength": 1, "maxLength": 200},
    },
    "prefill": {"enum": list(PREFILL_SOURCES)},
}

META_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["title", "sections"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "form_number": {"type": "string", "maxLength": 200},
        "addressee": {"type": "boolean"},
        "intro": {"type": "string", "maxLength": 1000},
        "declaration": {"type": "string", "maxLength": 2000},
        "signer": {"type": "string", "maxLength": 200},
        "sections": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["fields"],
                "additionalProperties": False,
                "properties": {
                    "title": {"type": "string", "maxLength": 300},
                    "fields": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/field"}},
                },
            },
        },
    },
    "$defs": {
        "simple_field": {
            "type": "object",
            "required": ["name", "label", "type"],
            "additionalProperties": False,
            "properties": {**_FIELD_PROPERTIES, "type": {"enum": list(FIELD_TYPES[:-1])}},
        },
        "field": {
            "type": "object",
            "required": ["name", "label", "type"],
            "additionalProperties": False,
            "properties": {
                **_FIELD_PROPERTIES,
                "fields": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/$defs/simple_field"},
                },
                "min_rows": {"type": "integer", "minimum": 0, "maximum": MAX_ROWS},
                "max_rows": {"type": "integer", "minimum": 1, "maximum": MAX_ROWS},
            },
        },
    },
}

_VALIDATOR = Draft202012Validator(META_SCHEMA)


def _where(path: list[str | int]) -> str:
    """sections[0].fields[2].type — where the problem is, as the admin reads the JSON."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or _("the whole definition")


def _problem(error: SchemaError) -> str:
    validator, value = error.validator, error.validator_value
    if validator == "required":
        missing = [name for name in value if name not in (error.instance or {})]
        return _("the key “%(name)s” is missing") % {"name": ", ".join(missing)}
    if validator == "additionalProperties":
        known = set((error.schema.get("properties") or {}).keys())
        extra = sorted(set(error.instance) - known)
        return _("“%(name)s” is not a key an e-form knows") % {"name": ", ".join(extra)}
    if validator == "enum":
        return _("“%(value)s” is not allowed; use one of: %(allowed)s") % {
            "value": error.instance,
            "allowed": ", ".join(str(item) for item in value),
        }
    if validator == "type":
        names = {
            "string": _("a text"),
            "object": _("an object { … }"),
            "array": _("a list [ … ]"),
            "boolean": _("true or false"),
            "integer": _("a whole number"),
            "number": _("a number"),
        }
        return _("must be %(type)s") % {"type": names.get(str(value), str(value))}
    if validator == "pattern":
        return _(
            "a field name uses lower-case Latin letters, digits and “_”, starts with a "
            "letter and has at most 40 characters"
        )
    if validator in ("minItems", "minLength"):
        return _("must not be empty")
    if validator in ("maxLength", "maximum", "maxItems"):
        return _("is too long or too large (at most %(limit)s)") % {"limit": value}
    if validator == "minimum":
        return _("must be at least %(limit)s") % {"limit": value}
    if validator == "uniqueItems":
        return _("lists the same choice twice")
    return _("is not valid")


def iter_fields(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every top-level field of every section, in order (groups included, not their parts)."""
    for section in schema.get("sections", []):
        yield from section.get("fields", [])


def validate_schema(schema: Any) -> None:
    """Raise a ValidationError in the admin's language naming each problem and where it is."""
    errors = sorted(_VALIDATOR.iter_errors(schema), key=lambda e: list(e.absolute_path))
    messages = [
        _("In %(where)s: %(problem)s.")
        % {"where": _where(list(error.absolute_path)), "problem": _problem(error)}
        for error in errors[:10]
    ]
    if messages:
        raise ValidationError(messages)
    names: set[str] = set()
    for field in iter_fields(schema):
        parts = field.get("fields", []) if field["type"] == "group" else []
        for item in (field, *parts):
            if item["name"] in names:
                messages.append(
                    _("The field name “%(name)s” is used twice.") % {"name": item["name"]}
                )
            names.add(item["name"])
        if field["type"] == "choice" and not field.get("choices"):
            messages.append(
                _("The choice field “%(name)s” needs a list of choices.") % {"name": field["name"]}
            )
        if field["type"] == "group" and not parts:
            messages.append(
                _("The group “%(name)s” needs its own fields.") % {"name": field["name"]}
            )
        for part in parts:
            if part["type"] == "choice" and not part.get("choices"):
                messages.append(
                    _("The choice field “%(name)s” needs a list of choices.")
                    % {"name": part["name"]}
                )
        if "fields" in field and field["type"] != "group":
            messages.append(
                _("Only a group may have its own fields (“%(name)s”).") % {"name": field["name"]}
            )
        low, high = field.get("min"), field.get("max")
        if low is not None and high is not None and low > high:
            messages.append(
                _("The smallest value of “%(name)s” is larger than its largest.")
                % {"name": field["name"]}
            )
        if field.get("min_rows", 0) > field.get("max_rows", MAX_ROWS):
            messages.append(
                _("The group “%(name)s” asks for more rows than it allows.")
                % {"name": field["name"]}
            )
    if messages:
        raise ValidationError(messages)
