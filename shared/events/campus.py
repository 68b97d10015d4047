"""The data of the events the campus edge publishes: campus reports in the owners' own words.

Each carries `reported_by`, the CloudEvents `source` of the system that reported it, so the owner
can say where a fact came from (an activity "verified by the mobility office").
"""
from marshmallow import fields, validate

from shared.events.schemas import LANGUAGES, EventData

REPORTED_BY = {"description": "the CloudEvents source of the campus system that reported it"}


class EnrolmentReportedV1(EventData):
    issuer = fields.String(required=True, metadata={
        "description": "the identity provider the subject belongs to"})
    subject = fields.String(required=True, metadata={
        "description": "the person's subject at that identity provider (campus student_ref)"})
    name = fields.String(required=True, metadata={"description": "legal name"})
    email = fields.String(required=True)
    programme = fields.String(required=True, metadata={"description": "programme code"})
    expected_graduation = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    enrolled_at = fields.AwareDateTime(required=True)
    reported_by = fields.String(required=True, metadata=REPORTED_BY)


class ReportAboutStudent(EventData):
    student_id = fields.String(required=True)
    reported_by = fields.String(required=True, metadata=REPORTED_BY)


class UnenrolmentReportedV1(ReportAboutStudent):
    unenrolled_at = fields.AwareDateTime(required=True)


class ExchangeReportedV1(ReportAboutStudent):
    mobility_id = fields.String(required=True, metadata={
        "description": "the mobility office's id of the exchange (one activity per id)"})
    kind = fields.String(required=True, metadata={"description": "the activity type code"})
    host_institution = fields.String(required=True)
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2"})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)


class AttendanceReportedV1(ReportAboutStudent):
    event_ref = fields.String(required=True, metadata={
        "description": "the events office's id of the occasion (one session per id)"})
    activity_type = fields.String(required=True, metadata={"description": "the activity type code"})
    title = fields.String(required=True)
    date = fields.Date(required=True)
    location_kind = fields.String(required=True, metadata={"description": "sweden or digital"})


class DegreeReportedV1(ReportAboutStudent):
    degree_ref = fields.String(required=True, metadata={"description": "student records' id"})
    programme = fields.String(required=True)
    conferred_on = fields.Date(required=True)


class LegalNameReportedV1(ReportAboutStudent):
    legal_name = fields.String(required=True)
    effective_at = fields.AwareDateTime(required=True)
