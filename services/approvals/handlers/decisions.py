"""Deciding: an activity version (alone or in bulk), the final report, taking an approval back.

Only an admin or a coordinator covering the student's programme today decides; to anyone else
the item is not theirs to know of (404).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from services.approvals.domain import decisions, eligibility, statuses
from services.approvals.domain.decisions import Decision
from services.approvals.handlers.common import in_directory, note
from services.approvals.handlers.eligibility import evaluate, standing_of
from services.approvals.handlers.funnel import count_again
from shared.db import utcnow
from shared.errors import CimError, Conflict, NotFound
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    ACTIVITY_APPROVED,
    ACTIVITY_CHANGES_REQUESTED,
    ACTIVITY_REJECTED,
    REPORT_ACCEPTED,
    REPORT_RETURNED,
)
from shared.permissions import ADMIN, COORDINATOR, Actor, ensure_may_coordinate, ensure_may_have_role
from shared.rpc.approvals import ActivityDecision, ApprovalWithdrawal, BulkItem, ReportDecision

log = logging.getLogger(__name__)

DECIDERS = (COORDINATOR, ADMIN)

# The event each decision announces.
ACTIVITY_DECISION_EVENTS = {
    statuses.APPROVED: ACTIVITY_APPROVED,
    statuses.REJECTED: ACTIVITY_REJECTED,
    statuses.CHANGES_REQUESTED: ACTIVITY_CHANGES_REQUESTED,
}
REPORT_DECISION_EVENTS = {statuses.ACCEPTED: REPORT_ACCEPTED, statuses.RETURNED: REPORT_RETURNED}


def ensure_may_decide(uow, actor: Actor, student, what: str):
    """A decider of the student's programme today (per the directory), for a current student."""
    ensure_may_coordinate(in_directory(uow, actor), student.programme_code, what)
    if student.status == statuses.WITHDRAWN:
        raise Conflict("the student has left the CIM")


def _activity_to_decide(uow, actor: Actor, activity_id: str) -> tuple:
    ensure_may_have_role(actor, *DECIDERS, doing="decide on activities")
    activity = uow.repo.activity(activity_id, lock=True)
    if activity is None:
        raise NotFound("no such activity")
    student = uow.repo.student(activity.student_id)
    if student is None:
        raise Conflict("the student's record has not reached approvals yet; try again shortly")
    ensure_may_decide(uow, actor, student, "activity")
    return activity, student


def _record(uow, decision: Decision):
    uow.repo.add_decision(decision)
    note(
        uow,
        decision.student_id,
        f"{decision.kind}_{decision.decision}",
        at=decision.decided_at,
        actor=decision.decided_by,
        item_kind=decision.kind,
        item_id=decision.item_id,
        version=decision.version,
        detail=decision.comment,
    )


def decide_activity(uow, *, actor: Actor, activity_id: str, request: ActivityDecision) -> Decision:
    activity, student = _activity_to_decide(uow, actor, activity_id)
    decision = decisions.decide_activity(
        activity,
        decision=request.decision,
        comment=request.comment,
        version=request.version,
        decided_by=actor.subject,
        now=utcnow(),
    )
    _record(uow, decision)
    uow.publish(
        ACTIVITY_DECISION_EVENTS[decision.decision],
        {
            "activity_id": activity.activity_id,
            "student_id": activity.student_id,
            "version": decision.version,
            "decided_by": decision.decided_by,
            "decided_at": decision.decided_at,
            "comment": decision.comment,
        },
    )
    if decision.decision == statuses.APPROVED:
        evaluate(uow, student.student_id)
    return decision


def bulk_item_result(item: BulkItem, decision: Decision | None = None, refusal: CimError | None = None) -> dict:
    """One item of a bulk decision: what it alone would have answered (status, problem code)."""
    if refusal is None:
        return {
            "activity_id": item.activity_id,
            "ok": True,
            "status": 200,
            "decision": decision.decision,
            "version": decision.version,
            "error": None,
            "detail": None,
        }
    return {
        "activity_id": item.activity_id,
        "ok": False,
        "status": refusal.status,
        "error": refusal.code,
        "decision": None,
        "version": item.version,
        "detail": str(refusal.detail) if refusal.args else None,
    }


@dataclass(frozen=True)
class ApprovalWithdrawn:
    """A withdrawal (its decision's fields read through) and what it left of the standing."""

    record: Decision
    activity_requirement_met: bool
    was_eligible: bool

    def __getattr__(self, name):  # the view reads the decision's own fields from here
        if name == "record":  # not set yet (a copy being built): no decision to read through
            raise AttributeError(name)
        return getattr(self.record, name)


def withdraw_approval(uow, *, actor: Actor, activity_id: str, request: ApprovalWithdrawal) -> ApprovalWithdrawn:
    """Take an approval back (with a reason); the certificate side hears of it when it matters."""
    activity, student = _activity_to_decide(uow, actor, activity_id)
    was_eligible = uow.repo.evaluation(student.student_id, eligibility.ELIGIBLE) is not None
    decision = decisions.withdraw_approval(activity, reason=request.reason, decided_by=actor.subject, now=utcnow())
    _record(uow, decision)
    standing = standing_of(uow, student)
    met = uow.repo.evaluation(student.student_id, eligibility.REQUIREMENT_MET)
    if met is not None and not standing.activity_requirement_met:
        # The requirement lapsed: forget the announcement, so that meeting it again (a new
        # approval) announces it again and the ceremony side reopens booking and the report.
        uow.repo.forget_evaluation(met)
        note(
            uow,
            student.student_id,
            "requirement_lapsed",
            at=decision.decided_at,
            actor=decision.decided_by,
            item_kind="eligibility",
            item_id=activity.activity_id,
            detail=decision.comment,
        )
    uow.publish(
        ACTIVITY_APPROVAL_WITHDRAWN,
        {
            "activity_id": activity.activity_id,
            "student_id": student.student_id,
            "version": decision.version,
            "withdrawn_by": decision.decided_by,
            "withdrawn_at": decision.decided_at,
            "reason": decision.comment,
            "activity_requirement_met": standing.activity_requirement_met,
            "was_eligible": was_eligible,
        },
    )
    if was_eligible:
        log.warning(
            "approval of activity %s withdrawn after student %s became eligible: the certificate side is told",
            activity.activity_id,
            student.student_id,
        )
    count_again(uow, student.student_id)
    return ApprovalWithdrawn(decision, standing.activity_requirement_met, was_eligible)


def decide_report(uow, *, actor: Actor, student_id: str, request: ReportDecision) -> Decision:
    ensure_may_have_role(actor, *DECIDERS, doing="decide on final reports")
    student = uow.repo.student(student_id)
    if student is None:
        raise NotFound("no such student")
    ensure_may_decide(uow, actor, student, "student")
    decision = decisions.decide_report(
        uow.repo.report(student_id, lock=True),
        decision=request.decision,
        comment=request.comment,
        decided_by=actor.subject,
        now=utcnow(),
    )
    _record(uow, decision)
    uow.publish(
        REPORT_DECISION_EVENTS[decision.decision],
        {
            "student_id": student_id,
            "report_id": decision.item_id,
            "decided_by": decision.decided_by,
            "decided_at": decision.decided_at,
            "comment": decision.comment,
        },
    )
    if decision.decision == statuses.ACCEPTED:
        evaluate(uow, student_id)
    return decision
