"""The event catalogue: one marshmallow schema per integration event.

Naming is `<subject>.<past verb>.v<major>`. Within a major version changes are additive only
(readers ignore fields they do not know); a breaking change is a new `.v2`. Committed snapshots
in tests/contract/ keep this honest. Each entry says: producer -> consumers, and what it means.
"""
from marshmallow import EXCLUDE, Schema, fields, validate

LOCATION_KINDS = ("sweden", "abroad", "digital")
LANGUAGES = ("en", "sv")


class EventData(Schema):
    class Meta:
        unknown = EXCLUDE
        ordered = True


class ProgrammeData(EventData):
    code = fields.String(required=True)
    name_en = fields.String(required=True)
    name_sv = fields.String(required=True)


class LocationData(EventData):
    kind = fields.String(required=True, validate=validate.OneOf(LOCATION_KINDS))
    country = fields.String(load_default=None, allow_none=True)


class ActivityTypeData(EventData):
    code = fields.String(required=True)
    name_en = fields.String(required=True)
    name_sv = fields.String(required=True)
    sessions_required = fields.Integer(required=True, validate=validate.Range(min=1))
    supplement_en = fields.String(required=True)
    supplement_sv = fields.String(required=True)


class SessionData(EventData):
    session_id = fields.String(required=True)
    date = fields.Date(required=True)
    title = fields.String(required=True)


# --- registration -------------------------------------------------------------------------

class StudentData(EventData):
    student_id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    programme = fields.Nested(ProgrammeData, required=True)
    expected_graduation = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class StudentRegisteredV1(StudentData):
    """registration -> approvals, notifications, certificates: a student joined the CIM."""
    registered_at = fields.AwareDateTime(required=True)


class StudentUpdatedV1(StudentData):
    """registration -> approvals, notifications, certificates: the profile changed (full state)."""
    updated_at = fields.AwareDateTime(required=True)


class StudentWithdrawnV1(EventData):
    """registration -> approvals, notifications: the student left the CIM."""
    student_id = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


# --- activities ---------------------------------------------------------------------------

class ActivityData(EventData):
    activity_id = fields.String(required=True)
    student_id = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    activity_type = fields.Nested(ActivityTypeData, required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    location = fields.Nested(LocationData, required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    sessions = fields.List(fields.Nested(SessionData), load_default=list)


class ActivitySubmittedV1(ActivityData):
    """activities -> approvals: a student logged an activity for approval."""
    submitted_at = fields.AwareDateTime(required=True)


class ActivityResubmittedV1(ActivityData):
    """activities -> approvals: a new version after changes were requested."""
    submitted_at = fields.AwareDateTime(required=True)


class ActivityWithdrawnV1(EventData):
    """activities -> approvals: the student withdrew an activity before a decision."""
    activity_id = fields.String(required=True)
    student_id = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


# --- approvals ----------------------------------------------------------------------------

class DecisionData(EventData):
    activity_id = fields.String(required=True)
    student_id = fields.String(required=True)
    version = fields.Integer(required=True)
    decided_by = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)
    comment = fields.String(load_default=None, allow_none=True)


class ActivityApprovedV1(DecisionData):
    """approvals -> activities, notifications: the coordinator approved an activity."""


class ActivityRejectedV1(DecisionData):
    """approvals -> activities, notifications: the coordinator rejected an activity (reason given)."""


class ActivityChangesRequestedV1(DecisionData):
    """approvals -> activities, notifications: the coordinator asked for changes (reason given)."""


class ActivityApprovalWithdrawnV1(EventData):
    """approvals -> activities, notifications, certificates: an approval was taken back (reason given).

    When the student was already eligible the certificate side must not keep a certificate
    standing silently: it flags the certificate for an admin to revoke or keep.
    """
    activity_id = fields.String(required=True)
    student_id = fields.String(required=True)
    version = fields.Integer(required=True)
    withdrawn_by = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True)
    activity_requirement_met = fields.Boolean(required=True)  # after the withdrawal
    was_eligible = fields.Boolean(required=True)


class ReportDecisionData(EventData):
    student_id = fields.String(required=True)
    report_id = fields.String(required=True)
    decided_by = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)
    comment = fields.String(load_default=None, allow_none=True)


class ReportAcceptedV1(ReportDecisionData):
    """approvals -> ceremony, notifications: the final report was accepted."""


class ReportReturnedV1(ReportDecisionData):
    """approvals -> ceremony, notifications: the final report was returned with a reason."""


class StudentActivityRequirementMetV1(EventData):
    """approvals -> ceremony, notifications: the activity requirement is met (report and ceremony open)."""
    student_id = fields.String(required=True)
    programme = fields.String(required=True)
    rule_set = fields.String(required=True)
    rule_set_version = fields.Integer(load_default=None, allow_none=True)
    activity_ids = fields.List(fields.String(), required=True)
    met_at = fields.AwareDateTime(required=True)


class CountedActivityData(EventData):
    activity_id = fields.String(required=True)
    activity_type = fields.Nested(ActivityTypeData, required=True)
    title = fields.String(required=True)
    location = fields.Nested(LocationData, required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)


class CeremonyRefData(EventData):
    ceremony_id = fields.String(required=True)
    date = fields.Date(required=True)


class StudentEligibleV1(EventData):
    """approvals -> certificates, notifications: requirement met, report accepted, presented."""
    student_id = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    programme = fields.Nested(ProgrammeData, required=True)
    rule_set = fields.String(required=True)
    rule_set_version = fields.Integer(required=True)
    activities = fields.List(fields.Nested(CountedActivityData), required=True)
    ceremony = fields.Nested(CeremonyRefData, required=True)
    eligible_at = fields.AwareDateTime(required=True)


# --- ceremony -----------------------------------------------------------------------------

class CeremonyData(EventData):
    ceremony_id = fields.String(required=True)
    title = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    location = fields.String(required=True)
    capacity = fields.Integer(required=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class CeremonyScheduledV1(CeremonyData):
    """ceremony -> notifications: a CIM ceremony was scheduled."""


class CeremonyBookedV1(EventData):
    """ceremony -> notifications: a student booked a place at a ceremony."""
    booking_id = fields.String(required=True)
    ceremony = fields.Nested(CeremonyData, required=True)
    student_id = fields.String(required=True)
    booked_at = fields.AwareDateTime(required=True)


class CeremonyCancelledV1(EventData):
    """ceremony -> notifications: a ceremony was cancelled; its bookings lapse."""
    ceremony_id = fields.String(required=True)
    reason = fields.String(required=True)
    cancelled_at = fields.AwareDateTime(required=True)


class ReportSubmittedV1(EventData):
    """ceremony -> approvals: the student uploaded the final report."""
    student_id = fields.String(required=True)
    report_id = fields.String(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class PresentationRecordedV1(EventData):
    """ceremony -> approvals: the coordinator recorded the student's oral presentation."""
    student_id = fields.String(required=True)
    ceremony_id = fields.String(required=True)
    ceremony_date = fields.Date(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)


# --- certificates -------------------------------------------------------------------------

class CertificateIssuedV1(EventData):
    """certificates -> notifications, campus: a certificate was issued (or re-issued)."""
    certificate_id = fields.String(required=True)
    code = fields.String(required=True)
    version = fields.Integer(required=True)
    student_id = fields.String(required=True)
    programme = fields.String(required=True)
    verify_url = fields.String(required=True)
    issued_at = fields.AwareDateTime(required=True)
    # A re-issue: the code of the version this one supersedes, and why it was re-issued.
    supersedes = fields.String(load_default=None, allow_none=True)
    reissue_reason = fields.String(load_default=None, allow_none=True)


class CertificateRevokedV1(EventData):
    """certificates -> notifications, campus: a certificate was revoked with a reason."""
    certificate_id = fields.String(required=True)
    code = fields.String(required=True)
    student_id = fields.String(required=True)
    reason = fields.String(required=True)
    revoked_at = fields.AwareDateTime(required=True)


class DiplomaSupplementRecordedV1(EventData):
    """certificates -> student records: the section 6.1 line, English and Swedish."""
    student_id = fields.String(required=True)
    certificate_code = fields.String(required=True)
    section = fields.String(required=True)
    text_en = fields.String(required=True)
    text_sv = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)


EVENT_SCHEMAS = {
    "student.registered.v1": StudentRegisteredV1,
    "student.updated.v1": StudentUpdatedV1,
    "student.withdrawn.v1": StudentWithdrawnV1,
    "activity.submitted.v1": ActivitySubmittedV1,
    "activity.resubmitted.v1": ActivityResubmittedV1,
    "activity.withdrawn.v1": ActivityWithdrawnV1,
    "activity.approved.v1": ActivityApprovedV1,
    "activity.rejected.v1": ActivityRejectedV1,
    "activity.changes_requested.v1": ActivityChangesRequestedV1,
    "activity.approval_withdrawn.v1": ActivityApprovalWithdrawnV1,
    "report.accepted.v1": ReportAcceptedV1,
    "report.returned.v1": ReportReturnedV1,
    "student.activity_requirement_met.v1": StudentActivityRequirementMetV1,
    "student.eligible.v1": StudentEligibleV1,
    "ceremony.scheduled.v1": CeremonyScheduledV1,
    "ceremony.booked.v1": CeremonyBookedV1,
    "ceremony.cancelled.v1": CeremonyCancelledV1,
    "report.submitted.v1": ReportSubmittedV1,
    "presentation.recorded.v1": PresentationRecordedV1,
    "certificate.issued.v1": CertificateIssuedV1,
    "certificate.revoked.v1": CertificateRevokedV1,
    "diploma_supplement.recorded.v1": DiplomaSupplementRecordedV1,
}

# Which service publishes each event: the exchange is "<producer>.events" (nameko's convention).
PRODUCERS = {
    "student.registered.v1": "registration",
    "student.updated.v1": "registration",
    "student.withdrawn.v1": "registration",
    "activity.submitted.v1": "activities",
    "activity.resubmitted.v1": "activities",
    "activity.withdrawn.v1": "activities",
    "activity.approved.v1": "approvals",
    "activity.rejected.v1": "approvals",
    "activity.changes_requested.v1": "approvals",
    "activity.approval_withdrawn.v1": "approvals",
    "report.accepted.v1": "approvals",
    "report.returned.v1": "approvals",
    "student.activity_requirement_met.v1": "approvals",
    "student.eligible.v1": "approvals",
    "ceremony.scheduled.v1": "ceremony",
    "ceremony.booked.v1": "ceremony",
    "ceremony.cancelled.v1": "ceremony",
    "report.submitted.v1": "ceremony",
    "presentation.recorded.v1": "ceremony",
    "certificate.issued.v1": "certificates",
    "certificate.revoked.v1": "certificates",
    "diploma_supplement.recorded.v1": "certificates",
}
