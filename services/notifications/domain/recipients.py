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
    # What the scheduled messages need (RULES.md, "Notifications (policy)"): the programme whose
    # coordinators decide, the graduation month, and where the student stands.
    programme_code: str | None = None
    expected_graduation: str | None = None  # YYYY-MM
    withdrawn_at: datetime | None = None  # they left the CIM (None: enrolled)
    requirement_met: bool = False
    requirement_as_of: datetime | None = None  # the time of the event that last said met or not
    graduation_reminded_at: datetime | None = None  # the graduation reminder went (once)

    def update(
        self,
        *,
        name: str,
        email: str,
        language: str,
        as_of: datetime,
        programme_code: str | None = None,
        expected_graduation: str | None = None,
    ) -> bool:
        """Take newer details; an older event arriving late does not overwrite newer ones."""
        if as_of < self.as_of:
            return False
        self.name, self.email, self.language, self.as_of = name, email, language, as_of
        self.programme_code = programme_code or self.programme_code
        self.expected_graduation = expected_graduation or self.expected_graduation
        return True

    def registered(self, at: datetime):
        """A registration newer than the student's withdrawal: enrolled again."""
        if self.withdrawn_at is not None and at > self.withdrawn_at:
            self.withdrawn_at = None

    def withdrew(self, at: datetime):
        self.withdrawn_at = max(at, self.withdrawn_at) if self.withdrawn_at else at

    def requirement(self, met: bool, as_of: datetime) -> bool:
        """Whether the activity requirement is met, as the newest of approvals' events says."""
        if self.requirement_as_of is not None and as_of < self.requirement_as_of:
            return False
        self.requirement_met, self.requirement_as_of = met, as_of
        return True
