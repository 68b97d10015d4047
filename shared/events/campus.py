"""The data of the events the campus edge publishes: campus reports in the owners' own words.

Each carries `reported_by`, the CloudEvents `source` of the system that reported it, so the owner
can say where a fact came from (an activity "verified by the mobility office").
"""

from marshmallow import fields, validate

from shared.events.schemas import LANGUAGES, EventData


def _about(text: str) -> dict:
    return {"description": text}


REPORTED_BY = _about(
    "The CloudEvents `source` of the campus system that reported it, e.g. the learning platform's URI."
)
STUDENT_ID = _about("The CIM student id (registration's), resolved by the edge from the campus `student_ref`.")


class EnrolmentReportedV1(EventData):
    issuer = fields.String(
        required=True,
        metadata=_about("The identity provider the subject belongs to (the edge's configured campus issuer)."),
    )
    subject = fields.String(
        required=True,
        metadata=_about("The person's subject (`sub`) at that identity provider: the campus `student_ref`."),
    )
    name = fields.String(required=True, metadata=_about("The legal name, as the learning platform holds it."))
    email = fields.String(required=True, metadata=_about("The address messages go to."))
    programme = fields.String(required=True, metadata=_about("The study programme's code, e.g. `MBIOM`."))
    expected_graduation = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{4}-\d{2}$"),
        metadata=_about("Expected graduation month, `YYYY-MM`."),
    )
    language = fields.String(
        required=True,
        validate=validate.OneOf(LANGUAGES),
        metadata=_about("The language of the student's messages and certificate: `en` or `sv`."),
    )
    enrolled_at = fields.AwareDateTime(
        required=True, metadata=_about("When the learning platform enrolled the person in the CIM course.")
    )
    reported_by = fields.String(required=True, metadata=REPORTED_BY)


class ReportAboutStudent(EventData):
    student_id = fields.String(required=True, metadata=STUDENT_ID)
    reported_by = fields.String(required=True, metadata=REPORTED_BY)


class UnenrolmentReportedV1(ReportAboutStudent):
    unenrolled_at = fields.AwareDateTime(
        required=True, metadata=_about("When the learning platform unenrolled the student from the CIM course.")
    )


class ExchangeReportedV1(ReportAboutStudent):
    mobility_id = fields.String(
        required=True, metadata=_about("The mobility office's id of the exchange: one activity per id.")
    )
    kind = fields.String(
        required=True,
        metadata=_about("The activity type: `exchange_semester`, `summer_course` or `degree_project_abroad`."),
    )
    host_institution = fields.String(required=True, metadata=_about("Where the student went."))
    country = fields.String(required=True, metadata=_about("ISO 3166-1 alpha-2 code."))
    start_date = fields.Date(required=True, metadata=_about("First day abroad."))
    end_date = fields.Date(required=True, metadata=_about("Last day abroad."))


class AttendanceReportedV1(ReportAboutStudent):
    event_ref = fields.String(
        required=True, metadata=_about("The events office's id of the occasion attended: one session per id.")
    )
    activity_type = fields.String(
        required=True,
        metadata=_about(
            "The activity type the session counts for: `language_cafe`, `international_lectures` or `buddy_mentor`."
        ),
    )
    title = fields.String(required=True, metadata=_about("The occasion's title."))
    date = fields.Date(required=True, metadata=_about("The day attended."))
    location_kind = fields.String(required=True, metadata=_about("`sweden` or `digital`."))


class DegreeReportedV1(ReportAboutStudent):
    degree_ref = fields.String(required=True, metadata=_about("Student records' id of the degree."))
    programme = fields.String(required=True, metadata=_about("The degree's programme code."))
    conferred_on = fields.Date(required=True, metadata=_about("The day the degree was conferred."))


class LegalNameReportedV1(ReportAboutStudent):
    legal_name = fields.String(required=True, metadata=_about("The new legal name."))
    effective_at = fields.AwareDateTime(
        required=True, metadata=_about("From when the new name holds, as student records say.")
    )
