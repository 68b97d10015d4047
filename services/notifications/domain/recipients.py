"""Whom notifications write to: a student's name, address and language as last registered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class UnknownRecipient(Exception):
    """The event concerns a student we have not heard of yet (events may arrive out of order).

    Raised from an event handler so that the event is retried later, not dropped.
    """


@dataclass(eq=False)
class Recipient:
    """Whom to write to, copied from the registration events (personal data)."""

    student_id: str
    name: str
    email: str
    language: str
    as_of: datetime  # when registration last changed these details

    def update(self, *, name: str, email: str, language: str, as_of: datetime) -> bool:
        """Take newer details; an older event arriving late does not overwrite newer ones."""
        if as_of < self.as_of:
            return False
        self.name, self.email, self.language, self.as_of = name, email, language, as_of
        return True
