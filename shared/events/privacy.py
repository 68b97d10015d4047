"""Event data about personal data itself (kept apart from schemas.py, which is full)."""

from marshmallow import fields

from shared.events.schemas import _STUDENT_ID, EventData


class StudentErasureRequestedV1(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    requested_at = fields.AwareDateTime(
        required=True, metadata={"description": "When the admin asked for the erasure."}
    )
    requested_by = fields.String(required=True, metadata={"description": "The admin's account (token subject)."})
    reason = fields.String(
        required=True, metadata={"description": "The request the erasure answers (the admin's words)."}
    )
