"""Marshmallow schemas as JSON Schema (draft 07, which AsyncAPI's Schema Object extends)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate
from marshmallow.utils import missing

# Checked in order: a subclass before the class it extends (Email is a String).
_SCALARS: tuple[tuple[type[fields.Field], dict], ...] = (
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.UUID, {"type": "string", "format": "uuid"}),
    (fields.Url, {"type": "string", "format": "uri"}),
    (fields.String, {"type": "string"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.Decimal, {"type": "number"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),  # also Aware- and NaiveDateTime
)


class Unconvertible(TypeError):
    """A field type the converter does not know: teach it rather than guess."""


def schema_json(schema: Schema | type[Schema]) -> dict:
    """An object schema: every field in order, the required ones, whether others may come.

    A schema that refuses unknown fields (`unknown = RAISE`) says `additionalProperties: false`;
    one whose readers ignore them (EXCLUDE, INCLUDE) says true.
    """
    schema = schema() if isinstance(schema, type) else schema
    properties = {}
    required = []
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        key = field.data_key or name
        properties[key] = field_json(field)
        if field.required:
            required.append(key)
    out: dict = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    out["additionalProperties"] = schema.unknown != RAISE
    return out


def field_json(field: fields.Field) -> dict:
    """One field: its JSON type, what its validators allow, its description and default."""
    if isinstance(field, fields.Nested):
        out = schema_json(field.schema)
        if field.many:
            out = {"type": "array", "items": out}
    elif isinstance(field, fields.List):
        out = {"type": "array", "items": field_json(field.inner)}
    elif isinstance(field, fields.Dict):
        out = {"type": "object"}
        if field.value_field is not None:
            out["additionalProperties"] = field_json(field.value_field)
    else:
        out = next((dict(shape) for kind, shape in _SCALARS if isinstance(field, kind)), None)
        if out is None:
            raise Unconvertible(f"no JSON Schema for {type(field).__name__}: add it to _SCALARS")
    for validator in field.validators:
        out.update(_validator_json(validator, out["type"]))
    if field.allow_none:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"].append(None)
    description = field.metadata.get("description")
    if description:
        out = {"description": description, **out}
    default = field.load_default
    if default is not missing:
        out["default"] = default() if callable(default) else default
    return out


def _validator_json(validator, kind: str) -> dict:
    if isinstance(validator, validate.OneOf):
        return {"enum": list(validator.choices)}
    if isinstance(validator, validate.Regexp):
        return {"pattern": validator.regex.pattern}
    if isinstance(validator, validate.Length):
        if validator.equal is not None:
            bounds = (validator.equal, validator.equal)
        else:
            bounds = (validator.min, validator.max)
        names = ("minItems", "maxItems") if kind == "array" else ("minLength", "maxLength")
        return {name: bound for name, bound in zip(names, bounds) if bound is not None}
    if isinstance(validator, validate.Range):
        out = {}
        if validator.min is not None:
            out["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
        if validator.max is not None:
            out["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
        return out
    return {}  # e.g. Email's own validator: the format says it already
