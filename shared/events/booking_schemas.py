"""The payloads of the ceremony's booking events: waiting lists, changes, cancellations,
no-shows (kept beside schemas.py, whose shared descriptions they use)."""

from marshmallow import fields, validate

from shared.events.outcome_schemas import CeremonyData
from shared.events.schemas import _CEREMONY_DATE, _CEREMONY_ID, _STUDENT_ID, EventData


class CeremonyChangedV1(EventData):
    ceremony = fields.Nested(
        CeremonyData,
        required=True,
        metadata={"description": "The ceremony as it stands after the change (its full state)."},
    )
    changes = fields.List(
        fields.String(validate=validate.OneOf(("starts_at", "location", "capacity"))),
        required=True,
        metadata={"description": "The fields that changed: `starts_at`, `location`, `capacity`."},
    )
    changed_by = fields.String(
        required=True, metadata={"description": "The sign-in subject of the coordinator or admin who changed it."}
    )
    changed_at = fields.AwareDateTime(required=True, metadata={"description": "When the change was made."})


_BOOKING_ID = "The booking's id: a UUID the ceremony service assigns when the student asks."
_BOOKED_CEREMONY = "The ceremony as it stands now (its full state)."


class BookingWaitlistedV1(EventData):
    booking_id = fields.String(required=True, metadata={"description": _BOOKING_ID})
    ceremony = fields.Nested(CeremonyData, required=True, metadata={"description": _BOOKED_CEREMONY})
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    position = fields.Integer(
        required=True, metadata={"description": "The student's place in the waiting list when they joined it, from 1."}
    )
    asked_at = fields.AwareDateTime(
        required=True, metadata={"description": "When the student asked for a place: the waiting list's order."}
    )


class BookingPromotedV1(EventData):
    booking_id = fields.String(required=True, metadata={"description": _BOOKING_ID})
    ceremony = fields.Nested(CeremonyData, required=True, metadata={"description": _BOOKED_CEREMONY})
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    promoted_at = fields.AwareDateTime(
        required=True, metadata={"description": "When the freed place went to the student."}
    )


class BookingChangedV1(EventData):
    booking_id = fields.String(required=True, metadata={"description": _BOOKING_ID})
    ceremony = fields.Nested(
        CeremonyData, required=True, metadata={"description": "The ceremony after the change (its full state)."}
    )
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    changes = fields.List(
        fields.String(validate=validate.OneOf(("starts_at", "location"))),
        required=True,
        metadata={"description": "What changed for the student: `starts_at`, `location`."},
    )
    changed_at = fields.AwareDateTime(required=True, metadata={"description": "When the change was made."})


class BookingCancelledV1(EventData):
    booking_id = fields.String(required=True, metadata={"description": _BOOKING_ID})
    ceremony = fields.Nested(CeremonyData, required=True, metadata={"description": _BOOKED_CEREMONY})
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    was = fields.String(
        required=True,
        validate=validate.OneOf(("booked", "waiting")),
        metadata={"description": "What the student held: a place (`booked`) or a waiting place (`waiting`)."},
    )
    cause = fields.String(
        required=True,
        validate=validate.OneOf(("student", "ceremony_cancelled")),
        metadata={
            "description": "`student`: the student cancelled; `ceremony_cancelled`: the ceremony "
            "was cancelled, so the student may book another."
        },
    )
    reason = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The organiser's reason when the ceremony was cancelled, else null."},
    )
    cancelled_at = fields.AwareDateTime(required=True, metadata={"description": "When the booking ended."})


class PresentationMissedV1(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    ceremony_id = fields.String(required=True, metadata={"description": _CEREMONY_ID})
    ceremony_date = fields.Date(required=True, metadata={"description": _CEREMONY_DATE})
    recorded_by = fields.String(
        required=True, metadata={"description": "The sign-in subject of the coordinator or admin who recorded it."}
    )
    recorded_at = fields.AwareDateTime(required=True, metadata={"description": "When the no-show was recorded."})
