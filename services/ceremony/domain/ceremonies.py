"""CIM ceremonies: scheduling one (in the organiser's time zone), changing and cancelling it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from shared.errors import Conflict, Invalid, NotFound
from shared.permissions import ADMIN, COORDINATOR, Actor, ensure_may_have_role

SCHEDULED = "scheduled"
CANCELLED = "cancelled"


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
    # The programmes whose students it is for; empty: every programme (an admin's ceremony).
    programmes: list[str] = field(default_factory=list)

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(timezone(timedelta(minutes=self.utc_offset_minutes)))

    @property
    def date(self) -> date:
        return self.local_starts_at.date()

    def is_upcoming(self, now: datetime) -> bool:
        return self.status == SCHEDULED and self.starts_at > now

    def serves(self, programme: str | None) -> bool:
        return not self.programmes or programme in self.programmes

    def change(
        self,
        *,
        now: datetime,
        places_taken: int,
        starts_at: datetime | None = None,
        location: str | None = None,
        capacity: int | None = None,
    ) -> list[str]:
        """Apply what is new; the names of the fields that changed."""
        if self.status == CANCELLED:
            raise Conflict("the ceremony is cancelled")
        if self.starts_at <= now:
            raise Conflict("the ceremony has already taken place")
        changed = []
        if starts_at is not None:
            _ensure_future(starts_at, now)
            if starts_at != self.starts_at:
                self.starts_at = starts_at.astimezone(timezone.utc)
                self.utc_offset_minutes = _offset(starts_at)
                changed.append("starts_at")
        if location is not None and location != self.location:
            self.location = location
            changed.append("location")
        if capacity is not None and capacity != self.capacity:
            if capacity < places_taken:
                raise Conflict(
                    f"{places_taken} students hold a place: the capacity cannot be less (cancel places first)"
                )
            self.capacity = capacity
            changed.append("capacity")
        return changed

    def cancel(self, *, reason: str, now: datetime):
        if self.status == CANCELLED:
            raise Conflict("the ceremony is already cancelled")
        if self.starts_at <= now:
            raise Conflict("the ceremony has already taken place")
        self.status, self.cancelled_at, self.cancel_reason = CANCELLED, now, reason


def _ensure_future(starts_at: datetime, now: datetime):
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise Invalid({"starts_at": ["give the time with its zone, e.g. 2027-06-01T14:00:00+02:00"]})
    if starts_at <= now:
        raise Invalid({"starts_at": ["a ceremony must be scheduled in the future"]})


def _offset(starts_at: datetime) -> int:
    return int(starts_at.utcoffset().total_seconds() // 60)


def served_programmes(actor: Actor, asked: list[str] | None) -> list[str]:
    """The programmes a new ceremony serves: those asked (a coordinator only among their own),
    by default the coordinator's; an admin's ceremony with none serves every programme."""
    ensure_may_have_role(actor, COORDINATOR, ADMIN, doing="schedule a ceremony")
    if actor.role == ADMIN:
        return sorted(set(asked or ()))
    chosen = sorted(set(asked or actor.programmes))
    foreign = [code for code in chosen if code not in actor.programmes]
    if foreign or not chosen:
        raise Invalid({"programmes": ["a coordinator schedules ceremonies for their own programmes only"]})
    return chosen


def ensure_may_organise(actor: Actor, ceremony: Ceremony):
    """A coordinator of a programme the ceremony serves, or an admin; to other coordinators
    the ceremony is not theirs to change (404)."""
    ensure_may_have_role(actor, COORDINATOR, ADMIN, doing="organise a ceremony")
    if actor.role == ADMIN or not ceremony.programmes:
        return
    if not set(ceremony.programmes) & set(actor.programmes):
        raise NotFound("no such ceremony")


def schedule(
    *,
    title: str,
    starts_at: datetime,
    location: str,
    capacity: int,
    language: str,
    scheduled_by: str,
    now: datetime,
    programmes: list[str] | None = None,
) -> Ceremony:
    _ensure_future(starts_at, now)
    if capacity < 1:
        raise Invalid({"capacity": ["a ceremony needs at least one place"]})
    return Ceremony(
        ceremony_id=str(uuid.uuid4()),
        title=title,
        starts_at=starts_at.astimezone(timezone.utc),
        utc_offset_minutes=_offset(starts_at),
        location=location,
        capacity=capacity,
        language=language,
        status=SCHEDULED,
        scheduled_by=scheduled_by,
        scheduled_at=now,
        programmes=list(programmes or ()),
    )
