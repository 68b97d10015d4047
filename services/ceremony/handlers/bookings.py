"""A student's booking or waiting place: booking, reading and cancelling it, promotion from the
waiting list when a place frees, and the outcome the coordinator records."""

from __future__ import annotations

from datetime import timedelta

from services.ceremony.domain import bookings, presentations
from services.ceremony.domain.ceremonies import Ceremony
from services.ceremony.handlers.common import booking_event, ceremony_view, find_ceremony, places_taken, student_id_of
from shared.db import utcnow
from shared.errors import NotFound
from shared.events import (
    BOOKING_CANCELLED,
    BOOKING_PROMOTED,
    BOOKING_WAITLISTED,
    CEREMONY_BOOKED,
    PRESENTATION_MISSED,
    PRESENTATION_RECORDED,
)
from shared.permissions import Actor

DEFAULT_CANCELLATION_DEADLINE = timedelta(days=7)  # (policy) RULES.md, Ceremony


def booking_view(uow, booking: bookings.Booking, ceremony: Ceremony) -> dict:
    waiting = uow.repo.waiting_list(ceremony.ceremony_id)
    return {
        "booking_id": booking.booking_id,
        "ceremony": ceremony_view(ceremony, places_taken(uow, ceremony.ceremony_id), len(waiting)),
        "student_id": booking.student_id,
        "booked_at": booking.booked_at,
        "status": booking.status,
        "position": bookings.position(booking, waiting),
    }


def book(uow, *, actor: Actor, ceremony_id: str) -> dict:
    """A place while there is room, else a place in line (201 either way)."""
    student_id = student_id_of(actor)
    # Locks: the student's row serialises their own bookings, the ceremony's row its capacity.
    requirement = uow.repo.requirement(student_id, lock=True)
    ceremony = find_ceremony(uow, ceremony_id, lock=True)
    now = utcnow()
    booking = bookings.book(
        ceremony=ceremony,
        student_id=student_id,
        requirement=requirement,
        places_taken=places_taken(uow, ceremony_id),
        active_booking=uow.repo.active_booking(student_id),
        presented=uow.repo.presentation(student_id) is not None,
        now=now,
        lapse=uow.repo.lapse(student_id),
    )
    uow.repo.add(booking)
    uow.flush()
    view = booking_view(uow, booking, ceremony)
    if booking.status == bookings.BOOKED:
        uow.publish(CEREMONY_BOOKED, booking_event(booking, ceremony, booked_at=now))
    else:
        uow.publish(BOOKING_WAITLISTED, booking_event(booking, ceremony, asked_at=now, position=view["position"]))
    return view


def my_booking(uow, *, actor: Actor) -> dict:
    student_id = student_id_of(actor)
    booking = uow.repo.active_booking(student_id)
    if booking is None:
        raise NotFound("you hold no booking or waiting place")
    return booking_view(uow, booking, find_ceremony(uow, booking.ceremony_id))


def cancel_my_booking(uow, *, actor: Actor, deadline: timedelta = DEFAULT_CANCELLATION_DEADLINE) -> dict:
    """The student gives up their place (or their place in line) until the deadline; a freed
    place goes to the first in line."""
    student_id = student_id_of(actor)
    uow.repo.requirement(student_id, lock=True)  # serialises with the student's own booking
    booking = uow.repo.active_booking(student_id)
    if booking is None:
        raise NotFound("you hold no booking or waiting place")
    ceremony = find_ceremony(uow, booking.ceremony_id, lock=True)
    now = utcnow()
    bookings.ensure_may_cancel(ceremony, now=now, deadline=deadline)
    was = booking.status
    view = booking_view(uow, booking, ceremony)
    booking.close(bookings.CANCELLED, now)
    uow.publish(
        BOOKING_CANCELLED,
        booking_event(booking, ceremony, was=was, cause=bookings.BY_STUDENT, reason=None, cancelled_at=now),
    )
    uow.flush()
    fill_free_places(uow, ceremony)
    return {**view, "status": booking.status, "position": None}


def fill_free_places(uow, ceremony: Ceremony) -> list[bookings.Booking]:
    """Give the free places to the first in line, and tell each of them."""
    uow.flush()
    free = ceremony.capacity - places_taken(uow, ceremony.ceremony_id)
    now = utcnow()
    promoted = bookings.promote(uow.repo.waiting_list(ceremony.ceremony_id), free, now)
    for booking in promoted:
        uow.publish(BOOKING_PROMOTED, booking_event(booking, ceremony, promoted_at=now))
    return promoted


def record_presentation(
    uow, *, actor: Actor, ceremony_id: str, student_id: str, outcome: str = bookings.PRESENTED
) -> dict:
    """The coordinator records a booked student's outcome: presented, or a no-show (which
    closes the booking: the student books again)."""
    ceremony = find_ceremony(uow, ceremony_id)
    now = utcnow()
    requirement = uow.repo.requirement(student_id)
    booking = uow.repo.booking(ceremony_id, student_id)
    if outcome == bookings.NO_SHOW:
        presentations.record_no_show(
            ceremony=ceremony, student_id=student_id, actor=actor, requirement=requirement, booking=booking, now=now
        )
        recorded_by = actor.subject
        event = PRESENTATION_MISSED
    else:
        presentation = presentations.record_presentation(
            ceremony=ceremony,
            student_id=student_id,
            actor=actor,
            requirement=requirement,
            booking=booking,
            existing=uow.repo.presentation(student_id),
            now=now,
        )
        uow.repo.add(presentation)
        recorded_by = presentation.recorded_by
        event = PRESENTATION_RECORDED
    view = {
        "student_id": student_id,
        "ceremony_id": ceremony_id,
        "ceremony_date": ceremony.date,
        "recorded_by": recorded_by,
        "recorded_at": now,
    }
    uow.publish(event, view)
    return {**view, "outcome": outcome}
