"""Ceremonies as organisers see them: scheduling, listing, changing and cancelling one (each
change reaching every student concerned), and the roster."""

from __future__ import annotations

from services.ceremony.domain import bookings, ceremonies
from services.ceremony.handlers.bookings import fill_free_places
from services.ceremony.handlers.common import (
    booking_event,
    ceremony_state,
    ceremony_view,
    current_view,
    find_ceremony,
    places_taken,
)
from shared import keyset
from shared.db import utcnow
from shared.events import BOOKING_CANCELLED, BOOKING_CHANGED, CEREMONY_CANCELLED, CEREMONY_CHANGED, CEREMONY_SCHEDULED
from shared.permissions import Actor
from shared.rpc.ceremony import CeremonyChange, CeremonyPlan
from shared.rpc.paging import FIRST_PAGE, Page

NO_REPORT = "none"
LIST, CURSOR_FIELDS = "ceremonies", (keyset.aware_datetime, str)
# What a booked student is told of: their time and place (capacity is the organiser's business).
TOLD_TO_STUDENTS = ("starts_at", "location")


def schedule(uow, *, actor: Actor, request: CeremonyPlan) -> dict:
    programmes = ceremonies.served_programmes(actor, list(request.programmes))
    ceremony = ceremonies.schedule(
        title=request.title,
        starts_at=request.starts_at,
        location=request.location,
        capacity=request.capacity,
        language=request.language,
        scheduled_by=actor.subject,
        now=utcnow(),
        programmes=programmes,
    )
    uow.repo.add(ceremony)
    uow.publish(CEREMONY_SCHEDULED, ceremony_state(ceremony))
    return ceremony_view(ceremony, 0)


def list_ceremonies(uow, page: Page = FIRST_PAGE) -> dict:
    """One page of the ceremonies to come, soonest first: {items, next_cursor}."""
    position = keyset.decode_cursor(page.cursor, LIST, CURSOR_FIELDS) if page.cursor else None
    rows = uow.repo.upcoming_ceremonies(utcnow(), position, page.limit)
    cut = keyset.page_of(rows, page.limit, LIST, lambda c: (c.starts_at, c.ceremony_id))
    ids = [c.ceremony_id for c in cut["items"]]
    taken, waiting = uow.repo.places_taken(ids), uow.repo.places_taken(ids, bookings.WAITING)
    items = [ceremony_view(c, taken.get(c.ceremony_id, 0), waiting.get(c.ceremony_id, 0)) for c in cut["items"]]
    return {"items": items, "next_cursor": cut["next_cursor"]}


def change(uow, *, actor: Actor, ceremony_id: str, request: CeremonyChange) -> dict:
    """A new time, place or capacity: every booked student hears of a new time or place; a
    larger capacity gives the new places to the first in line."""
    ceremony = find_ceremony(uow, ceremony_id, lock=True)
    ceremonies.ensure_may_organise(actor, ceremony)
    now = utcnow()
    changed = ceremony.change(
        now=now,
        places_taken=places_taken(uow, ceremony_id),
        starts_at=request.starts_at,
        location=request.location,
        capacity=request.capacity,
    )
    if changed:
        uow.publish(
            CEREMONY_CHANGED,
            {"ceremony": ceremony_state(ceremony), "changes": changed, "changed_by": actor.subject, "changed_at": now},
        )
    told = [field for field in changed if field in TOLD_TO_STUDENTS]
    if told:
        for booking in uow.repo.bookings_of(ceremony_id, bookings.BOOKED):
            uow.publish(BOOKING_CHANGED, booking_event(booking, ceremony, changes=told, changed_at=now))
    if "capacity" in changed:
        fill_free_places(uow, ceremony)
    return current_view(uow, ceremony)


def cancel(uow, *, actor: Actor, ceremony_id: str, reason: str) -> dict:
    """The ceremony is off: every booking and waiting place lapses, and each student is told."""
    ceremony = find_ceremony(uow, ceremony_id, lock=True)
    ceremonies.ensure_may_organise(actor, ceremony)
    now = utcnow()
    ceremony.cancel(reason=reason, now=now)
    uow.publish(CEREMONY_CANCELLED, {"ceremony_id": ceremony.ceremony_id, "reason": reason, "cancelled_at": now})
    for booking in uow.repo.bookings_of(ceremony_id):
        was = booking.status
        booking.close(bookings.LAPSED, now)
        uow.publish(
            BOOKING_CANCELLED,
            booking_event(
                booking, ceremony, was=was, cause=bookings.BY_CEREMONY_CANCELLED, reason=reason, cancelled_at=now
            ),
        )
    return ceremony_view(ceremony, 0)


def roster(uow, *, actor: Actor, ceremony_id: str) -> dict:
    """Who presents, in booking order, with their report's status; then the waiting list."""
    ceremony = find_ceremony(uow, ceremony_id)
    ceremonies.ensure_may_organise(actor, ceremony)
    presenting = uow.repo.bookings_of(ceremony_id, bookings.BOOKED, bookings.PRESENTED, bookings.NO_SHOW)
    waiting = uow.repo.waiting_list(ceremony_id)
    reports = uow.repo.report_statuses([b.student_id for b in presenting + waiting])

    def entries(rows):
        return [
            {
                "position": number,
                "student_id": b.student_id,
                "booking_id": b.booking_id,
                "booked_at": b.booked_at,
                "status": b.status,
                "report_status": reports.get(b.student_id, NO_REPORT),
            }
            for number, b in enumerate(rows, 1)
        ]

    return {"ceremony": current_view(uow, ceremony), "presenting": entries(presenting), "waiting": entries(waiting)}
