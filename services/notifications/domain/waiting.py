"""What waits for a coordinator's decision, as notifications learns it from events.

An item is an activity (from activity.submitted.v1 / activity.resubmitted.v1) or a final report
(report.submitted.v1). It waits until a decision on its version, a withdrawal or the student's
leaving closes it. Events may come out of order and twice: an item takes a version only when it
is newer than the one it has, and a close that arrives before its submission is kept, so the
late submission does not open the item again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ACTIVITY = "activity"
REPORT = "report"
WAITING = "waiting"
CLOSED = "closed"
FOR_GOOD = 1_000_000  # the version a withdrawn item is closed at: no later version reopens it


@dataclass(eq=False)
class WaitingItem:
    item_id: str  # the activity's id, or the report submission's id
    kind: str  # activity | report
    student_id: str
    version: int
    title: str | None  # the student's title for an activity; none for a report
    status: str  # waiting | closed
    waiting_since: datetime | None  # when this version was submitted
    reminded_at: datetime | None  # when the coordinators were told this version waits too long

    def submitted(self, *, version: int, title: str | None, at: datetime) -> bool:
        """A (newer) version waits from `at`; its reminder is still to come. False: nothing changed."""
        if version <= self.version:
            return False
        self.version, self.title, self.status = version, title, WAITING
        self.waiting_since, self.reminded_at = at, None
        return True

    def closed(self, version: int | None = None) -> bool:
        """Decided (that `version`, or the latest when None) or withdrawn; False: it was not waiting."""
        version = self.version if version is None else version
        if version < self.version or (self.status == CLOSED and version == self.version):
            return False
        self.version, self.status = version, CLOSED
        return True


def submitted_item(
    *, item_id: str, kind: str, student_id: str, version: int, title: str | None, at: datetime
) -> WaitingItem:
    return WaitingItem(item_id, kind, student_id, version, title, WAITING, at, None)


def closed_item(*, item_id: str, kind: str, student_id: str, version: int) -> WaitingItem:
    """A close that came before its item: kept, so the late submission finds the item decided."""
    return WaitingItem(item_id, kind, student_id, version, None, CLOSED, None, None)
