"""The coordinator's decisions: on an activity version, on the final report, taking an approval back.

Each decision is a record of its own, kept forever; deciding also moves the item's status.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.approvals.domain.activities import Activity
from services.approvals.domain.statuses import (
    ACTIVITY_DECISIONS,
    APPROVAL_WITHDRAWN,
    APPROVED,
    DECISIONS_NEEDING_A_REASON,
    PENDING,
    REPORT_DECISIONS,
)
from services.approvals.domain.students import Report
from shared.errors import Conflict, Invalid

ACTIVITY, REPORT = "activity", "report"  # what a decision is about (its `kind`)


@dataclass(eq=False)
class Decision:
    """One decision, kept forever: who decided what about which version, when, and why."""

    decision_id: str
    kind: str  # ACTIVITY | REPORT
    item_id: str  # the activity id or the report id
    student_id: str
    version: int
    decision: str
    comment: str | None
    decided_by: str
    decided_at: datetime


def _decision(
    kind: str,
    item_id: str,
    student_id: str,
    version: int,
    decision: str,
    comment: str | None,
    decided_by: str,
    now: datetime,
) -> Decision:
    return Decision(
        decision_id=str(uuid.uuid4()),
        kind=kind,
        item_id=item_id,
        student_id=student_id,
        version=version,
        decision=decision,
        comment=comment,
        decided_by=decided_by,
        decided_at=now,
    )


def ensure_reason(decision: str, comment: str | None):
    if decision in DECISIONS_NEEDING_A_REASON and not (comment or "").strip():
        raise Invalid({"comment": [f"a reason is required when the decision is {decision!r}"]})


def decide_activity(
    activity: Activity, *, decision: str, comment: str | None, version: int | None, decided_by: str, now: datetime
) -> Decision:
    if decision not in ACTIVITY_DECISIONS:
        raise Invalid({"decision": [f"must be one of {', '.join(ACTIVITY_DECISIONS)}"]})
    ensure_reason(decision, comment)
    if version is not None and version != activity.version:
        raise Conflict(f"version {version} is outdated or unknown: the activity is at version {activity.version}")
    if activity.status != PENDING:
        raise Conflict(f"this version of the activity is not awaiting a decision ({activity.status})")
    if decision == APPROVED:
        activity.approve()
    else:
        activity.status = decision
    return _decision(
        ACTIVITY,
        activity.activity_id,
        activity.student_id,
        activity.version,
        decision,
        comment or None,
        decided_by,
        now,
    )


def withdraw_approval(activity: Activity, *, reason: str | None, decided_by: str, now: datetime) -> Decision:
    """Take an approval back: the activity stops counting; the reason is mandatory.

    (policy) It applies to the activity as a whole: a newer version still waiting for a decision
    is closed with it; the student may correct and resubmit.
    """
    if not (reason or "").strip():
        raise Invalid({"reason": ["a reason is required to withdraw an approval"]})
    if not activity.approved:
        raise Conflict(f"the activity has no approval to withdraw ({activity.status})")
    activity.take_back_approval()
    return _decision(
        ACTIVITY,
        activity.activity_id,
        activity.student_id,
        activity.version,
        APPROVAL_WITHDRAWN,
        reason.strip(),
        decided_by,
        now,
    )


def decide_report(
    report: Report | None, *, decision: str, comment: str | None, decided_by: str, now: datetime
) -> Decision:
    if decision not in REPORT_DECISIONS:
        raise Invalid({"decision": [f"must be one of {', '.join(REPORT_DECISIONS)}"]})
    ensure_reason(decision, comment)
    if report is None or report.status != PENDING:
        raise Conflict("no final report is awaiting a decision")
    report.status = decision
    return _decision(
        REPORT, report.report_id, report.student_id, report.version, decision, comment or None, decided_by, now
    )
