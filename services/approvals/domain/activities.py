"""Approvals' copy of an activity: the latest version, its decision status, whether it counts.

Versions arrive from activities' events in any order, possibly twice; the newest is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.approvals.domain.statuses import APPROVAL_WITHDRAWN, APPROVED, PENDING, WITHDRAWN


@dataclass(eq=False)
class Activity:
    """Approvals' copy of the latest version of an activity, with its decision status.

    `activity_type` and `location` are the event's objects; `sessions` the attendance sessions
    the version carries (dates as ISO strings). `approved_*` remember what the coordinator last
    approved: (policy) a repeated-attendance activity keeps counting with its approved sessions
    while a newer version (more sessions) waits for a decision, and counts with the location
    that was approved, not one a later, undecided version claims.
    """

    activity_id: str
    student_id: str
    version: int
    activity_type: dict
    title: str
    description: str
    location: dict
    start_date: date
    end_date: date
    sessions: list
    submitted_at: datetime
    status: str = PENDING
    approved_version: int | None = None
    approved_sessions: int = 0
    approved_location: str | None = None

    @property
    def type_code(self) -> str:
        return self.activity_type["code"]

    @property
    def sessions_required(self) -> int:
        return int(self.activity_type.get("sessions_required") or 1)

    @property
    def repeated_attendance(self) -> bool:
        return self.sessions_required > 1

    @property
    def location_kind(self) -> str:
        return self.location["kind"]

    @property
    def counted_location(self) -> str:
        """Where the activity counts: where it was when approved."""
        return self.approved_location or self.location_kind

    @property
    def approved(self) -> bool:
        return self.approved_version is not None and self.status not in (WITHDRAWN, APPROVAL_WITHDRAWN)

    @property
    def sessions_missing(self) -> int:
        """Approved attendance still to come; only a repeated-attendance type has any."""
        if not self.repeated_attendance:
            return 0
        return max(0, self.sessions_required - (self.approved_sessions if self.approved else 0))

    def counts(self) -> bool:
        """Approved, and for a repeated-attendance type with enough approved sessions: once."""
        return self.approved and self.sessions_missing == 0

    def replace_with(self, version: int, values: dict, submitted_at: datetime, withdrawn: bool = False) -> bool:
        """Take a newer version from an event; an older or the same version changes nothing.

        A withdrawal is final: a version arriving after it (out of order) stays withdrawn.
        """
        if version <= self.version:
            return False
        for name, value in values.items():
            setattr(self, name, value)
        self.version, self.submitted_at = version, submitted_at
        self.status = WITHDRAWN if (withdrawn or self.status == WITHDRAWN) else PENDING
        return True

    def withdraw(self):
        self.status = WITHDRAWN

    def approve(self):
        self.status = APPROVED
        self.approved_version = self.version
        self.approved_sessions = len(self.sessions)
        self.approved_location = self.location_kind

    def take_back_approval(self):
        self.status = APPROVAL_WITHDRAWN
        self.approved_version, self.approved_sessions, self.approved_location = None, 0, None


def receive_version(
    existing: Activity | None,
    *,
    withdrawn: bool,
    activity_id: str,
    student_id: str,
    version: int,
    values: dict,
    submitted_at: datetime,
) -> tuple[Activity, bool]:
    """An activity version arrives (in any order, possibly twice): the newest one is kept.

    `withdrawn` says whether the student's withdrawal has already arrived; it wins over any
    version, whichever came first. Returns the copy and whether it changed.
    """
    if existing is None:
        activity = Activity(
            activity_id=activity_id, student_id=student_id, version=version, submitted_at=submitted_at, **values
        )
        if withdrawn:
            activity.withdraw()
        return activity, True
    changed = existing.replace_with(version, values, submitted_at, withdrawn=withdrawn)
    return existing, changed
