"""The oral presentation at a ceremony: recorded once per student, by their coordinator."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.ceremony.domain.bookings import Booking
from services.ceremony.domain.ceremonies import CANCELLED, Ceremony
from services.ceremony.domain.requirement import RequirementMet
from shared.errors import Conflict
from shared.permissions import Actor, ensure_may_coordinate


@dataclass(eq=False)
class Presentation:
    """The oral presentation a student gave at a ceremony; one per student."""
    student_id: str
    ceremony_id: str
    recorded_by: str
    recorded_at: datetime


def record_presentation(*, ceremony: Ceremony, student_id: str, actor: Actor,
                        requirement: RequirementMet | None, booking: Booking | None,
                        existing: Presentation | None, now: datetime) -> Presentation:
    """The rules of recording a presentation: by the student's coordinator (or an admin), for a
    student booked at this ceremony, once per student. A student of a programme the coordinator
    does not cover is not theirs to know of (404)."""
    programme = requirement.programme_code if requirement is not None else None
    ensure_may_coordinate(actor, programme, what="student in your programmes")
    if ceremony.status == CANCELLED:
        raise Conflict("this ceremony is cancelled")
    if booking is None:
        raise Conflict("the student has not booked this ceremony")
    if existing is not None:
        raise Conflict("the student's presentation is already recorded")
    return Presentation(student_id=student_id, ceremony_id=ceremony.ceremony_id,
                        recorded_by=actor.subject, recorded_at=now)
