"""Campus CloudEvents for tests: one valid event per type, and the ways to put them on the wire."""

from __future__ import annotations

import json
import uuid

from kombu import Connection

from shared.campus import contract
from shared.campus.amqp import campus_exchange

SOURCES = {
    "lms": "urn:cim-test:lms",
    "mobility": "urn:cim-test:mobility",
    "events": "urn:cim-test:events",
    "records": "urn:cim-test:records",
}


def campus_data(event_type: str, student_ref: str = "s-campus-1", **overrides) -> dict:
    base = {
        contract.LMS_ENROLMENT_CREATED: {
            "name": "Grace Example",
            "email": "grace@example.org",
            "programme": "MBIOM",
            "expected_graduation": "2027-06",
            "language": "sv",
            "enrolled_at": "2026-09-01T08:00:00+00:00",
        },
        contract.LMS_ENROLMENT_DELETED: {"unenrolled_at": "2026-10-01T08:00:00+00:00"},
        contract.MOBILITY_EXCHANGE_COMPLETED: {
            "mobility_id": f"mob-{uuid.uuid4().hex[:6]}",
            "kind": "exchange_semester",
            "host_institution": "Leiden University",
            "country": "NL",
            "start_date": "2025-09-01",
            "end_date": "2026-01-31",
        },
        contract.EVENTS_ATTENDANCE_RECORDED: {
            "event_ref": f"evt-{uuid.uuid4().hex[:6]}",
            "activity_type": "language_cafe",
            "title": "Language café: Spanish",
            "date": "2026-03-04",
            "location_kind": "sweden",
        },
        contract.RECORDS_DEGREE_CONFERRED: {
            "degree_ref": f"deg-{uuid.uuid4().hex[:6]}",
            "programme": "MBIOM",
            "conferred_on": "2027-06-10",
        },
        contract.RECORDS_NAME_CHANGED: {"legal_name": "Grace New-Name", "effective_at": "2026-11-01T00:00:00+00:00"},
    }[event_type]
    return {"student_ref": student_ref, **base, **overrides}


def a_campus_event(
    event_type: str,
    student_ref: str = "s-campus-1",
    event_id: str | None = None,
    source: str | None = None,
    **data_overrides,
) -> dict:
    """A structured-mode CloudEvent (a dict)."""
    system = contract.INBOUND_SPECS[event_type].system
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": source or SOURCES[system],
        "type": event_type,
        "time": "2026-11-30T12:00:00Z",
        "datacontenttype": "application/json",
        "data": campus_data(event_type, student_ref, **data_overrides),
    }


def binary_headers(event: dict, spelling: str = "ce-") -> dict:
    """The attributes as binary-mode headers: `ce-`, `cloudEvents_` or `cloudEvents:`."""
    return {f"{spelling}{name}": event[name] for name in ("specversion", "id", "source", "type", "time")}


def publish_campus(
    amqp_uri: str, system: str, body: bytes, content_type: str, headers: dict | None = None, routing_key: str = "x"
):
    with Connection(amqp_uri) as conn:
        exchange = campus_exchange(system)(conn.channel())
        exchange.declare()
        conn.Producer().publish(
            body,
            exchange=exchange,
            routing_key=routing_key,
            content_type=content_type,
            content_encoding="utf-8",
            headers=headers or {},
            delivery_mode=2,
        )


def publish_structured(
    amqp_uri: str,
    event: dict,
    system: str | None = None,
    content_type: str = "application/cloudevents+json; charset=utf-8",
):
    system = system or contract.INBOUND_SPECS[event["type"]].system
    publish_campus(amqp_uri, system, json.dumps(event).encode(), content_type, routing_key=event["type"])


def publish_binary(amqp_uri: str, event: dict, spelling: str = "ce-"):
    system = contract.INBOUND_SPECS[event["type"]].system
    publish_campus(
        amqp_uri,
        system,
        json.dumps(event["data"]).encode(),
        "application/json",
        headers=binary_headers(event, spelling),
        routing_key=event["type"],
    )
