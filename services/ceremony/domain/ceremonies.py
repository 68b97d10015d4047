"""CIM ceremonies: scheduling one (in the organiser's time zone) and cancelling it."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from shared.errors import Conflict, Invalid

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
