"""The event catalogue: one spec per integration event, and one constant per event type.

Names are `<subject>.<past verb>.v<major>`. Producers publish with the constant
(`uow.publish(ACTIVITY_APPROVED, ...)`) and consumers subscribe with it
(`@on_event(ACTIVITY_APPROVED)`), so searching for the constant finds every producer and
consumer. Consumers are never written here: `cim docs` finds them in the services' handlers and
writes them into docs/events.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema

from shared.events import booking_schemas, campus, directory, outcome_schemas, privacy, schemas
from shared.events.schemas import LANGUAGES, LOCATION_KINDS  # noqa: F401  (re-exported)

STUDENT_REGISTERED = "student.registered.v1"
STUDENT_UPDATED = "student.updated.v1"
STUDENT_WITHDRAWN = "student.withdrawn.v1"
STUDENT_ERASURE_REQUESTED = "student.erasure_requested.v1"
ACTIVITY_SUBMITTED = "activity.submitted.v1"
ACTIVITY_RESUBMITTED = "activity.resubmitted.v1"
ACTIVITY_WITHDRAWN = "activity.withdrawn.v1"
ACTIVITY_APPROVED = "activity.approved.v1"
ACTIVITY_REJECTED = "activity.rejected.v1"
ACTIVITY_CHANGES_REQUESTED = "activity.changes_requested.v1"
ACTIVITY_APPROVAL_WITHDRAWN = "activity.approval_withdrawn.v1"
REPORT_ACCEPTED = "report.accepted.v1"
REPORT_RETURNED = "report.returned.v1"
STUDENT_ACTIVITY_REQUIREMENT_MET = "student.activity_requirement_met.v1"
STUDENT_ELIGIBLE = "student.eligible.v1"
COORDINATOR_UPDATED = "coordinator.updated.v1"
CEREMONY_SCHEDULED = "ceremony.scheduled.v1"
CEREMONY_BOOKED = "ceremony.booked.v1"
CEREMONY_CANCELLED = "ceremony.cancelled.v1"
CEREMONY_CHANGED = "ceremony.changed.v1"
BOOKING_WAITLISTED = "booking.waitlisted.v1"
BOOKING_PROMOTED = "booking.promoted.v1"
BOOKING_CHANGED = "booking.changed.v1"
BOOKING_CANCELLED = "booking.cancelled.v1"
PRESENTATION_MISSED = "presentation.missed.v1"
REPORT_SUBMITTED = "report.submitted.v1"
PRESENTATION_RECORDED = "presentation.recorded.v1"
CERTIFICATE_ISSUED = "certificate.issued.v1"
CERTIFICATE_REVOKED = "certificate.revoked.v1"
DIPLOMA_SUPPLEMENT_RECORDED = "diploma_supplement.recorded.v1"
ENROLMENT_REPORTED = "enrolment.reported.v1"
UNENROLMENT_REPORTED = "unenrolment.reported.v1"
EXCHANGE_REPORTED = "exchange.reported.v1"
ATTENDANCE_REPORTED = "attendance.reported.v1"
DEGREE_REPORTED = "degree.reported.v1"
LEGAL_NAME_REPORTED = "legal_name.reported.v1"


@dataclass(frozen=True)
class EventSpec:
    """What an event is: its type, the schema of its data, who publishes it, what it means.

    The producer publishes to its durable topic exchange (`exchange_name(producer)`, mostly
    `<producer>.events`) with the event type as the routing key.
    """

    type: str
    schema: type[Schema]
    producer: str
    description: str


EVENTS: tuple[EventSpec, ...] = (
    # --- registration ---
    EventSpec(
        STUDENT_REGISTERED, schemas.StudentRegisteredV1, "registration", "A student joined the CIM (the full profile)."
    ),
    EventSpec(
        STUDENT_UPDATED,
        schemas.StudentUpdatedV1,
        "registration",
        "A student's profile changed: name, email, programme, graduation or language "
        "(the full state, so a copy is replaced, never patched).",
    ),
    EventSpec(STUDENT_WITHDRAWN, schemas.StudentWithdrawnV1, "registration", "The student left the CIM."),
    EventSpec(
        STUDENT_ERASURE_REQUESTED,
        privacy.StudentErasureRequestedV1,
        "registration",
        "An admin erased the student's personal data (GDPR art. 17): every service deletes or "
        "pseudonymises what it holds, except what an issued certificate states. It carries "
        "no personal data but the id; a service that was down erases when it returns.",
    ),
    # --- activities ---
    EventSpec(
        ACTIVITY_SUBMITTED, schemas.ActivitySubmittedV1, "activities", "A student logged an activity for approval."
    ),
    EventSpec(
        ACTIVITY_RESUBMITTED,
        schemas.ActivityResubmittedV1,
        "activities",
        "A new version of an activity after the coordinator asked for changes.",
    ),
    EventSpec(
        ACTIVITY_WITHDRAWN,
        schemas.ActivityWithdrawnV1,
        "activities",
        "The student withdrew an activity before it was decided.",
    ),
    # --- approvals ---
    EventSpec(
        ACTIVITY_APPROVED, schemas.ActivityApprovedV1, "approvals", "The coordinator approved a version of an activity."
    ),
    EventSpec(
        ACTIVITY_REJECTED,
        schemas.ActivityRejectedV1,
        "approvals",
        "The coordinator rejected a version of an activity (with the reason).",
    ),
    EventSpec(
        ACTIVITY_CHANGES_REQUESTED,
        schemas.ActivityChangesRequestedV1,
        "approvals",
        "The coordinator asked for changes to a version of an activity (with the reason).",
    ),
    EventSpec(
        ACTIVITY_APPROVAL_WITHDRAWN,
        schemas.ActivityApprovalWithdrawnV1,
        "approvals",
        "An approval was taken back (with the reason). When the student was already "
        "eligible the certificate side must not keep a certificate standing silently: it "
        "flags the certificate for an admin to revoke or keep.",
    ),
    EventSpec(
        REPORT_ACCEPTED, schemas.ReportAcceptedV1, "approvals", "The coordinator accepted the student's final report."
    ),
    EventSpec(
        REPORT_RETURNED,
        schemas.ReportReturnedV1,
        "approvals",
        "The coordinator returned the final report with a reason.",
    ),
    EventSpec(
        STUDENT_ACTIVITY_REQUIREMENT_MET,
        schemas.StudentActivityRequirementMetV1,
        "approvals",
        "The activity requirement is met: the final report and the ceremony open.",
    ),
    EventSpec(
        STUDENT_ELIGIBLE,
        schemas.StudentEligibleV1,
        "approvals",
        "Requirement met, report accepted and presented: the certificate is due.",
    ),
    EventSpec(
        COORDINATOR_UPDATED,
        directory.CoordinatorUpdatedV1,
        "approvals",
        "An admin entered or changed a coordinator of the directory: programmes, email, leave "
        "and substitute (the full entry, so a copy is replaced, never patched).",
    ),
    # --- ceremony ---
    EventSpec(CEREMONY_SCHEDULED, outcome_schemas.CeremonyScheduledV1, "ceremony", "A CIM ceremony was scheduled."),
    EventSpec(CEREMONY_BOOKED, outcome_schemas.CeremonyBookedV1, "ceremony", "A student booked a place at a ceremony."),
    EventSpec(
        CEREMONY_CANCELLED,
        outcome_schemas.CeremonyCancelledV1,
        "ceremony",
        "A ceremony was cancelled; its bookings lapse.",
    ),
    EventSpec(
        CEREMONY_CHANGED,
        booking_schemas.CeremonyChangedV1,
        "ceremony",
        "A coordinator changed a ceremony's time, place or capacity.",
    ),
    EventSpec(
        BOOKING_WAITLISTED,
        booking_schemas.BookingWaitlistedV1,
        "ceremony",
        "A student asked for a place at a full ceremony and is on its waiting list.",
    ),
    EventSpec(
        BOOKING_PROMOTED,
        booking_schemas.BookingPromotedV1,
        "ceremony",
        "A place freed and the first student in line got it.",
    ),
    EventSpec(
        BOOKING_CHANGED,
        booking_schemas.BookingChangedV1,
        "ceremony",
        "The time or place of a ceremony a student is booked at changed: one per booked student.",
    ),
    EventSpec(
        BOOKING_CANCELLED,
        booking_schemas.BookingCancelledV1,
        "ceremony",
        "A booking or waiting place ended before the ceremony: the student cancelled it, "
        "or the ceremony was cancelled (one per student on it).",
    ),
    EventSpec(
        REPORT_SUBMITTED,
        outcome_schemas.ReportSubmittedV1,
        "ceremony",
        "The student uploaded a version of the final report.",
    ),
    EventSpec(
        PRESENTATION_RECORDED,
        outcome_schemas.PresentationRecordedV1,
        "ceremony",
        "The coordinator recorded the student's oral presentation at a ceremony.",
    ),
    EventSpec(
        PRESENTATION_MISSED,
        booking_schemas.PresentationMissedV1,
        "ceremony",
        "The coordinator recorded that a booked student did not present (a no-show): "
        "the booking is closed and the student books again.",
    ),
    # --- certificates ---
    EventSpec(
        CERTIFICATE_ISSUED,
        outcome_schemas.CertificateIssuedV1,
        "certificates",
        "A certificate was issued, or re-issued as a new version.",
    ),
    EventSpec(
        CERTIFICATE_REVOKED,
        outcome_schemas.CertificateRevokedV1,
        "certificates",
        "A certificate was revoked with a reason.",
    ),
    EventSpec(
        DIPLOMA_SUPPLEMENT_RECORDED,
        outcome_schemas.DiplomaSupplementRecordedV1,
        "certificates",
        "The Diploma Supplement line (section 6.1) for student records, English and "
        "Swedish; published again on a re-issue.",
    ),
    # --- campus (the edge's translations of campus systems' events) ---
    EventSpec(
        ENROLMENT_REPORTED,
        campus.EnrolmentReportedV1,
        "campus",
        "The learning platform enrolled a person in the CIM course: register them, as if "
        "they had registered themselves (nothing when they already are).",
    ),
    EventSpec(
        UNENROLMENT_REPORTED,
        campus.UnenrolmentReportedV1,
        "campus",
        "The learning platform unenrolled a registered student: they withdraw from the CIM.",
    ),
    EventSpec(
        EXCHANGE_REPORTED,
        campus.ExchangeReportedV1,
        "campus",
        "The mobility office reports a completed exchange: an activity in the student's "
        "portfolio, verified by the mobility office, for the coordinator to decide.",
    ),
    EventSpec(
        ATTENDANCE_REPORTED,
        campus.AttendanceReportedV1,
        "campus",
        "The events office reports attendance: a session on the student's activity of that "
        "type, created when missing, verified by the events office.",
    ),
    EventSpec(
        DEGREE_REPORTED,
        campus.DegreeReportedV1,
        "campus",
        "Student records conferred a degree: the Diploma Supplement line for that degree.",
    ),
    EventSpec(
        LEGAL_NAME_REPORTED,
        campus.LegalNameReportedV1,
        "campus",
        "Student records changed a student's legal name: the profile follows (and a valid "
        "certificate is re-issued under the new name).",
    ),
)

SPECS: dict[str, EventSpec] = {spec.type: spec for spec in EVENTS}
EVENT_SCHEMAS: dict[str, type[Schema]] = {spec.type: spec.schema for spec in EVENTS}
# Which service publishes each event, to the exchange `exchange_name(producer)`.
PRODUCERS: dict[str, str] = {spec.type: spec.producer for spec in EVENTS}

# nameko's convention names a service's exchange `<service>.events`; for the campus edge that is
# `campus.events`, the events office's inbound exchange, so the edge publishes elsewhere.
EXCHANGE_EXCEPTIONS = {"campus": "campus-edge.events"}


def exchange_name(producer: str) -> str:
    return EXCHANGE_EXCEPTIONS.get(producer, f"{producer}.events")


# `from shared.events import *` gives the type constants and the catalogue.
__all__ = [
    name for name, value in list(globals().items()) if name.isupper() and isinstance(value, str) and "." in value
]
__all__ += ["EVENTS", "SPECS", "EVENT_SCHEMAS", "PRODUCERS", "EventSpec", "exchange_name"]
