"""The payload schemas of the integration events (the spec of each is in `catalogue.py`).

Within a major version changes are additive only (readers ignore fields they do not know); a
breaking change is a new `.v2`. Committed snapshots in tests/contract/ keep this honest. Every
field says what it holds in `metadata["description"]`; `cim docs` prints it in docs/events.md.
Times are ISO 8601 with their offset (UTC unless a field says otherwise), dates ISO 8601 days.
"""

from marshmallow import EXCLUDE, Schema, fields, validate

LOCATION_KINDS = ("sweden", "abroad", "digital")
LANGUAGES = ("en", "sv")

# Descriptions of fields that several events carry, so each is worded once.
_STUDENT_ID = (
    "The student's CIM id: a UUID registration assigns at the first registration and "
    "keeps if the student registers again."
)
_NAME = "The student's legal name as registered (personal data); the certificate prints it."
_EMAIL = "The student's email address (personal data); notifications write to it."
_LANGUAGE = "The language the student is written to in: `en` or `sv`, the student's choice."
_PROGRAMME = "The study programme the student is enrolled in, with its names."
_PROGRAMME_CODE = "The code of the student's study programme (registration's list, e.g. `MBIOM`)."
_ACTIVITY_ID = "The activity's id: a UUID activities assigns when the student logs it, the same for all its versions."
_ACTIVITY_TYPE = "The catalogue entry of the activity's type as it stood when this version was submitted."
_ACTIVITY_TITLE = "The student's own title for the activity."
_LOCATION = "Where the activity took place."
_START_DATE = "The first day of the activity."
_END_DATE = "The last day of the activity (never before `start_date`)."
_DECIDED_BY = "The sign-in subject (the token's `sub`) of the coordinator or admin who decided."
_DECIDED_AT = "When the decision was made."
_RULE_SET = (
    "The name of the rule set applied: `standard`, or `digital-substitution-2022` for students graduating in 2022."
)
_CEREMONY_ID = "The ceremony's id: a UUID the ceremony service assigns when it is scheduled."
_CEREMONY_DATE = "The ceremony's date in the ceremony's own time zone (the day the organiser gave, not the UTC one)."
_CODE = "The certificate version's verification code: 26 characters of base32 (`A-Z`, `2-7`); each version has its own."


class EventData(Schema):
    class Meta:
        unknown = EXCLUDE
        ordered = True


class ProgrammeData(EventData):
    code = fields.String(required=True, metadata={"description": _PROGRAMME_CODE})
    name_en = fields.String(
        required=True, metadata={"description": "The programme's name in English, as the certificate prints it."}
    )
    name_sv = fields.String(
        required=True, metadata={"description": "The programme's name in Swedish, as the certificate prints it."}
    )


class LocationData(EventData):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(LOCATION_KINDS),
        metadata={"description": "`sweden`, `abroad` or `digital`: one kind per activity."},
    )
    country = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "ISO 3166-1 alpha-2 country code (e.g. `DE`): `SE` for `sweden`, always "
            "set for `abroad`, null for `digital` unless the student gave one."
        },
    )


class ActivityTypeData(EventData):
    code = fields.String(
        required=True,
        metadata={
            "description": "The type's catalogue code (lower-case letters, digits and `_`, e.g. "
            "`language_cafe`); it never changes once made."
        },
    )
    name_en = fields.String(required=True, metadata={"description": "The type's name in English."})
    name_sv = fields.String(required=True, metadata={"description": "The type's name in Swedish."})
    sessions_required = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "How many approved sessions an activity of this type needs to count: 1 for "
            "a one-off activity, 2 or more for a repeated-attendance type."
        },
    )
    supplement_en = fields.String(
        required=True,
        metadata={"description": "The neutral sentence the type adds to the Diploma Supplement, in English."},
    )
    supplement_sv = fields.String(
        required=True,
        metadata={"description": "The neutral sentence the type adds to the Diploma Supplement, in Swedish."},
    )


class SessionData(EventData):
    session_id = fields.String(
        required=True, metadata={"description": "The session's id: a UUID activities assigns when it is recorded."}
    )
    date = fields.Date(required=True, metadata={"description": "The day the student attended."})
    title = fields.String(
        required=True, metadata={"description": "What the session was, in the student's words (a lecture's title)."}
    )


# --- registration -------------------------------------------------------------------------


class StudentData(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    issuer = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The identity provider the student signs in with; with `subject`, what "
            "campus systems name the student by. Null in events before 2026-12."
        },
    )
    subject = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The student's subject (`sub`) at that identity provider: the "
            "`student_ref` of campus events."
        },
    )
    name = fields.String(required=True, metadata={"description": _NAME})
    email = fields.String(required=True, metadata={"description": _EMAIL})
    programme = fields.Nested(ProgrammeData, required=True, metadata={"description": _PROGRAMME})
    expected_graduation = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{4}-\d{2}$"),
        metadata={
            "description": "The month the student expects to graduate, `YYYY-MM`; its year chooses the rule set."
        },
    )
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES), metadata={"description": _LANGUAGE})


class StudentRegisteredV1(StudentData):
    registered_at = fields.AwareDateTime(
        required=True,
        metadata={"description": "When the student registered (again, after a withdrawal: the new time)."},
    )


class StudentUpdatedV1(StudentData):
    updated_at = fields.AwareDateTime(
        required=True, metadata={"description": "When registration recorded the change; a copy keeps the newest state."}
    )


class StudentWithdrawnV1(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    withdrawn_at = fields.AwareDateTime(required=True, metadata={"description": "When the student left the CIM."})
    reason = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Why, in the student's words, when they gave a reason (POST /v1/me/withdrawal)."},
    )


# --- activities ---------------------------------------------------------------------------


class ActivityData(EventData):
    activity_id = fields.String(required=True, metadata={"description": _ACTIVITY_ID})
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "This version's number: 1 when logged, one more on each resubmission or added session."
        },
    )
    activity_type = fields.Nested(ActivityTypeData, required=True, metadata={"description": _ACTIVITY_TYPE})
    title = fields.String(required=True, metadata={"description": _ACTIVITY_TITLE})
    description = fields.String(required=True, metadata={"description": "The student's own account of what they did."})
    location = fields.Nested(LocationData, required=True, metadata={"description": _LOCATION})
    start_date = fields.Date(required=True, metadata={"description": _START_DATE})
    end_date = fields.Date(required=True, metadata={"description": _END_DATE})
    sessions = fields.List(
        fields.Nested(SessionData),
        load_default=list,
        metadata={
            "description": "The attended sessions recorded so far, oldest first; empty unless the "
            "type is repeated-attendance."
        },
    )
    verified_by = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The CloudEvents source of the campus system that reported and so "
            "verified this activity (the mobility or events office); null when the "
            "student logged it."
        },
    )


class ActivitySubmittedV1(ActivityData):
    submitted_at = fields.AwareDateTime(
        required=True, metadata={"description": "When the student logged the activity."}
    )


class ActivityResubmittedV1(ActivityData):
    submitted_at = fields.AwareDateTime(
        required=True, metadata={"description": "When this version was submitted (corrected, or a session added)."}
    )


class ActivityWithdrawnV1(EventData):
    activity_id = fields.String(required=True, metadata={"description": _ACTIVITY_ID})
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    withdrawn_at = fields.AwareDateTime(
        required=True, metadata={"description": "When the student withdrew the activity."}
    )


# --- approvals ----------------------------------------------------------------------------


class DecisionData(EventData):
    activity_id = fields.String(required=True, metadata={"description": _ACTIVITY_ID})
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    version = fields.Integer(
        required=True, metadata={"description": "The activity version decided on; the decision counts for it only."}
    )
    decided_by = fields.String(required=True, metadata={"description": _DECIDED_BY})
    decided_at = fields.AwareDateTime(required=True, metadata={"description": _DECIDED_AT})
    comment = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The decider's reason, shown to the student: always set on a rejection or "
            "a change request; null on an approval given without one."
        },
    )


class ActivityApprovedV1(DecisionData):
    pass


class ActivityRejectedV1(DecisionData):
    pass


class ActivityChangesRequestedV1(DecisionData):
    pass


class ActivityApprovalWithdrawnV1(EventData):
    activity_id = fields.String(required=True, metadata={"description": _ACTIVITY_ID})
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    version = fields.Integer(
        required=True,
        metadata={
            "description": "The activity's latest version, which the withdrawal closes (with any "
            "newer version still waiting for a decision)."
        },
    )
    withdrawn_by = fields.String(
        required=True, metadata={"description": "The sign-in subject of the coordinator or admin who withdrew it."}
    )
    withdrawn_at = fields.AwareDateTime(required=True, metadata={"description": "When the approval was withdrawn."})
    reason = fields.String(
        required=True, metadata={"description": "Why, in the words of the one who withdrew it; shown to the student."}
    )
    activity_requirement_met = fields.Boolean(
        required=True, metadata={"description": "Whether the student still meets the activity requirement afterwards."}
    )
    was_eligible = fields.Boolean(
        required=True,
        metadata={
            "description": "Whether the student was already eligible (a certificate may stand: "
            "certificates then flags it for an admin to revoke or keep)."
        },
    )


class ReportDecisionData(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    report_id = fields.String(
        required=True,
        metadata={"description": "The id of the report submission decided on (from report.submitted.v1)."},
    )
    decided_by = fields.String(required=True, metadata={"description": _DECIDED_BY})
    decided_at = fields.AwareDateTime(required=True, metadata={"description": _DECIDED_AT})
    comment = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The decider's reason, shown to the student: always set when the report "
            "is returned; null on an acceptance given without one."
        },
    )


class ReportAcceptedV1(ReportDecisionData):
    pass


class ReportReturnedV1(ReportDecisionData):
    pass


class StudentActivityRequirementMetV1(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    programme = fields.String(required=True, metadata={"description": _PROGRAMME_CODE})
    rule_set = fields.String(required=True, metadata={"description": _RULE_SET})
    rule_set_version = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The version of that rule set; null only in events published before the field was added."
        },
    )
    activity_ids = fields.List(
        fields.String(), required=True, metadata={"description": "The ids of the activities that count, oldest first."}
    )
    met_at = fields.AwareDateTime(required=True, metadata={"description": "When approvals found the requirement met."})


class CountedActivityData(EventData):
    activity_id = fields.String(required=True, metadata={"description": _ACTIVITY_ID})
    activity_type = fields.Nested(ActivityTypeData, required=True, metadata={"description": _ACTIVITY_TYPE})
    title = fields.String(required=True, metadata={"description": _ACTIVITY_TITLE})
    location = fields.Nested(LocationData, required=True, metadata={"description": _LOCATION})
    start_date = fields.Date(required=True, metadata={"description": _START_DATE})
    end_date = fields.Date(required=True, metadata={"description": _END_DATE})


class CeremonyRefData(EventData):
    ceremony_id = fields.String(required=True, metadata={"description": _CEREMONY_ID})
    date = fields.Date(required=True, metadata={"description": _CEREMONY_DATE})


class StudentEligibleV1(EventData):
    student_id = fields.String(required=True, metadata={"description": _STUDENT_ID})
    name = fields.String(required=True, metadata={"description": _NAME})
    email = fields.String(required=True, metadata={"description": _EMAIL})
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES), metadata={"description": _LANGUAGE})
    programme = fields.Nested(ProgrammeData, required=True, metadata={"description": _PROGRAMME})
    rule_set = fields.String(required=True, metadata={"description": _RULE_SET})
    rule_set_version = fields.Integer(required=True, metadata={"description": "The version of that rule set."})
    activities = fields.List(
        fields.Nested(CountedActivityData),
        required=True,
        metadata={"description": "The activities that count, oldest first, as the certificate lists them."},
    )
    ceremony = fields.Nested(
        CeremonyRefData,
        required=True,
        metadata={"description": "The ceremony at which the student gave the oral presentation."},
    )
    eligible_at = fields.AwareDateTime(
        required=True, metadata={"description": "When approvals found the student eligible."}
    )
