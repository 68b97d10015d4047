"""The inbound campus event types: who sends each, the schema of its data, what it means.

A campus system publishes to its own exchange (`campus.<system>`) or posts to the gateway; each
type belongs to one system, which alone may send it. `student_ref` is the person's subject at the
university's identity provider, the value their own token carries.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import RAISE, Schema, fields, validate

LMS_ENROLMENT_CREATED = "campus.lms.enrolment.created.v1"
LMS_ENROLMENT_DELETED = "campus.lms.enrolment.deleted.v1"
MOBILITY_EXCHANGE_COMPLETED = "campus.mobility.exchange.completed.v1"
EVENTS_ATTENDANCE_RECORDED = "campus.events.attendance.recorded.v1"
RECORDS_DEGREE_CONFERRED = "campus.records.degree.conferred.v1"
RECORDS_NAME_CHANGED = "campus.records.name.changed.v1"

SYSTEMS = ("lms", "mobility", "events", "records")
EXCHANGE_KINDS = ("exchange_semester", "summer_course", "degree_project_abroad")
ATTENDANCE_KINDS = ("language_cafe", "international_lectures", "buddy_mentor")


def exchange_of(system: str) -> str:
    """The durable topic exchange a sending system publishes to (routing key: the type)."""
    return f"campus.{system}"


class InboundData(Schema):
    """Strict: a field the contract does not name is a breach, not something dropped."""

    class Meta:
        unknown = RAISE
        ordered = True


def _ref(description: str):
    return fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"description": description})


STUDENT_REF = "the person's subject (sub) at the university's identity provider"


class EnrolmentCreated(InboundData):
    student_ref = _ref(STUDENT_REF)
    name = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "legal name"}
    )
    email = fields.Email(
        required=True, validate=validate.Length(max=254), metadata={"description": "the address messages go to"}
    )
    programme = fields.String(
        required=True, validate=validate.Length(min=1, max=50), metadata={"description": "programme code, e.g. MBIOM"}
    )
    expected_graduation = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="use YYYY-MM"),
        metadata={"description": "expected graduation month, YYYY-MM"},
    )
    language = fields.String(
        load_default="en", validate=validate.OneOf(("en", "sv")), metadata={"description": "en or sv; en when absent"}
    )
    enrolled_at = fields.AwareDateTime(
        required=True, metadata={"description": "when the person was enrolled in the CIM course, with its offset"}
    )


class EnrolmentDeleted(InboundData):
    student_ref = _ref(STUDENT_REF)
    unenrolled_at = fields.AwareDateTime(
        required=True, metadata={"description": "when the student was unenrolled from the CIM course, with its offset"}
    )


class ExchangeCompleted(InboundData):
    student_ref = _ref(STUDENT_REF)
    mobility_id = _ref("the mobility office's id of this exchange")
    kind = fields.String(
        required=True,
        validate=validate.OneOf(EXCHANGE_KINDS),
        metadata={"description": "the kind of exchange: the activity type"},
    )
    host_institution = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "where the student went"}
    )
    country = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Z]{2}$", error="ISO 3166-1 alpha-2"),
        metadata={"description": "the host's country, ISO 3166-1 alpha-2"},
    )
    start_date = fields.Date(required=True, metadata={"description": "the first day abroad"})
    end_date = fields.Date(required=True, metadata={"description": "the last day abroad"})


class AttendanceRecorded(InboundData):
    student_ref = _ref(STUDENT_REF)
    event_ref = _ref("the events office's id of the occasion attended")
    activity_type = fields.String(
        required=True,
        validate=validate.OneOf(ATTENDANCE_KINDS),
        metadata={"description": "the activity type it counts for"},
    )
    title = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "the occasion's title"}
    )
    date = fields.Date(required=True, metadata={"description": "the day attended"})
    location_kind = fields.String(
        required=True,
        validate=validate.OneOf(("sweden", "digital")),
        metadata={"description": "held in Sweden or online"},
    )


class DegreeConferred(InboundData):
    student_ref = _ref(STUDENT_REF)
    degree_ref = _ref("student records' id of the degree")
    programme = fields.String(
        required=True, validate=validate.Length(min=1, max=50), metadata={"description": "the degree's programme code"}
    )
    conferred_on = fields.Date(required=True, metadata={"description": "the day the degree was conferred"})


class NameChanged(InboundData):
    student_ref = _ref(STUDENT_REF)
    legal_name = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"description": "the new legal name"}
    )
    effective_at = fields.AwareDateTime(
        required=True, metadata={"description": "from when the new name holds, with its offset"}
    )


@dataclass(frozen=True)
class InboundSpec:
    type: str
    system: str
    schema: type[Schema]
    effect: str
    # Does applying it need the person registered? (Enrolment is how they register.)
    needs_registration: bool = True
    # The fields that name the thing reported (reconciliation matches on them).
    key: tuple[str, ...] = ("student_ref",)


INBOUND: tuple[InboundSpec, ...] = (
    InboundSpec(
        LMS_ENROLMENT_CREATED,
        "lms",
        EnrolmentCreated,
        "the student is registered in the CIM, as if they had registered themselves",
        needs_registration=False,
    ),
    InboundSpec(LMS_ENROLMENT_DELETED, "lms", EnrolmentDeleted, "the student withdraws from the CIM"),
    InboundSpec(
        MOBILITY_EXCHANGE_COMPLETED,
        "mobility",
        ExchangeCompleted,
        "an activity in the student's portfolio, verified by the mobility office, waiting "
        "for the coordinator's decision",
        key=("mobility_id",),
    ),
    InboundSpec(
        EVENTS_ATTENDANCE_RECORDED,
        "events",
        AttendanceRecorded,
        "an attendance session on the student's activity of that type (created when "
        "missing), verified by the events office",
        key=("student_ref", "event_ref"),
    ),
    InboundSpec(
        RECORDS_DEGREE_CONFERRED,
        "records",
        DegreeConferred,
        "the degree is recorded; the Diploma Supplement line is sent for that degree",
        key=("degree_ref",),
    ),
    InboundSpec(
        RECORDS_NAME_CHANGED,
        "records",
        NameChanged,
        "the profile's legal name changes; a valid certificate is re-issued under it",
    ),
)
INBOUND_SPECS: dict[str, InboundSpec] = {spec.type: spec for spec in INBOUND}


def types_of(system: str) -> list[str]:
    return [spec.type for spec in INBOUND if spec.system == system]
