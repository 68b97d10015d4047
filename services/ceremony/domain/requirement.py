"""Whether a student may book a ceremony and submit the final report: approvals' word that the
activity requirement is met, and the lapse when an approval withdrawn takes it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.errors import Conflict

NOT_YET_MET = (
    "the activity requirement is not met yet: the final report and the ceremony open "
    "once your coordinator has approved enough activities"
)
LAPSED = (
    "the activity requirement is no longer met: your coordinator withdrew the approval of "
    "an activity (reason: {reason}). New ceremony bookings and final report submissions "
    "open again once enough of your activities are approved; a booking you already have "
    "stays"
)


@dataclass(eq=False)
class RequirementMet:
    """Our copy of approvals' word that a student met the activity requirement."""

    student_id: str
    programme_code: str
    rule_set: str
    met_at: datetime


@dataclass(eq=False)
class RequirementLapse:
    """The activity requirement no longer met since an approval was withdrawn
    (`activity.approval_withdrawn.v1` with `activity_requirement_met` false).

    While it is in force, new bookings and report submissions are refused; existing bookings
    stay. It is lifted when approvals says the requirement is met at a later moment. Events may
    arrive late or out of order, so each change is judged by the time it speaks of.
    """

    student_id: str
    activity_id: str
    reason: str
    lapsed_at: datetime
    lifted_at: datetime | None = None

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None

    def lapse(self, *, activity_id: str, reason: str, at: datetime):
        """Another withdrawal left the requirement unmet at `at`; older news changes nothing."""
        newest = self.lapsed_at if self.lifted_at is None else max(self.lapsed_at, self.lifted_at)
        if at <= newest:
            return
        self.activity_id, self.reason, self.lapsed_at, self.lifted_at = activity_id, reason, at, None

    def lift(self, *, met_at: datetime):
        """Approvals says the requirement is met at `met_at`: it lifts a lapse that came before."""
        if met_at <= self.lapsed_at:
            return
        if self.lifted_at is None or met_at > self.lifted_at:
            self.lifted_at = met_at


def ensure_requirement_met(requirement: RequirementMet | None, lapse: RequirementLapse | None):
    """The student may book a ceremony and submit the report only while the requirement stands."""
    if lapse is not None and lapse.in_force:
        raise Conflict(LAPSED.format(reason=lapse.reason))
    if requirement is None:
        raise Conflict(NOT_YET_MET)
