"""An inbound campus event as the edge keeps it: its key, its state, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

FORWARDED = "forwarded"  # translated into the owning service's command (in the same commit)
WAITING = "waiting"  # about a person not registered yet: applied when they register
EXPIRED = "expired"  # waited longer than the policy allows; discarded and logged
STATES = (FORWARDED, WAITING, EXPIRED)

ACCEPTED = "accepted"  # what a sender is told: new, stored, will be applied
DUPLICATE = "duplicate"  # the same (source, id) was received before: nothing changes

DEFAULT_WAITING_DAYS = 730  # policy: events about people not registered are kept 24 months


@dataclass(eq=False)
class Arrival:
    """A campus event as the edge reads it, unique by (source, event_id), and its state.

    Plain: a batch of hundreds is built and decided on before one statement stores the new ones
    (an instance of the mapped InboundEvent below costs the ORM's instrumentation, about 15 µs)."""

    source: str
    event_id: str
    event_type: str
    system: str
    student_ref: str
    received_at: datetime
    payload: str  # the CloudEvent as received, in structured JSON (for replay and audit)
    status: str = WAITING
    reason: str | None = None
    student_id: str | None = None
    applied_at: datetime | None = None
    channel: str = "amqp"  # amqp, http or reconcile
    id: int | None = field(default=None)

    def forward(self, student_id: str | None, now: datetime):
        self.status, self.student_id, self.applied_at, self.reason = FORWARDED, student_id, now, None

    def wait(self):
        self.status = WAITING
        self.reason = "the person has not registered for the CIM yet; applied when they do"

    def expire(self, now: datetime, days: int):
        self.status, self.applied_at = EXPIRED, now
        self.reason = f"the person did not register within {days} days; discarded by policy"
        self.payload = "{}"  # what it said about the person goes with it (retention, RULES.md)


@dataclass(eq=False)
class InboundEvent(Arrival):
    """One campus event as the inbound log keeps it (mapped onto the log by the edge's orm)."""


def waiting_deadline(now: datetime, days: int = DEFAULT_WAITING_DAYS) -> datetime:
    """Waiting events received before this moment have expired."""
    return now - timedelta(days=days)
