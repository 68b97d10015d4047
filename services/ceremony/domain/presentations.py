"""The oral presentation at a ceremony: recorded once per student, by their coordinator, or
the student's absence (a no-show closes the booking; the student books again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.ceremony.domain.bookings import BOOKED, NO_SHOW, PRESENTED, Booking
from services.ceremony.domain.ceremonies import CANCELLED, Ceremony
from services.ceremony.domain.requirement import RequirementMet
from shared.errors import Conflict
from shared.permissions import Actor, ensure_may_coordinate

NOT_BOOKED = "the student has not booked this ceremony (or holds only a waiting place)"


@dataclass(eq=False)
class Presentation:
    """The oral presentation a student gave at a ceremony; one per student."""

    student_id: str
    ceremony_id: str
    recorded_by: str
    recorded_at: datetime


def record_presentation(
    *,
    ceremony: Ceremony,
    student_id: str,
    actor: Actor,
    requirement: RequirementMet | None,
    booking: Booking | None,
    existing: Presentation | None,
    now: datetime,
) -> Presentation:
    """The rules of recording a presentation: by the student's coordinator (or an admin), for a
    student booked at this ceremony, once per student. A student of a programme the coordinator
    does not cover is not theirs to know of (404)."""
    programme = requirement.programme_code if requirement is not None else None
    ensure_may_coordinate(actor, programme, what="student in your programmes")
    if ceremony.status == CANCELLED:
        raise Conflict("this ceremony is cancelled")
    if existing is not None:
        raise Conflict("the student's presentation is already recorded")
    if booking is None or booking.status != BOOKED:
        raise Conflict(NOT_BOOKED)
    booking.close(PRESENTED, now)
    return Presentation(
        student_id=student_id, ceremony_id=ceremony.ceremony_id, recorded_by=actor.subject, recorded_at=now
    )


def record_no_show(
    *,
    ceremony: Ceremony,
    student_id: str,
    actor: Actor,
    requirement: RequirementMet | None,
    booking: Booking | None,
    now: datetime,
):
    """The student did not present: by the same people, for a student holding a place here.
    The booking closes, so the student may book another ceremony."""
    programme = requirement.programme_code if requirement is not None else None
    ensure_may_coordinate(actor, programme, what="student in your programmes")
    if ceremony.status == CANCELLED:
        raise Conflict("this ceremony is cancelled")
    if booking is None or booking.status != BOOKED:
        raise Conflict(NOT_BOOKED)
    booking.close(NO_SHOW, now)
