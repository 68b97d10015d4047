"""What each campus event type becomes: the owning service's own command, in its own words.

The owners never see CloudEvents: the edge publishes our own events (producer `campus`), each
carrying what the owner needs and the system that reported it.
"""

from __future__ import annotations

from dataclasses import dataclass

# The inbound types, spelled as in shared/campus/contract.py (the domain imports no framework,
# and the contract module carries marshmallow); a unit test keeps the two lists equal.
LMS_ENROLMENT_CREATED = "campus.lms.enrolment.created.v1"
LMS_ENROLMENT_DELETED = "campus.lms.enrolment.deleted.v1"
MOBILITY_EXCHANGE_COMPLETED = "campus.mobility.exchange.completed.v1"
EVENTS_ATTENDANCE_RECORDED = "campus.events.attendance.recorded.v1"
RECORDS_DEGREE_CONFERRED = "campus.records.degree.conferred.v1"
RECORDS_NAME_CHANGED = "campus.records.name.changed.v1"

# The commands, by name; the service layer maps each to its event constant in shared/events.
ENROLMENT = "enrolment"
UNENROLMENT = "unenrolment"
EXCHANGE = "exchange"
ATTENDANCE = "attendance"
DEGREE = "degree"
LEGAL_NAME = "legal_name"


@dataclass(frozen=True)
class Command:
    kind: str
    data: dict


def needs_registration(event_type: str) -> bool:
    """Enrolment is how a person registers; everything else is about a registered student."""
    return event_type != LMS_ENROLMENT_CREATED


def translate(event_type: str, values: dict, *, student_id: str | None, issuer: str, reported_by: str) -> Command:
    """The command for one checked inbound event (`values` as its schema loaded them)."""
    v = values
    if event_type == LMS_ENROLMENT_CREATED:
        return Command(
            ENROLMENT,
            {
                "issuer": issuer,
                "subject": v["student_ref"],
                "name": v["name"],
                "email": v["email"],
                "programme": v["programme"],
                "expected_graduation": v["expected_graduation"],
                "language": v["language"],
                "enrolled_at": v["enrolled_at"],
                "reported_by": reported_by,
            },
        )
    base = {"student_id": student_id, "reported_by": reported_by}
    if event_type == LMS_ENROLMENT_DELETED:
        return Command(UNENROLMENT, {**base, "unenrolled_at": v["unenrolled_at"]})
    if event_type == MOBILITY_EXCHANGE_COMPLETED:
        return Command(
            EXCHANGE,
            {
                **base,
                **{k: v[k] for k in ("mobility_id", "kind", "host_institution", "country", "start_date", "end_date")},
            },
        )
    if event_type == EVENTS_ATTENDANCE_RECORDED:
        return Command(
            ATTENDANCE, {**base, **{k: v[k] for k in ("event_ref", "activity_type", "title", "date", "location_kind")}}
        )
    if event_type == RECORDS_DEGREE_CONFERRED:
        return Command(DEGREE, {**base, **{k: v[k] for k in ("degree_ref", "programme", "conferred_on")}})
    if event_type == RECORDS_NAME_CHANGED:
        return Command(LEGAL_NAME, {**base, "legal_name": v["legal_name"], "effective_at": v["effective_at"]})
    raise ValueError(f"no translation for {event_type}")
