"""Payloads every service shares: the acting person as the gateway established them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marshmallow import fields, validate

from shared.permissions import ROLES
from shared.rpc import Payload

if TYPE_CHECKING:
    from shared.permissions import Actor


class ActorSchema(Payload):
    issuer = fields.String(required=True)
    subject = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    student_id = fields.String(load_default=None, allow_none=True)
    # A coordinator's programmes, read by the gateway from the approvals directory (never the token).
    programmes = fields.List(fields.String(), load_default=list)


def load_actor(data) -> Actor:
    """The acting person from an RPC argument: checked by ActorSchema, typed as an Actor."""
    from shared.permissions import Actor
    from shared.rpc import load

    return Actor.from_dict(load(ActorSchema, data))
