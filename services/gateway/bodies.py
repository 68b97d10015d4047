"""Reading what a request sends: its JSON body and its query string, validated by the route's
schemas before the owning service sees them (422 with the field errors, unknown fields included)."""

from __future__ import annotations

import json

from marshmallow import ValidationError

from services.gateway.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from shared.errors import Invalid
from shared.events.envelope import schema_of

MAX_JSON_BYTES = 64 * 1024
# route() leaves the body schema here for json_body(), which a route calls when it wants the body
_BODY_SCHEMA = "cim.body_schema"


def expect_body(request, schema) -> None:
    """Let json_body() validate this request's body with `schema` (None: any JSON object)."""
    request.environ[_BODY_SCHEMA] = schema


def json_body(request) -> dict:
    """The JSON object sent, validated by the route's `body` schema when it has one."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    schema = request.environ.get(_BODY_SCHEMA)
    if schema is not None:
        errors = (schema_of(schema) if isinstance(schema, type) else schema).validate(body)
        if errors:
            raise Invalid(errors)
    return body


def query_values(request, schema) -> dict:
    """The query string loaded by `schema` (unknown parameters refused: 422)."""
    try:
        return schema_of(schema).load(request.args.to_dict(flat=True))
    except ValidationError as exc:
        raise Invalid(exc.messages) from None
