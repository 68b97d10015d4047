"""Activities' RPC payloads: the requests (each loaded as the dataclass beside it) and the views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marshmallow import fields, validate

from shared.events.catalogue import LOCATION_KINDS
from shared.rpc import Payload


@dataclass(frozen=True)
class Location:
    kind: str
    country: str | None = None


@dataclass(frozen=True)
class ActivityClaim:
    """What a student logs, or resubmits after changes were requested."""

    type: str
    title: str
    description: str
    location: Location
    start_date: date
    end_date: date
    evidence_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionClaim:
    date: date
    title: str


@dataclass(frozen=True)
class ActivityTypeEntry:
    """A whole catalogue entry as an admin puts it (`sessions_required` None: the default)."""

    name_en: str
    name_sv: str
    repeated_attendance: bool
    sessions_required: int | None
    default_location: str
    supplement_en: str
    supplement_sv: str


class LocationRequest(Payload):
    command = Location
    kind = fields.String(required=True, validate=validate.OneOf(LOCATION_KINDS))
    country = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2))


class ActivityRequest(Payload):
    """The body of logging an activity, and of resubmitting it after changes were requested."""

    command = ActivityClaim
    type = fields.String(required=True, validate=validate.Length(min=1, max=50))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    location = fields.Nested(LocationRequest, required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    evidence_urls = fields.List(
        fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2000)),
        load_default=list,
        validate=validate.Length(max=20),
    )


class SessionRequest(Payload):
    """One attended session of a repeated-attendance activity."""

    command = SessionClaim
    date = fields.Date(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))


class LocationView(Payload):
    kind = fields.String()
    country = fields.String(allow_none=True)


class SessionView(Payload):
    session_id = fields.String()
    date = fields.Date()
    title = fields.String()
    verified_by = fields.String(
        allow_none=True, metadata={"description": "the campus system that reported the session, when one did"}
    )


class DecisionView(Payload):
    decision = fields.String()
    comment = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime()
    version = fields.Integer()


class ActivityView(Payload):
    """An activity (services.activities.domain.activities.Activity) as its student sees it."""

    id = fields.String(attribute="activity_id")
    student_id = fields.String()
    type = fields.String(attribute="type_code")
    title = fields.String()
    description = fields.String()
    location = fields.Nested(LocationView)
    start_date = fields.Date()
    end_date = fields.Date()
    evidence_urls = fields.List(fields.String())
    sessions = fields.List(fields.Nested(SessionView))
    status = fields.String()
    version = fields.Integer()
    submitted_at = fields.AwareDateTime()
    latest_decision = fields.Nested(DecisionView, allow_none=True)
    verified_by = fields.String(
        allow_none=True,
        metadata={
            "description": "the campus system (mobility or events office) that reported and so "
            "verified the activity; null when the student logged it"
        },
    )


class ActivityTypeView(Payload):
    """A catalogue entry (services.activities.domain.catalogue.ActivityType)."""

    code = fields.String()
    name_en = fields.String()
    name_sv = fields.String()
    repeated_attendance = fields.Boolean()
    sessions_required = fields.Integer()
    default_location = fields.String()
    supplement_en = fields.String()  # the Diploma Supplement's sentence
    supplement_sv = fields.String()


class ActivityTypeRequest(Payload):
    """PUT /v1/activity-types/{code}: the whole entry (an admin adds or changes a type)."""

    command = ActivityTypeEntry
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_sv = fields.String(required=True, validate=validate.Length(min=1, max=200))
    repeated_attendance = fields.Boolean(required=True)
    # default: 3 for a repeated-attendance type, otherwise 1
    sessions_required = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=50))
    default_location = fields.String(required=True, validate=validate.OneOf(LOCATION_KINDS))
    supplement_en = fields.String(required=True, validate=validate.Length(min=1, max=500))
    supplement_sv = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ActivityVersionView(Payload):
    version = fields.Integer()
    type = fields.String()
    title = fields.String()
    description = fields.String()
    location = fields.Nested(LocationView)
    start_date = fields.Date()
    end_date = fields.Date()
    evidence_urls = fields.List(fields.String())
    sessions = fields.List(fields.Nested(SessionView))
    submitted_at = fields.AwareDateTime()
    decision = fields.Nested(DecisionView, allow_none=True)
