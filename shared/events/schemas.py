"""The payload schemas of the integration events (the spec of each is in `catalogue.py`).

Within a major version changes are additive only (readers ignore fields they do not know); a
breaking change is a new `.v2`. Committed snapshots in tests/contract/ keep this honest.
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
    # Who signs in as this student: what campus systems name them by (their `student_ref`).
    issuer = fields.String(load_default=None, allow_none=True)
    subject = fields.String(load_default=None, allow_none=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    programme = fields.Nested(ProgrammeData, required=True)
    expected_graduation = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))


class StudentRegisteredV1(StudentData):
    registered_at = fields.AwareDateTime(required=True)


class StudentUpdatedV1(StudentData):
    updated_at = fields.AwareDateTime(required=True)


class StudentWithdrawnV1(EventData):
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
    submitted_at = fields.AwareDateTime(required=True)


class ActivityResubmittedV1(ActivityData):
    submitted_at = fields.AwareDateTime(required=True)


class ActivityWithdrawnV1(EventData):
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
    pass


class ActivityRejectedV1(DecisionData):
    pass


class ActivityChangesRequestedV1(DecisionData):
    pass


class ActivityApprovalWithdrawnV1(EventData):
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
    pass


class ReportReturnedV1(ReportDecisionData):
    pass


class StudentActivityRequirementMetV1(EventData):
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
    pass


class CeremonyBookedV1(EventData):
    booking_id = fields.String(required=True)
    ceremony = fields.Nested(CeremonyData, required=True)
    student_id = fields.String(required=True)
    booked_at = fields.AwareDateTime(required=True)


class CeremonyCancelledV1(EventData):
    ceremony_id = fields.String(required=True)
    reason = fields.String(required=True)
    cancelled_at = fields.AwareDateTime(required=True)


class ReportSubmittedV1(EventData):
    student_id = fields.String(required=True)
    report_id = fields.String(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class PresentationRecordedV1(EventData):
    student_id = fields.String(required=True)
    ceremony_id = fields.String(required=True)
    ceremony_date = fields.Date(required=True)
    recorded_by = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)


# --- certificates -------------------------------------------------------------------------

class CertificateIssuedV1(EventData):
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
    certificate_id = fields.String(required=True)
    code = fields.String(required=True)
    student_id = fields.String(required=True)
    reason = fields.String(required=True)
    revoked_at = fields.AwareDateTime(required=True)


class DiplomaSupplementRecordedV1(EventData):
    student_id = fields.String(required=True)
    certificate_code = fields.String(required=True)
    section = fields.String(required=True)
    text_en = fields.String(required=True)
    text_sv = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)
