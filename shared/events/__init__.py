"""Integration events: one envelope, one schema per event type (the schemas are the catalogue)."""
from shared.events.envelope import Envelope, EnvelopeSchema, MalformedEvent, make_event, parse_event
from shared.events.catalogue import EVENT_SCHEMAS, PRODUCERS

__all__ = ["Envelope", "EnvelopeSchema", "MalformedEvent", "make_event", "parse_event",
           "EVENT_SCHEMAS", "PRODUCERS"]
