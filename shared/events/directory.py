"""Event data about the coordinator directory (approvals owns it; notifications keeps a copy)."""

from marshmallow import fields

from shared.events.schemas import EventData


class CoordinatorUpdatedV1(EventData):
    subject = fields.String(
        required=True,
        metadata={"description": "The coordinator's sign-in subject (the token's `sub`): the directory's key."},
    )
    name = fields.String(
        load_default=None, allow_none=True, metadata={"description": "The coordinator's name (personal data)."}
    )
    email = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The coordinator's email address (personal data); notifications writes the "
            "digest and reminders to it. Null while the admin has not given one."
        },
    )
    programmes = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The codes of the study programmes the coordinator covers, sorted."},
    )
    on_leave = fields.Boolean(
        required=True,
        metadata={
            "description": "Whether the coordinator is on leave (during it they receive no work); the "
            "leave's days and substitute follow."
        },
    )
    leave_from = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The first day of the leave; null: not on leave, or on leave already, until further notice."
        },
    )
    leave_to = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "The last day of the leave (inclusive); null: until further notice."},
    )
    substitute = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The sign-in subject of the coordinator who covers this one's programmes "
            "during the leave; null: the programmes' other coordinators do."
        },
    )
    updated_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "When the admin changed the entry; a copy keeps the newest (the full entry)."},
    )
