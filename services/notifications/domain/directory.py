"""Notifications' copy of the coordinator directory: who covers which programme today.

Approvals owns the directory and publishes each entry whole (coordinator.updated.v1); the copy
keeps the newest entry and answers the one question the digest and the reminders ask: whom to
write to about a programme today, given leave and substitutes (the rule of RULES.md,
"Coordinators", worded as approvals applies it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(eq=False)
class DirectoryEntry:
    """One coordinator as the directory last said (personal data: name and email)."""

    subject: str
    name: str | None
    email: str | None
    programmes: list
    on_leave: bool
    leave_from: date | None
    leave_to: date | None
    substitute: str | None
    as_of: datetime  # when the admin made the change this copy holds

    def away(self, today: date) -> bool:
        """On leave today: a leave without dates holds until further notice; dates are inclusive."""
        if not self.on_leave:
            return False
        return (self.leave_from is None or self.leave_from <= today) and (
            self.leave_to is None or today <= self.leave_to
        )

    def replace_with(self, newer: DirectoryEntry) -> bool:
        """Take a newer entry whole; an older one arriving late changes nothing."""
        if newer.as_of < self.as_of:
            return False
        for name in ("name", "email", "programmes", "on_leave", "leave_from", "leave_to", "substitute", "as_of"):
            setattr(self, name, getattr(newer, name))
        return True


def entry_from_event(data: dict) -> DirectoryEntry:
    """The data of COORDINATOR_UPDATED (approvals publishes it) as a directory entry."""
    return DirectoryEntry(
        subject=data["subject"],
        name=data.get("name"),
        email=data.get("email"),
        programmes=sorted(set(data["programmes"])),
        on_leave=data["on_leave"],
        leave_from=data.get("leave_from"),
        leave_to=data.get("leave_to"),
        substitute=data.get("substitute"),
        as_of=data["updated_at"],
    )


def programmes_covered(subject: str, entries: list[DirectoryEntry], today: date) -> set[str]:
    """The programmes a person decides for today: their own unless away, plus those they stand in for."""
    covered: set[str] = set()
    for entry in entries:
        if entry.subject == subject and not entry.away(today):
            covered |= set(entry.programmes)
        elif entry.substitute == subject and entry.away(today):
            covered |= set(entry.programmes)
    return covered


def coordinators_of(programme: str, entries: list[DirectoryEntry], today: date) -> list[DirectoryEntry]:
    """Everyone who decides for a programme today, by subject (none: approvals raises the alert)."""
    return sorted(
        (e for e in entries if programme in programmes_covered(e.subject, entries, today)), key=lambda e: e.subject
    )
