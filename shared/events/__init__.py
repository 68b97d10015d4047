"""Integration events: one envelope, and one spec (type constant, schema, producer) per event."""

from shared.events.catalogue import *  # noqa: F401,F403  (the event type constants)
from shared.events.catalogue import EVENT_SCHEMAS, EVENTS, PRODUCERS, SPECS, EventSpec, exchange_name
from shared.events.envelope import Envelope, EnvelopeSchema, MalformedEvent, make_event, parse_event

__all__ = [
    "Envelope",
    "EnvelopeSchema",
    "MalformedEvent",
    "make_event",
    "parse_event",
    "EVENT_SCHEMAS",
    "EVENTS",
    "PRODUCERS",
    "SPECS",
    "EventSpec",
    "exchange_name",
]
