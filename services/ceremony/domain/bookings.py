"""A student's place at a ceremony: booked while there is room, else waiting in line.

A student holds one booking or one waiting place at a time; a freed place goes to the first in
line; a student cancels up to a deadline before the ceremony.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.ceremony.domain.ceremonies import CANCELLED as CEREMONY_CANCELLED, Ceremony
from services.ceremony.domain.requirement import RequirementLapse, RequirementMet, ensure_requirement_met
from shared.errors import Conflict

BOOKED = "booked"
WAITING = "waiting"
CANCELLED = "cancelled"  # the student cancelled (or left the waiting list)
LAPSED = "lapsed"  # the ceremony was cancelled
PRESENTED = "presented"
NO_SHOW = "no_show"
ACTIVE = (BOOKED, WAITING)

# What a booking.cancelled.v1 says caused it.
BY_STUDENT = "student"
BY_CEREMONY_CANCELLED = "ceremony_cancelled"


@dataclass(eq=False)
class Booking:
    """A place (or a place in line) at a ceremony. `booked_at` is when the student asked: the
    waiting list's order; `placed_at` when they got the place."""

    booking_id: str
    ceremony_id: str
    student_id: str
    booked_at: datetime
    status: str = BOOKED
    placed_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def promote(self, now: datetime):
        if self.status != WAITING:
            raise ValueError(f"only a waiting booking is promoted, not a {self.status} one")
        self.status, self.placed_at = BOOKED, now

    def close(self, status: str, now: datetime):
        if not self.active:
            raise Conflict(f"this booking is {self.status.replace('_', ' ')} already")
        self.status, self.closed_at = status, now


def book(
    *,
    ceremony: Ceremony,
    student_id: str,
    requirement: RequirementMet | None,
    places_taken: int,
    active_booking: Booking | None,
    presented: bool,
    now: datetime,
    lapse: RequirementLapse | None = None,
) -> Booking:
    """The rules of booking: requirement met (and not lapsed since), an upcoming ceremony for the
    student's programme, one booking or waiting place at a time. A full ceremony puts the
    student in line."""
    ensure_requirement_met(requirement, lapse)
    if presented:
        raise Conflict("your oral presentation is already recorded; no further booking is needed")
    if ceremony.status == CEREMONY_CANCELLED:
        raise Conflict("this ceremony is cancelled")
    if ceremony.starts_at <= now:
        raise Conflict("this ceremony has already taken place")
    if not ceremony.serves(requirement.programme_code):
        raise Conflict("this ceremony is for students of other programmes")
    if active_booking is not None:
        if active_booking.ceremony_id == ceremony.ceremony_id:
            raise Conflict("you have already booked this ceremony")
        raise Conflict("you have already booked an upcoming ceremony (or hold a waiting place): cancel it first")
    full = places_taken >= ceremony.capacity
    return Booking(
        booking_id=str(uuid.uuid4()),
        ceremony_id=ceremony.ceremony_id,
        student_id=student_id,
        booked_at=now,
        status=WAITING if full else BOOKED,
        placed_at=None if full else now,
    )


def ensure_may_cancel(ceremony: Ceremony, *, now: datetime, deadline: timedelta):
    """A student cancels until `deadline` before the ceremony; later only the coordinator may."""
    if now > ceremony.starts_at - deadline:
        raise Conflict(
            f"bookings can be cancelled until {deadline.days} days before the "
            "ceremony; ask your coordinator to release your place"
        )


def promote(waiting: list[Booking], free_places: int, now: datetime) -> list[Booking]:
    """The first `free_places` in line (`waiting` in the order they asked) get a place."""
    promoted = waiting[: max(free_places, 0)]
    for booking in promoted:
        booking.promote(now)
    return promoted


def position(booking: Booking, waiting: list[Booking]) -> int | None:
    """A waiting booking's place in line, from 1."""
    ids = [b.booking_id for b in waiting]
    return ids.index(booking.booking_id) + 1 if booking.booking_id in ids else None
