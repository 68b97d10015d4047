"""Activities' domain: a student's activity claims, their versions and sessions, and the catalogue.

Plain Python. An activity is a claim a coordinator decides on; every submitted version is kept,
and a decision only counts for the version it was made on.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.errors import Conflict, Forbidden, Invalid, NotFound

SUBMITTED = "submitted"
APPROVED = "approved"
REJECTED = "rejected"
CHANGES_REQUESTED = "changes_requested"
WITHDRAWN = "withdrawn"
APPROVAL_WITHDRAWN = "approval_withdrawn"  # a coordinator took an approval back, with a reason
STATUSES = (SUBMITTED, APPROVED, REJECTED, CHANGES_REQUESTED, WITHDRAWN, APPROVAL_WITHDRAWN)
DECISIONS = (APPROVED, REJECTED, CHANGES_REQUESTED, APPROVAL_WITHDRAWN)
# (policy) After changes were requested, or after an approval was withdrawn, the student may
# correct the activity and resubmit it as a new version.
RESUBMITTABLE = (CHANGES_REQUESTED, APPROVAL_WITHDRAWN)

SWEDEN = "sweden"
ABROAD = "abroad"
DIGITAL = "digital"
LOCATION_KINDS = (SWEDEN, ABROAD, DIGITAL)

_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2


@dataclass(eq=False)
class ActivityType:
    """A catalogue entry. Repeated-attendance types count once enough sessions are approved."""
    code: str
    name_en: str
    name_sv: str
    sessions_required: int
    default_location: str
    supplement_en: str  # a neutral line for the Diploma Supplement
    supplement_sv: str

    @property
    def repeated_attendance(self) -> bool:
        return self.sessions_required > 1


_TYPE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


def put_activity_type(existing: ActivityType | None, *, code: str, values: dict) -> ActivityType:
    """An admin adds or changes a catalogue entry; the code is stable once made.

    (policy) A repeated-attendance type needs at least two sessions (the page's examples: three);
    a type that is not one has exactly one. A change applies to versions submitted afterwards:
    a version keeps the type as it stood when it was submitted.
    """
    errors: dict[str, list[str]] = {}
    if not _TYPE_CODE.match(code or ""):
        errors["code"] = ["a code is 2-50 characters: lower-case letters, digits and _"]
    repeated = values["repeated_attendance"]
    sessions = values.get("sessions_required")
    if sessions is None:
        sessions = 3 if repeated else 1
    if repeated and sessions < 2:
        errors["sessions_required"] = ["a repeated-attendance type needs at least 2 sessions"]
    if not repeated and sessions != 1:
        errors["sessions_required"] = ["a type that is not repeated-attendance needs 1 session"]
    if values["default_location"] not in LOCATION_KINDS:
        errors["default_location"] = [f"must be one of {', '.join(LOCATION_KINDS)}"]
    texts = {name: (values.get(name) or "").strip()
             for name in ("name_en", "name_sv", "supplement_en", "supplement_sv")}
    for name, text in texts.items():
        if not text:
            errors[name] = ["required"]
    if errors:
        raise Invalid(errors)
    if existing is None:
        return ActivityType(code=code, sessions_required=sessions,
                            default_location=values["default_location"], **texts)
    existing.sessions_required, existing.default_location = sessions, values["default_location"]
    for name, text in texts.items():
        setattr(existing, name, text)
    return existing


@dataclass(frozen=True)
class Details:
    """What the student claims: the body of a log or a resubmission."""
    type_code: str
    title: str
    description: str
    location_kind: str
    location_country: str | None
    start_date: date
    end_date: date
    evidence_urls: tuple[str, ...] = ()


@dataclass(eq=False)
class AttendanceSession:
    """One attended occasion of a repeated-attendance activity (a language café, a lecture)."""
    session_id: str
    activity_id: str
    date: date
    title: str
    added_at: datetime


@dataclass(eq=False)
class ActivityVersion:
    """The activity as it stood when (re)submitted: kept for audit, never changed."""
    activity_id: str
    version: int
    type_code: str
    title: str
    description: str
    location_kind: str
    location_country: str | None
    start_date: date
    end_date: date
    evidence_urls: list
    sessions: list  # [{session_id, date (ISO), title}] at that version
    submitted_at: datetime


@dataclass(eq=False)
class Decision:
    """A coordinator's decision on one version, as the approvals service announced it."""
    decision_id: str
    activity_id: str
    version: int
    decision: str
    comment: str | None
    decided_by: str
    decided_at: datetime
    recorded_at: datetime


@dataclass(eq=False)
class Activity:
    activity_id: str
    student_id: str
    type_code: str
    title: str
    description: str
    location_kind: str
    location_country: str | None
    start_date: date
    end_date: date
    evidence_urls: list
    status: str
    version: int
    created_at: datetime
    submitted_at: datetime
    sessions: list = field(default_factory=list)
    versions: list = field(default_factory=list)
    decisions: list = field(default_factory=list)

    @property
    def latest_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def approval_stands(self) -> bool:
        """An approval was given and not taken back since (a later version may be waiting)."""
        for decision in reversed(self.decisions):
            if decision.decision in (APPROVED, APPROVAL_WITHDRAWN):
                return decision.decision == APPROVED
        return False

    def resubmit(self, details: Details, activity_type: ActivityType | None, now: datetime):
        """A new version after the coordinator asked for changes; the old versions stay."""
        if self.status not in RESUBMITTABLE:
            raise Conflict("an activity can be resubmitted only when changes were requested "
                           "or its approval was withdrawn")
        details = check_details(details, activity_type)
        if self.sessions and not activity_type.repeated_attendance:
            raise Invalid({"type": [f"{activity_type.code!r} has no attendance sessions, "
                                    "but this activity has some; log a new activity instead"]})
        self._apply(details)
        self._next_version(now)

    def add_session(self, *, session_date: date, title: str, activity_type: ActivityType,
                    now: datetime) -> AttendanceSession:
        """Record one more attended session; it goes back to the coordinator as a new version."""
        if not activity_type.repeated_attendance:
            raise Invalid({"activity": [f"{activity_type.code!r} is not a repeated-attendance "
                                        "activity; it has no sessions"]})
        if self.status == WITHDRAWN:
            raise Conflict("the activity is withdrawn")
        title = (title or "").strip()
        if not title:
            raise Invalid({"title": ["a session needs a title"]})
        if session_date is None:
            raise Invalid({"date": ["a session needs a date"]})
        if any(s.date == session_date and s.title == title for s in self.sessions):
            raise Conflict("this session is already recorded")
        session = AttendanceSession(session_id=str(uuid.uuid4()), activity_id=self.activity_id,
                                    date=session_date, title=title, added_at=now)
        self.sessions.append(session)
        self._next_version(now)
        return session

    def withdraw(self):
        """Before a decision only; (policy) an activity with a standing approval (a
        repeated-attendance one waiting for its new sessions) stays: a coordinator may withdraw
        the approval instead."""
        if self.status not in (SUBMITTED, CHANGES_REQUESTED):
            raise Conflict(f"an activity that is {self.status} can no longer be withdrawn")
        if self.approval_stands:
            raise Conflict("this activity has an approval; ask your coordinator to withdraw it")
        self.status = WITHDRAWN

    def record_decision(self, *, decision: str, version: int, comment: str | None,
                        decided_by: str, decided_at: datetime, now: datetime) -> bool:
        """Apply a decision; one on an outdated version, or after a withdrawal, changes nothing."""
        if decision not in DECISIONS:
            raise ValueError(f"not a decision: {decision!r}")
        if version != self.version or self.status == WITHDRAWN:
            return False
        self.decisions.append(Decision(
            decision_id=str(uuid.uuid4()), activity_id=self.activity_id, version=version,
            decision=decision, comment=comment, decided_by=decided_by, decided_at=decided_at,
            recorded_at=now))
        self.status = decision
        return True

    def ensure_owned_by(self, student_id: str):
        if self.student_id != student_id:
            raise NotFound("no such activity")

    def _apply(self, details: Details):
        self.type_code, self.title, self.description = (
            details.type_code, details.title, details.description)
        self.location_kind, self.location_country = details.location_kind, details.location_country
        self.start_date, self.end_date = details.start_date, details.end_date
        self.evidence_urls = list(details.evidence_urls)

    def _next_version(self, now: datetime):
        """Any change goes back to the coordinator as a new version, whatever was decided."""
        self.version += 1
        self.status = SUBMITTED
        self.submitted_at = now
        self._keep_version()

    def _keep_version(self):
        self.versions.append(ActivityVersion(
            activity_id=self.activity_id, version=self.version, type_code=self.type_code,
            title=self.title, description=self.description, location_kind=self.location_kind,
            location_country=self.location_country, start_date=self.start_date,
            end_date=self.end_date, evidence_urls=list(self.evidence_urls),
            sessions=[{"session_id": s.session_id, "date": s.date.isoformat(), "title": s.title}
                      for s in self.sessions],
            submitted_at=self.submitted_at))


def acting_student(role: str, student_id: str | None) -> str:
    """Only a registered student acts on activities; the gateway sets their student id."""
    if role != "student":
        raise Forbidden("only students log and manage activities")
    if not student_id:
        raise Forbidden("register for the CIM before logging activities")
    return student_id


def own_activity(activity: Activity | None, student_id: str) -> Activity:
    """Someone else's activity is reported exactly like a missing one: its existence stays secret."""
    if activity is None:
        raise NotFound("no such activity")
    activity.ensure_owned_by(student_id)
    return activity


def check_details(details: Details, activity_type: ActivityType | None) -> Details:
    """The rules every claim obeys; returns the details normalised (Sweden is always SE)."""
    if activity_type is None:
        raise Invalid({"type": [f"unknown activity type {details.type_code!r}"]})
    errors: dict[str, list[str]] = {}
    title, description = (details.title or "").strip(), (details.description or "").strip()
    if not title:
        errors["title"] = ["a title is required"]
    if not description:
        errors["description"] = ["a description is required"]
    kind, country = details.location_kind, details.location_country or None
    if country is not None and not _COUNTRY_CODE.match(country):
        errors["location"] = ["country must be an ISO 3166 alpha-2 code, e.g. DE"]
    elif kind == SWEDEN:
        if country not in (None, "SE"):
            errors["location"] = ["an activity in Sweden has country SE (or none)"]
        country = "SE"
    elif kind == ABROAD:
        if country is None:
            errors["location"] = ["an activity abroad needs its country"]
        elif country == "SE":
            errors["location"] = ["an activity abroad cannot be in Sweden (SE)"]
    elif kind != DIGITAL:
        errors["location"] = [f"location kind must be one of {', '.join(LOCATION_KINDS)}"]
    if details.start_date and details.end_date and details.end_date < details.start_date:
        errors["end_date"] = ["the end date is before the start date"]
    if errors:
        raise Invalid(errors)
    return Details(type_code=activity_type.code, title=title, description=description,
                   location_kind=kind, location_country=country, start_date=details.start_date,
                   end_date=details.end_date, evidence_urls=tuple(details.evidence_urls))


def log(*, student_id: str, details: Details, activity_type: ActivityType | None,
        now: datetime) -> Activity:
    """A new claim, version 1, waiting for the coordinator."""
    details = check_details(details, activity_type)
    activity = Activity(
        activity_id=str(uuid.uuid4()), student_id=student_id, type_code=details.type_code,
        title=details.title, description=details.description,
        location_kind=details.location_kind, location_country=details.location_country,
        start_date=details.start_date, end_date=details.end_date,
        evidence_urls=list(details.evidence_urls), status=SUBMITTED, version=1,
        created_at=now, submitted_at=now)
    activity._keep_version()
    return activity


# The catalogue of the programme page (seed data; the catalogue is data an admin may extend).
# Columns: code, name_en, name_sv, sessions_required, default_location, supplement_en, supplement_sv.
_SEED_ROWS = (
    ("exchange_semester", "Exchange semester", "Utbytestermin", 1, ABROAD,
     "Completed an exchange semester abroad.",
     "Har genomfört en utbytestermin utomlands."),
    ("summer_course", "Summer course", "Sommarkurs", 1, ABROAD,
     "Completed an international summer course.",
     "Har genomfört en internationell sommarkurs."),
    ("degree_project_abroad", "Degree project abroad", "Examensarbete utomlands", 1,
     ABROAD, "Carried out a degree project abroad.",
     "Har genomfört ett examensarbete utomlands."),
    ("conference", "International conference or workshop",
     "Internationell konferens eller workshop", 1, ABROAD,
     "Took part in an international conference or workshop.",
     "Har deltagit i en internationell konferens eller workshop."),
    ("buddy_mentor", "International Buddy Group mentor",
     "Mentor i International Buddy Group", 3, SWEDEN,
     "Served as a mentor in the International Buddy Group.",
     "Har varit mentor i International Buddy Group."),
    ("language_cafe", "Language café", "Språkkafé", 3, SWEDEN,
     "Took part in language cafés.",
     "Har deltagit i språkkaféer."),
    ("journal_club", "Journal club created by the student",
     "Journalklubb skapad av studenten", 1, SWEDEN,
     "Created a journal club.",
     "Har skapat en journalklubb."),
    ("international_lectures",
     "International lectures (International Day, Global Adventure and similar events)",
     "Internationella föreläsningar (International Day, Global Adventure och liknande "
     "evenemang)", 3, SWEDEN,
     "Attended international lectures and events.",
     "Har deltagit i internationella föreläsningar och evenemang."),
)


def seed_activity_types() -> list[ActivityType]:
    """Fresh catalogue entries (fresh objects: module-level mapped instances would go stale)."""
    return [ActivityType(*row) for row in _SEED_ROWS]
