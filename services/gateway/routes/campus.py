"""Routes answered by the campus edge: campus systems post CloudEvents over HTTP."""

from __future__ import annotations

from services.gateway.errors import PayloadTooLarge
from services.gateway.routes import Routes
from services.gateway.routing import route
from shared.campus.envelope import BATCH, STRUCTURED, Unusable, from_http
from shared.errors import Forbidden, Invalid
from shared.permissions import CAMPUS_SYSTEM
from shared.rpc.campus import IntakeView

MAX_CAMPUS_BYTES = 1024 * 1024  # a batch of 100 events with room to spare

# The CloudEvents HTTP binding's three modes, as the OpenAPI document shows them (docs/campus.md).
_CLOUDEVENT = {
    "type": "object",
    "required": ["specversion", "id", "source", "type", "data"],
    "properties": {
        "specversion": {"const": "1.0"},
        "id": {"type": "string"},
        "source": {"type": "string"},
        "type": {"type": "string"},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"type": "string"},
        "data": {"type": "object"},
    },
}
BODIES = {
    STRUCTURED: _CLOUDEVENT,
    BATCH: {"type": "array", "minItems": 1, "maxItems": 100, "items": _CLOUDEVENT},
    "application/json": {
        "type": "object",
        "description": "binary mode: the event's data; its attributes in ce-id, ce-source, ce-type, ce-specversion",
    },
}


class CampusRoutes(Routes):
    @route("POST", "/v1/campus/events", roles=(CAMPUS_SYSTEM,), response=IntakeView, status=202, consumes=BODIES)
    def campus_events(self, request, identity):
        """CloudEvents from a campus system: structured, binary (ce- headers) or batch mode."""
        if (request.content_length or 0) > MAX_CAMPUS_BYTES:
            raise PayloadTooLarge(f"send at most {MAX_CAMPUS_BYTES} bytes (or smaller batches)")
        body = request.get_data(cache=False)
        if len(body) > MAX_CAMPUS_BYTES:
            raise PayloadTooLarge(f"send at most {MAX_CAMPUS_BYTES} bytes (or smaller batches)")
        try:
            events = from_http(dict(request.headers), body)
        except Unusable as exc:
            raise Invalid({"events": [exc.reason]}) from None
        for event in events:
            if event.system != identity.subject:
                raise Forbidden(f"{identity.subject} may not send {event.type}: a type of campus.{event.system}")
        return 202, self.campus.receive(self._person(identity), [e.to_structured() for e in events])
