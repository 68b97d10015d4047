"""Notifications' RPC payloads."""
from marshmallow import fields

from shared.rpc import Payload


class MessageView(Payload):
    """An outgoing message as operators see it (the body stays in the service)."""
    message_id = fields.String()
    subject = fields.String()
    to = fields.String(attribute="to_address")
    status = fields.String()
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
