"""Booking a place at a ceremony: one upcoming booking per student, never past capacity."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.ceremony.domain.ceremonies import CANCELLED, Ceremony
from services.ceremony.domain.requirement import (RequirementLapse, RequirementMet,
                                                  ensure_requirement_met)
from shared.errors import Conflict


@dataclass(eq=False)
class Booking:
    booking_id: str
    ceremony_id: str
    student_id: str
    booked_at: datetime


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
