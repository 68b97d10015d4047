"""The campus edge's RPC payloads: events handed over by the gateway's HTTP intake, the log."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.campus.contract import SYSTEMS
from shared.rpc import Payload


class IntakeResultView(Payload):
    id = fields.String()
    source = fields.String()
    status = fields.String(metadata={"description": "accepted or duplicate"})


class IntakeView(Payload):
    results = fields.List(fields.Nested(IntakeResultView))


class InboundQuery(Payload):
    system = fields.String(validate=validate.OneOf(SYSTEMS))
    status = fields.String(validate=validate.OneOf(("forwarded", "waiting", "expired")))
    student_ref = fields.String(validate=validate.Length(max=200))
    after = fields.Integer(validate=validate.Range(min=0))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class InboundEntryView(Payload):
    id = fields.Integer()
    source = fields.String()
    event_id = fields.String()
    type = fields.String()
    system = fields.String()
    student_ref = fields.String()
    student_id = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True)
    channel = fields.String()
    received_at = fields.AwareDateTime()
    applied_at = fields.AwareDateTime(allow_none=True)
