"""Notifications' RPC payloads."""

from dataclasses import dataclass

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.events.catalogue import LANGUAGES
from shared.rpc import Payload


@dataclass(frozen=True)
class PreferenceChange:
    language: str | None = None
    digest_time: str | None = None


class PreferencesRequest(Payload):
    command = PreferenceChange
    language = fields.String(
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "the language of every message from the next one on: `en` or `sv`"},
    )
    digest_time = fields.String(
        validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"),
        metadata={"description": "coordinators: when the daily digest is sent, HH:MM Europe/Stockholm"},
    )

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("give language, digest_time or both")


class PreferencesView(Payload):
    language = fields.String()
    digest_time = fields.String(
        allow_none=True,
        metadata={"description": "coordinators' digest time (HH:MM, Europe/Stockholm); null for others"},
    )
    updated_at = fields.AwareDateTime()


class MessageView(Payload):
    """An outgoing message as operators see it (the body stays in the service)."""

    message_id = fields.String()
    subject = fields.String()
    to = fields.String(attribute="to_address")
    status = fields.String()
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
