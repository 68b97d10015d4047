"""The ceremony's RPC payloads: the requests (each loaded as the dataclass beside it) and the views."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.events.catalogue import LANGUAGES
from shared.rpc import Payload


class Base64Bytes(fields.Field):
    """Bytes on the inside, standard base64 text on the wire."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else base64.b64encode(value).decode("ascii")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("base64 text expected")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("not valid base64") from None


@dataclass(frozen=True)
class CeremonyPlan:
    """A ceremony as a coordinator or admin schedules it."""

    title: str
    starts_at: datetime
    location: str
    capacity: int
    language: str
    programmes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CeremonyChange:
    """What a coordinator changes; None: unchanged."""

    starts_at: datetime | None = None
    location: str | None = None
    capacity: int | None = None


@dataclass(frozen=True)
class Cancellation:
    reason: str


@dataclass(frozen=True)
class ReportUpload:
    filename: str
    content_b64: bytes  # decoded: the PDF itself


@dataclass(frozen=True)
class PresentationRecord:
    student_id: str
    outcome: str = "presented"


OUTCOMES = ("presented", "no_show")


class ScheduleRequest(Payload):
    command = CeremonyPlan
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    # A zone is required: "14:00" means nothing without knowing where.
    starts_at = fields.AwareDateTime(required=True)
    location = fields.String(required=True, validate=validate.Length(min=1, max=200))
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10000))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    programmes = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)),
        load_default=(),
        validate=validate.Length(max=50),
        metadata={
            "description": "the programmes whose students it is for; a coordinator's default: "
            "their own; an admin's ceremony without any serves every programme"
        },
    )


class ChangeRequest(Payload):
    command = CeremonyChange
    starts_at = fields.AwareDateTime()
    location = fields.String(validate=validate.Length(min=1, max=200))
    capacity = fields.Integer(strict=True, validate=validate.Range(min=1, max=10000))

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("give at least one of starts_at, location, capacity")


class CancelRequest(Payload):
    command = Cancellation
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReportRequest(Payload):
    command = ReportUpload
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_b64 = Base64Bytes(required=True)


class PresentationRequest(Payload):
    command = PresentationRecord
    student_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    outcome = fields.String(load_default="presented", validate=validate.OneOf(OUTCOMES))


class CeremonyView(Payload):
    id = fields.String()
    title = fields.String()
    starts_at = fields.AwareDateTime()
    location = fields.String()
    capacity = fields.Integer()
    language = fields.String()
    free_places = fields.Integer()
    waiting = fields.Integer(metadata={"description": "students on the waiting list"})
    status = fields.String()
    programmes = fields.List(
        fields.String(), metadata={"description": "the programmes it serves; empty: every programme"}
    )


class BookingView(Payload):
    booking_id = fields.String()
    ceremony = fields.Nested(CeremonyView)
    student_id = fields.String()
    booked_at = fields.AwareDateTime()
    status = fields.String(metadata={"description": "`booked` or `waiting`"})
    position = fields.Integer(
        allow_none=True, metadata={"description": "the place in the waiting list, from 1 (null when booked)"}
    )


class RosterEntryView(Payload):
    position = fields.Integer(metadata={"description": "the order of booking, from 1"})
    student_id = fields.String()
    name = fields.String(
        allow_none=True, metadata={"description": "the student's name from registration (the gateway adds it)"}
    )
    booking_id = fields.String()
    booked_at = fields.AwareDateTime()
    status = fields.String(metadata={"description": "`booked`, `presented` or `no_show`"})
    report_status = fields.String(
        metadata={
            "description": "the latest final report's status: `submitted`, `accepted`, `returned`, `withdrawn`"
            " (the student left the CIM before a decision), or `none`"
        }
    )


class RosterView(Payload):
    ceremony = fields.Nested(CeremonyView)
    presenting = fields.List(
        fields.Nested(RosterEntryView), metadata={"description": "the booked students, in booking order"}
    )
    waiting = fields.List(fields.Nested(RosterEntryView), metadata={"description": "the waiting list, in order"})


class ReportView(Payload):
    """A final report (services.ceremony.domain.reports.FinalReport), without its file."""

    report_id = fields.String()
    filename = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    status = fields.String()
    submitted_at = fields.AwareDateTime()


class ReportDetailView(ReportView):
    """The latest report with its decision, for the student, their coordinator or an admin."""

    student_id = fields.String()
    decided_at = fields.AwareDateTime(allow_none=True)
    comment = fields.String(allow_none=True)


class ReportFileView(Payload):
    """A final report with its file."""

    report_id = fields.String()
    filename = fields.String()
    sha256 = fields.String()
    content_b64 = Base64Bytes(attribute="content")


class PresentationView(Payload):
    student_id = fields.String()
    outcome = fields.String(metadata={"description": "`presented` or `no_show`"})
    ceremony_id = fields.String()
    ceremony_date = fields.Date()
    recorded_by = fields.String()
    recorded_at = fields.AwareDateTime()
