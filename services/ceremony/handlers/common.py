"""What the ceremony's use cases share: finding a ceremony, the acting student, and what events
and views say about a ceremony and a booking."""

from __future__ import annotations

from services.ceremony.domain import bookings, ceremonies
from shared.errors import NotFound
from shared.permissions import STUDENT, Actor, ensure_may_act_as_student, ensure_may_have_role


def ceremony_state(ceremony: ceremonies.Ceremony) -> dict:
    """What the events carry about a ceremony (event-carried state transfer)."""
    return {
        "ceremony_id": ceremony.ceremony_id,
        "title": ceremony.title,
        "starts_at": ceremony.local_starts_at,
        "location": ceremony.location,
        "capacity": ceremony.capacity,
        "language": ceremony.language,
    }


def ceremony_view(ceremony: ceremonies.Ceremony, places_taken: int, waiting: int = 0) -> dict:
    """The event's state with what only a reader needs: free places, the line, the status."""
    state = ceremony_state(ceremony)
    return {
        "id": state.pop("ceremony_id"),
        **state,
        "free_places": max(ceremony.capacity - places_taken, 0),
        "waiting": waiting,
        "status": ceremony.status,
        "programmes": list(ceremony.programmes),
    }


def current_view(uow, ceremony: ceremonies.Ceremony) -> dict:
    return ceremony_view(
        ceremony, places_taken(uow, ceremony.ceremony_id), len(uow.repo.waiting_list(ceremony.ceremony_id))
    )


def student_id_of(actor: Actor) -> str:
    """Only a registered student books and submits (a student with no id is not registered)."""
    ensure_may_have_role(actor, STUDENT, doing="book a ceremony or submit a final report")
    ensure_may_act_as_student(actor, actor.student_id, what="registration for the CIM")
    return actor.student_id


def find_ceremony(uow, ceremony_id: str, lock: bool = False) -> ceremonies.Ceremony:
    ceremony = uow.repo.ceremony(ceremony_id, lock=lock)
    if ceremony is None:
        raise NotFound("no such ceremony")
    return ceremony


def places_taken(uow, ceremony_id: str) -> int:
    return uow.repo.places_taken([ceremony_id]).get(ceremony_id, 0)


def booking_event(booking: bookings.Booking, ceremony: ceremonies.Ceremony, **extra) -> dict:
    """The part every booking.*.v1 event carries."""
    return {
        "booking_id": booking.booking_id,
        "ceremony": ceremony_state(ceremony),
        "student_id": booking.student_id,
        **extra,
    }
