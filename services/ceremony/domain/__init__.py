"""The ceremony's domain: who may book which ceremony, submit a report, be recorded as presented.

Plain Python: the rules take the facts they need as arguments and return new objects or raise.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from shared.errors import Conflict, Forbidden, Invalid

SCHEDULED = "scheduled"
CANCELLED = "cancelled"

SUBMITTED = "submitted"
ACCEPTED = "accepted"
RETURNED = "returned"

PDF_MAGIC = b"%PDF-"

NOT_YET_MET = ("the activity requirement is not met yet: the final report and the ceremony open "
               "once your coordinator has approved enough activities")
LAPSED = ("the activity requirement is no longer met: your coordinator withdrew the approval of "
          "an activity (reason: {reason}). New ceremony bookings and final report submissions "
          "open again once enough of your activities are approved; a booking you already have "
          "stays")


@dataclass(eq=False)
class RequirementMet:
    """Our copy of approvals' word that a student met the activity requirement."""
    student_id: str
    programme_code: str
    rule_set: str
    met_at: datetime


@dataclass(eq=False)
class RequirementLapse:
    """The activity requirement no longer met since an approval was withdrawn
    (`activity.approval_withdrawn.v1` with `activity_requirement_met` false).

    While it is in force, new bookings and report submissions are refused; existing bookings
    stay. It is lifted when approvals says the requirement is met at a later moment. Events may
    arrive late or out of order, so each change is judged by the time it speaks of.
    """
    student_id: str
    activity_id: str
    reason: str
    lapsed_at: datetime
    lifted_at: datetime | None = None

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None

    def lapse(self, *, activity_id: str, reason: str, at: datetime):
        """Another withdrawal left the requirement unmet at `at`; older news changes nothing."""
        newest = self.lapsed_at if self.lifted_at is None else max(self.lapsed_at, self.lifted_at)
        if at <= newest:
            return
        self.activity_id, self.reason, self.lapsed_at, self.lifted_at = activity_id, reason, at, None

    def lift(self, *, met_at: datetime):
        """Approvals says the requirement is met at `met_at`: it lifts a lapse that came before."""
        if met_at <= self.lapsed_at:
            return
        if self.lifted_at is None or met_at > self.lifted_at:
            self.lifted_at = met_at


def ensure_requirement_met(requirement: RequirementMet | None, lapse: RequirementLapse | None):
    """The student may book a ceremony and submit the report only while the requirement stands."""
    if lapse is not None and lapse.in_force:
        raise Conflict(LAPSED.format(reason=lapse.reason))
    if requirement is None:
        raise Conflict(NOT_YET_MET)


@dataclass(eq=False)
class Ceremony:
    """A CIM ceremony. `starts_at` is kept in UTC; the offset it was given in is kept beside it,
    so the ceremony's date is the date the organiser wrote, not the UTC one."""
    ceremony_id: str
    title: str
    starts_at: datetime
    utc_offset_minutes: int
    location: str
    capacity: int
    language: str
    status: str
    scheduled_by: str
    scheduled_at: datetime
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(timezone(timedelta(minutes=self.utc_offset_minutes)))

    @property
    def date(self) -> date:
        return self.local_starts_at.date()

    def is_upcoming(self, now: datetime) -> bool:
        return self.status == SCHEDULED and self.starts_at > now

    def cancel(self, *, reason: str, now: datetime):
        if self.status == CANCELLED:
            raise Conflict("the ceremony is already cancelled")
        if self.starts_at <= now:
            raise Conflict("the ceremony has already taken place")
        self.status, self.cancelled_at, self.cancel_reason = CANCELLED, now, reason


@dataclass(eq=False)
class Booking:
    booking_id: str
    ceremony_id: str
    student_id: str
    booked_at: datetime


@dataclass(eq=False)
class FinalReport:
    """One submission of the final report; a resubmission is a new FinalReport, the old one stays."""
    report_id: str
    student_id: str
    filename: str
    content: bytes
    size: int
    sha256: str
    status: str
    submitted_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None

    def record_decision(self, *, status: str, decided_by: str, decided_at: datetime,
                        comment: str | None):
        """Approvals decides; this copy follows its word (a replayed decision changes nothing)."""
        if status not in (ACCEPTED, RETURNED):
            raise ValueError(f"not a report decision: {status!r}")
        self.status, self.decided_by, self.decided_at, self.comment = (
            status, decided_by, decided_at, comment)


@dataclass(eq=False)
class Presentation:
    """The oral presentation a student gave at a ceremony; one per student."""
    student_id: str
    ceremony_id: str
    recorded_by: str
    recorded_at: datetime


def require_role(role: str, *allowed: str):
    if role not in allowed:
        raise Forbidden(f"a {role} may not do this")


def schedule(*, title: str, starts_at: datetime, location: str, capacity: int, language: str,
             scheduled_by: str, now: datetime) -> Ceremony:
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise Invalid({"starts_at": ["give the time with its zone, e.g. 2027-06-01T14:00:00+02:00"]})
    if starts_at <= now:
        raise Invalid({"starts_at": ["a ceremony must be scheduled in the future"]})
    if capacity < 1:
        raise Invalid({"capacity": ["a ceremony needs at least one place"]})
    offset = int(starts_at.utcoffset().total_seconds() // 60)
    return Ceremony(ceremony_id=str(uuid.uuid4()), title=title,
                    starts_at=starts_at.astimezone(timezone.utc), utc_offset_minutes=offset,
                    location=location, capacity=capacity, language=language, status=SCHEDULED,
                    scheduled_by=scheduled_by, scheduled_at=now)


def book(*, ceremony: Ceremony, student_id: str, requirement: RequirementMet | None,
         places_taken: int, upcoming_booking: Booking | None, presented: bool,
         now: datetime, lapse: RequirementLapse | None = None) -> Booking:
    """The rules of booking: requirement met (and not lapsed since), an upcoming ceremony with
    room, one booking at a time."""
    ensure_requirement_met(requirement, lapse)
    if presented:
        raise Conflict("your oral presentation is already recorded; no further booking is needed")
    if ceremony.status == CANCELLED:
        raise Conflict("this ceremony is cancelled")
    if ceremony.starts_at <= now:
        raise Conflict("this ceremony has already taken place")
    if upcoming_booking is not None:
        if upcoming_booking.ceremony_id == ceremony.ceremony_id:
            raise Conflict("you have already booked this ceremony")
        raise Conflict("you have already booked an upcoming ceremony")
    if places_taken >= ceremony.capacity:
        raise Conflict("this ceremony is fully booked")
    return Booking(booking_id=str(uuid.uuid4()), ceremony_id=ceremony.ceremony_id,
                   student_id=student_id, booked_at=now)


def _plain_filename(filename: str) -> str:
    """The last path component only: a client's directory names are none of our business."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise Invalid({"filename": ["a file name is required"]})
    return name


def submit_report(*, student_id: str, requirement: RequirementMet | None,
                  latest: FinalReport | None, filename: str, content: bytes, max_bytes: int,
                  now: datetime, lapse: RequirementLapse | None = None) -> FinalReport:
    """The rules of the final report: requirement met (and not lapsed since), a PDF within the
    size limit, and a new submission only once the previous one was returned."""
    ensure_requirement_met(requirement, lapse)
    if latest is not None and latest.status == SUBMITTED:
        raise Conflict("your report is waiting for your coordinator's decision")
    if latest is not None and latest.status == ACCEPTED:
        raise Conflict("your report has already been accepted")
    if len(content) > max_bytes:
        raise Invalid({"content": [f"the report is larger than {max_bytes} bytes"]})
    if not content.startswith(PDF_MAGIC):
        raise Invalid({"content": ["the report must be a PDF file"]})
    return FinalReport(report_id=str(uuid.uuid4()), student_id=student_id,
                       filename=_plain_filename(filename), content=content, size=len(content),
                       sha256=hashlib.sha256(content).hexdigest(), status=SUBMITTED,
                       submitted_at=now)


def may_see_report(*, role: str, actor_student_id: str | None, programmes: list[str],
                   student_id: str, requirement: RequirementMet | None) -> bool:
    """The student themself, a coordinator of the student's programme, or an admin."""
    if role == "admin":
        return True
    if role == "student":
        return actor_student_id is not None and actor_student_id == student_id
    if role == "coordinator":
        return requirement is not None and requirement.programme_code in programmes
    return False


def record_presentation(*, ceremony: Ceremony, student_id: str, role: str, programmes: list[str],
                        recorded_by: str, requirement: RequirementMet | None,
                        booking: Booking | None, existing: Presentation | None,
                        now: datetime) -> Presentation:
    """The rules of recording a presentation: by the student's coordinator (or an admin), for a
    student booked at this ceremony, once per student."""
    require_role(role, "coordinator", "admin")
    if role == "coordinator" and (requirement is None or requirement.programme_code not in programmes):
        raise Forbidden("this student is not in a programme you coordinate")
    if ceremony.status == CANCELLED:
        raise Conflict("this ceremony is cancelled")
    if booking is None:
        raise Conflict("the student has not booked this ceremony")
    if existing is not None:
        raise Conflict("the student's presentation is already recorded")
    return Presentation(student_id=student_id, ceremony_id=ceremony.ceremony_id,
                        recorded_by=recorded_by, recorded_at=now)
