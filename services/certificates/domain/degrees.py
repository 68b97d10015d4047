"""Degrees student records conferred: the Diploma Supplement line is sent for each one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(eq=False)
class Degree:
    """A conferred degree, as student records reported it (one per `degree_ref`)."""

    degree_ref: str
    student_id: str
    programme: str
    conferred_on: date
    reported_by: str
    received_at: datetime
    # The certificate whose Diploma Supplement line was sent for this degree, once sent.
    supplement_sent_for: str | None = None


def latest(degrees: list[Degree]) -> Degree | None:
    """The degree a new certificate's supplement line belongs to: the most recent one."""
    return max(degrees, key=lambda d: (d.conferred_on, d.received_at), default=None)
