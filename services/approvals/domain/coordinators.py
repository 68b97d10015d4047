"""The coordinator directory: who covers which programme today, given leave and substitutes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shared.errors import Invalid
from shared.permissions import COORDINATOR, Actor

# The log line an operator's alerting looks for: work that nobody can decide today.
ALERT_MARKER = "CIM-ALERT no-coordinator-available"


@dataclass(eq=False)
class Coordinator:
    """An international coordinator, keyed by the `sub` of their token.

    (policy) `on_leave` with no dates is a leave until further notice; with dates, the leave
    holds from `leave_from` to `leave_to` inclusive. During leave the coordinator receives no
    work and decides nothing; a named `substitute` covers their programmes meanwhile.
    """

    subject: str
    name: str | None
    email: str | None  # personal data
    programmes: list
    on_leave: bool = False
    leave_from: date | None = None
    leave_to: date | None = None
    substitute: str | None = None

    def away(self, today: date) -> bool:
        if not self.on_leave:
            return False
        return (self.leave_from is None or self.leave_from <= today) and (
            self.leave_to is None or today <= self.leave_to
        )

    @property
    def leave(self) -> dict | None:
        """The leave as the directory shows it; None when not on leave."""
        if not self.on_leave:
            return None
        return {"from": self.leave_from, "to": self.leave_to, "substitute": self.substitute}

    def update(self, *, programmes: list, name: str | None, email: str | None, leave=None):
        """`leave`: None (not on leave), or one with `leave_from`, `leave_to` and `substitute`."""
        self.programmes = sorted(set(programmes))
        if name is not None:
            self.name = name
        if email is not None:
            self.email = email
        if leave is None:
            self.on_leave, self.leave_from, self.leave_to, self.substitute = False, None, None, None
        else:
            self.on_leave = True
            self.leave_from, self.leave_to = leave.leave_from, leave.leave_to
            self.substitute = leave.substitute


def check_leave(subject: str, leave, known_subjects: set[str]):
    """A leave (with `leave_from`, `leave_to`, `substitute`) must be a period and name a colleague."""
    if leave is None:
        return
    if leave.leave_from > leave.leave_to:
        raise Invalid({"leave": ["the leave must not end before it starts"]})
    substitute = leave.substitute
    if substitute == subject:
        raise Invalid({"leave": ["a coordinator cannot substitute for themselves"]})
    if substitute is not None and substitute not in known_subjects:
        raise Invalid({"leave": [f"unknown substitute {substitute!r}: add them as a coordinator first"]})


def programmes_covered(subject: str, coordinators: list[Coordinator], today: date) -> set[str]:
    """The programmes a person decides for today: their own unless away, plus those they stand in for."""
    covered: set[str] = set()
    for coordinator in coordinators:
        if coordinator.subject == subject and not coordinator.away(today):
            covered |= set(coordinator.programmes)
        elif coordinator.substitute == subject and coordinator.away(today):
            covered |= set(coordinator.programmes)
    return covered


def as_in_directory(actor: Actor, coordinators: list[Coordinator], today: date) -> Actor:
    """The actor with the programmes the directory says they cover today.

    Approvals owns the directory, so it never takes a caller's word for a coordinator's
    programmes; other roles cover none (an admin acts for every programme anyway).
    """
    covered = programmes_covered(actor.subject, coordinators, today) if actor.role == COORDINATOR else set()
    return replace(actor, programmes=tuple(sorted(covered)))


def available_coordinators(programme_code: str, coordinators: list[Coordinator], today: date) -> set[str]:
    """Everyone who can decide for a programme today (empty means an operational alert)."""
    return {c.subject for c in coordinators if programme_code in programmes_covered(c.subject, coordinators, today)}


def uncovered_programmes(programmes: set[str], coordinators: list[Coordinator], today: date) -> set[str]:
    """The programmes nobody can decide for today: each is an operational alert."""
    return {p for p in programmes if not available_coordinators(p, coordinators, today)}
