"""The payload schemas of the ceremony's and the certificates' events (the rest are in
`schemas.py`; the spec of each event is in `catalogue.py`)."""

from marshmallow import fields, validate

from shared.events.schemas import (  # noqa: F401
    EventData,
    LANGUAGES,
    _CEREMONY_DATE,
    _CEREMONY_ID,
    _CODE,
    _STUDENT_ID,
)


# --- ceremony -----------------------------------------------------------------------------


class CeremonyData(EventData):
    ceremony_id = fields.String(required=True, metadata={"description": _CEREMONY_ID})
    title = fields.String(
        required=True,
        metadata={"description": "The ceremony's title, as the coordinator or admin who scheduled it wrote it."},
    )
    starts_at = fields.AwareDateTime(
        required=True, metadata={"description": "When it begins, with the UTC offset the organiser gave (not UTC)."}
    )
    location = fields.String(
        required=True, metadata={"description": "Where it is held, as the organiser wrote it (free text)."}
    )
    capacity = fields.Integer(
        required=True, metadata={"description": "How many students may book a place (at least 1)."}
    )
    language = fields.String(
        required=True,
        validate=validate.OneOf(LANGUAGES),
        metadata={"description": "The language the ceremony is held in: `en` or `sv`."},
    )


class CeremonyScheduledV1(CeremonyData):
    pass


class CeremonyBookedV1(EventData):
    booking_id = fields.String(
        required=True, metadata={"description": "The booking's id: a UUID the ceremony service assigns."}
    )
    ceremony = fields.Nested(
        CeremonyData,
        required=True,
        metadata={"description": "The booked ceremony as it stood at booking (its full state)."},
    )
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    booked_at = fields.AwareDateTime(required=True, metadata={"description": "When the student booked the place."})


class CeremonyCancelledV1(EventData):
    ceremony_id = fields.String(required=True, metadata={"description": _CEREMONY_ID})
    reason = fields.String(
        required=True, metadata={"description": "Why, in the words of the coordinator or admin who cancelled it."}
    )
    cancelled_at = fields.AwareDateTime(required=True, metadata={"description": "When the ceremony was cancelled."})


class ReportSubmittedV1(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    report_id = fields.String(
        required=True,
        metadata={"description": "This submission's id: a UUID; a resubmission after a return has a new one."},
    )
    filename = fields.String(
        required=True, metadata={"description": "The uploaded file's name, without any directory part."}
    )
    size = fields.Integer(required=True, metadata={"description": "The PDF's size in bytes."})
    sha256 = fields.String(
        required=True, metadata={"description": "The SHA-256 of the PDF's bytes: 64 lower-case hex digits."}
    )
    submitted_at = fields.AwareDateTime(
        required=True, metadata={"description": "When the student uploaded the report."}
    )


class PresentationRecordedV1(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    ceremony_id = fields.String(required=True, metadata={"description": _CEREMONY_ID})
    ceremony_date = fields.Date(required=True, metadata={"description": _CEREMONY_DATE})
    recorded_by = fields.String(
        required=True, metadata={"description": "The sign-in subject of the coordinator or admin who recorded it."}
    )
    recorded_at = fields.AwareDateTime(required=True, metadata={"description": "When the presentation was recorded."})


# --- certificates -------------------------------------------------------------------------


class CertificateIssuedV1(EventData):
    certificate_id = fields.String(
        required=True, metadata={"description": "This version's id: a UUID; each version of a certificate has its own."}
    )
    code = fields.String(required=True, metadata={"description": _CODE})
    version = fields.Integer(
        required=True,
        metadata={
            "description": "1 for the student's first certificate, one more for each later one (a "
            "re-issue, or a new certificate after a revocation)."
        },
    )
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    programme = fields.String(
        required=True, metadata={"description": "The code of the programme the certificate is for."}
    )
    verify_url = fields.String(
        required=True,
        metadata={"description": "The public page that verifies this code: `<CIM_PUBLIC_BASE_URL>/verify/<code>`."},
    )
    issued_at = fields.AwareDateTime(required=True, metadata={"description": "When this version was issued."})
    supersedes = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "On a re-issue, the code of the version this one replaces; null on a first issue."},
    )
    reissue_reason = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "On a re-issue, why (a corrected legal name, or the admin's reason); null on a first issue."
        },
    )


class CertificateRevokedV1(EventData):
    certificate_id = fields.String(required=True, metadata={"description": "The revoked version's id."})
    code = fields.String(required=True, metadata={"description": _CODE})
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    reason = fields.String(
        required=True, metadata={"description": "The admin's reason; the public verification page shows it."}
    )
    revoked_at = fields.AwareDateTime(required=True, metadata={"description": "When the certificate was revoked."})


class DiplomaSupplementRecordedV1(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    certificate_code = fields.String(
        required=True, metadata={"description": "The verification code of the certificate version the line describes."}
    )
    section = fields.String(
        required=True,
        metadata={"description": "The Diploma Supplement section: always `6.1` (additional information)."},
    )
    text_en = fields.String(
        required=True,
        metadata={
            "description": "The line in English: the certificate and its code, then each counted "
            "activity's supplement sentence, title, place and dates."
        },
    )
    text_sv = fields.String(required=True, metadata={"description": "The same line in Swedish."})
    recorded_at = fields.AwareDateTime(
        required=True, metadata={"description": "When the line was written (again on each re-issue)."}
    )
    degree_ref = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Student records' id of the conferred degree the line is sent for; null "
            "while no degree has been reported."
        },
    )
