"""The one envelope every message carries, and the functions that build and check it."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

EVENT_TYPE_PATTERN = r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*\.[a-z_]+\.v[0-9]+$"


class MalformedEvent(ValueError):
    """An event that does not match its envelope or its schema: retrying cannot fix it."""


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # additive changes within a major version must not break readers

    event_id = fields.UUID(
        required=True, metadata={"description": "The event's id, a UUID: a redelivery carries the same one."}
    )
    event_type = fields.String(
        required=True,
        validate=validate.Regexp(EVENT_TYPE_PATTERN),
        metadata={"description": "The event type (also the routing key)."},
    )
    occurred_at = fields.AwareDateTime(
        required=True,
        default_timezone=timezone.utc,
        metadata={"description": "When the producer recorded the event, UTC, ISO 8601."},
    )
    producer = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "The publishing service's name."},
    )
    correlation_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Ties together what one request or campus event set off."},
    )
    data = fields.Dict(required=True, metadata={"description": "The event's data (its schema)."})


def schema_of(schema_cls: type[Schema], **options) -> Schema:
    """One instance per schema class (and options such as `many=True`): marshmallow schemas keep
    no state between loads and dumps, and making one copies every field (most of the cost of
    checking a small event, and 0.7 ms of approvals' progress RPC). Options that cannot be a
    key (a list for `only`) make a new instance each time."""
    try:
        return _schema_instance(schema_cls, tuple(sorted(options.items())))
    except TypeError:  # unhashable options
        return schema_cls(**options)


@functools.cache
def _schema_instance(schema_cls: type[Schema], options: tuple) -> Schema:
    return schema_cls(**dict(options))


@dataclass(frozen=True)
class Envelope:
    event_id: str
    event_type: str
    occurred_at: datetime
    producer: str
    correlation_id: str
    data: dict


def make_event(
    event_type: str, data: dict, producer: str, correlation_id: str | None = None, event_id: str | None = None
) -> dict:
    """Build a wire-ready envelope; `data` is checked against the event's schema first."""
    from shared.events.catalogue import EVENT_SCHEMAS

    schema = EVENT_SCHEMAS.get(event_type)
    if schema is None:
        raise ValueError(f"unknown event type {event_type!r}: add its schema to the catalogue")
    schema = schema_of(schema)
    dumped = schema.dump(data)
    errors = schema.validate(dumped)
    if errors:
        raise ValueError(f"{event_type} data does not match its schema: {errors}")
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": datetime.now(timezone.utc).isoformat(),
        "producer": producer,
        "correlation_id": correlation_id or str(uuid.uuid4()),
        "data": dumped,
    }


def parse_event(payload, expected_type: str | None = None) -> Envelope:
    """Check an incoming message against the envelope and its event schema; raise MalformedEvent."""
    from shared.events.catalogue import EVENT_SCHEMAS

    if not isinstance(payload, dict):
        raise MalformedEvent(f"an event must be a JSON object, got {type(payload).__name__}")
    try:
        envelope = schema_of(EnvelopeSchema).load(payload)
    except ValidationError as exc:
        raise MalformedEvent(f"bad envelope: {exc.messages}") from None
    if expected_type and envelope["event_type"] != expected_type:
        raise MalformedEvent(f"expected {expected_type}, got {envelope['event_type']}")
    schema = EVENT_SCHEMAS.get(envelope["event_type"])
    if schema is None:
        raise MalformedEvent(f"unknown event type {envelope['event_type']!r}")
    try:
        data = schema_of(schema).load(envelope["data"])
    except ValidationError as exc:
        raise MalformedEvent(f"bad {envelope['event_type']} data: {exc.messages}") from None
    return Envelope(
        event_id=str(envelope["event_id"]),
        event_type=envelope["event_type"],
        occurred_at=envelope["occurred_at"],
        producer=envelope["producer"],
        correlation_id=envelope["correlation_id"],
        data=data,
    )
