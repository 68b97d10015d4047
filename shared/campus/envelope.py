"""Reading campus CloudEvents off the wire (AMQP 0-9-1 and HTTP) with the `cloudevents` SDK.

Every way in ends in one check (`accept`): a CloudEvents 1.0 event with an id and a source, of a
type the contract knows, sent by the system that owns the type, with data that matches the type's
schema. What fails raises `Unusable` with a reason an integrator can act on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from cloudevents.core.bindings import amqp as ce_amqp
from cloudevents.core.bindings import http as ce_http
from cloudevents.core.bindings import rabbitmq as ce_rabbitmq
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from marshmallow import ValidationError

from shared.campus.contract import INBOUND_SPECS
from shared.events.envelope import schema_of

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
BATCH_MAX = 100
# Binary-mode header spellings: the RabbitMQ binding, and the AMQP 1.0 binding's two.
AMQP_PREFIXES = ("cloudEvents_", "cloudEvents:")
# The SDK fills a missing id or time with a fresh value; a sender's event must carry its own id,
# or a resend could not be recognised as the same event.
REQUIRED = ("id", "source", "type", "specversion")


class Unusable(Exception):
    """The message cannot be used: not a CloudEvent, not JSON, or not what the contract allows."""

    def __init__(self, reason: str, event_id: str | None = None, source: str | None = None):
        super().__init__(reason)
        self.reason, self.event_id, self.source = reason, event_id, source


@dataclass(frozen=True)
class CampusEvent:
    """A checked inbound event: `data` as sent (JSON values), `values` as the schema loaded them.

    `time` is the sender's, or the moment of reading when the sender gave none; `read_at` is the
    moment the edge read it (deliveries are read in the order they arrive, so this orders them
    across queues and batches, which the log's ids do not: batches commit in any order)."""

    source: str
    id: str
    type: str
    system: str
    time: datetime | None
    data: dict
    values: dict
    read_at: datetime | None = None

    def to_structured(self) -> dict:
        """The event in CloudEvents' JSON format (how the log keeps and replays it)."""
        event = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "datacontenttype": "application/json",
            "data": self.data,
        }
        if self.time is not None:
            event["time"] = self.time.isoformat()
        return event


def media_type(content_type: str | None) -> str:
    """`application/cloudevents+json; charset=utf-8` -> `application/cloudevents+json`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _sdk(read):
    try:
        return read()
    except Unusable:
        raise
    except BaseCloudEventException as exc:
        raise Unusable(f"not a valid CloudEvent: {exc}") from None
    except (ValueError, TypeError, UnicodeDecodeError, AttributeError, KeyError) as exc:
        raise Unusable(f"not a CloudEvent in JSON: {exc}") from None


def from_amqp(system: str, headers: dict | None, content_type: str | None, body: bytes) -> CampusEvent:
    """A message from the exchange `campus.<system>`: structured, or binary in any spelling."""
    headers = {str(k): _header_text(v) for k, v in (headers or {}).items()}
    if isinstance(body, str):  # the AMQP client decodes bodies sent with a content encoding
        body = body.encode("utf-8")
    kind = media_type(content_type)
    if kind == STRUCTURED:
        _require(_ensure_json_object(body))
        message = ce_rabbitmq.RabbitMQMessage(headers={}, content_type=kind, body=body)
        event = _sdk(lambda: ce_rabbitmq.from_structured(message, JSONFormat(), CloudEvent))
    elif any(k.lower().startswith("ce-") for k in headers):
        _require(k.lower()[3:] for k in headers if k.lower().startswith("ce-"))
        message = ce_rabbitmq.RabbitMQMessage(headers=headers, content_type=content_type, body=body)
        event = _sdk(lambda: ce_rabbitmq.from_binary(message, JSONFormat(), CloudEvent))
    elif any(k.startswith(AMQP_PREFIXES) for k in headers):
        _require(k[len(AMQP_PREFIXES[0]) :] for k in headers if k.startswith(AMQP_PREFIXES))
        properties = {"content-type": content_type} if content_type else {}
        message = ce_amqp.AMQPMessage(properties=properties, application_properties=headers, application_data=body)
        event = _sdk(lambda: ce_amqp.from_binary(message, JSONFormat(), CloudEvent))
    else:
        raise Unusable(
            "not a CloudEvent: neither structured mode (content type "
            f"{STRUCTURED}) nor binary mode (ce-, cloudEvents_ or cloudEvents: headers)"
        )
    return accept(event, system)


def from_http(headers: dict, body: bytes) -> list[CampusEvent]:
    """`POST /v1/campus/events`: structured, binary or batch mode; every event checked, in order.

    The sender's system is not known here; the caller checks each event's system against the
    token. A batch with one unusable event is unusable as a whole (nothing of it is applied).
    """
    headers = {str(k).lower(): str(v) for k, v in headers.items()}
    kind = media_type(headers.get("content-type"))
    if kind == BATCH:
        items = _ensure_json(body)
        if not isinstance(items, list):
            raise Unusable("a batch is a JSON array of CloudEvents")
        if not 1 <= len(items) <= BATCH_MAX:
            raise Unusable(f"a batch holds 1 to {BATCH_MAX} events")
        events = []
        for index, item in enumerate(items):
            try:
                events.append(from_structured(item))
            except Unusable as exc:
                raise Unusable(f"event {index}: {exc.reason}", exc.event_id, exc.source) from None
        return events
    if any(k.startswith("ce-") for k in headers):
        _require(k[3:] for k in headers if k.startswith("ce-"))
        message = ce_http.HTTPMessage(headers=headers, body=body)
        return [accept(_sdk(lambda: ce_http.from_binary(message, JSONFormat(), CloudEvent)), None)]
    if kind == STRUCTURED:
        _require(_ensure_json_object(body))
        message = ce_http.HTTPMessage(headers=headers, body=body)
        return [accept(_sdk(lambda: ce_http.from_structured(message, JSONFormat(), CloudEvent)), None)]
    raise Unusable(f"send {STRUCTURED}, {BATCH}, or binary mode with ce- headers")


def from_structured(event: dict, system: str | None = None) -> CampusEvent:
    """One event already in CloudEvents' JSON format (a dict): the same checks."""
    if not isinstance(event, dict):
        raise Unusable("a CloudEvent is a JSON object")
    _require(event)
    raw = json.dumps(event).encode()
    return accept(_sdk(lambda: JSONFormat().read(CloudEvent, raw)), system)


def accept(event, system: str | None) -> CampusEvent:
    """The contract's checks on a parsed CloudEvent; `system` is the exchange's, when known."""
    attributes = event.get_attributes()
    event_id, source, event_type = event.get_id(), event.get_source(), event.get_type()
    spec = INBOUND_SPECS.get(event_type)
    if spec is None:
        raise Unusable(f"unknown type {event_type!r}", event_id, source)
    if system is not None and spec.system != system:
        raise Unusable(f"type {event_type} belongs to campus.{spec.system}, not campus.{system}", event_id, source)
    content_type = media_type(attributes.get("datacontenttype") or "application/json")
    if content_type != "application/json":
        raise Unusable(f"datacontenttype must be application/json, not {content_type}", event_id, source)
    data = event.get_data()
    if isinstance(data, (bytes, str)):
        raise Unusable("data is not JSON", event_id, source)
    if not isinstance(data, dict):
        raise Unusable("data must be a JSON object", event_id, source)
    try:
        values = schema_of(spec.schema).load(data)
    except ValidationError as exc:
        raise Unusable(f"data breaks the schema of {event_type}: {exc.messages}", event_id, source) from None
    return CampusEvent(
        source=source,
        id=event_id,
        type=event_type,
        system=spec.system,
        time=event.get_time(),
        data=data,
        values=values,
        read_at=datetime.now(timezone.utc),
    )


def _ensure_json(body: bytes):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Unusable(f"not JSON: {exc}") from None


def _ensure_json_object(body: bytes) -> dict:
    value = _ensure_json(body)
    if not isinstance(value, dict):
        raise Unusable("a structured CloudEvent is a JSON object")
    return value


def _require(given):
    given = set(given)
    missing = [name for name in REQUIRED if name not in given]
    if missing:
        raise Unusable(f"missing CloudEvents attribute(s): {', '.join(missing)}")


def _header_text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, datetime):
        return value.isoformat()
    return value
