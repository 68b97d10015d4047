"""Evaluating a student: each outcome is announced the first time it is reached, and only then."""

from __future__ import annotations

from services.approvals.domain import eligibility, statuses
from services.approvals.handlers.common import note
from services.approvals.handlers.funnel import count_again
from shared.db import utcnow
from shared.events import STUDENT_ACTIVITY_REQUIREMENT_MET, STUDENT_ELIGIBLE


def standing_of(uow, student) -> eligibility.Standing:
    """Where the student stands now, from approvals' copies."""
    return eligibility.assess(
        student,
        uow.repo.activities_of(student.student_id),
        uow.repo.report(student.student_id),
        uow.repo.presentation(student.student_id),
    )


def evaluate(uow, student_id: str):
    """Announce each outcome the first time it is reached (the evaluations' key keeps it once),
    and count the student again in the funnel's summary."""
    _announce(uow, student_id)
    count_again(uow, student_id)


def _announce(uow, student_id: str):
    student = uow.repo.student(student_id)
    if student is None or student.status == statuses.WITHDRAWN:
        return
    presentation = uow.repo.presentation(student_id)
    standing = standing_of(uow, student)
    now = utcnow()
    rule_set = f"{standing.rule_set.name} v{standing.rule_set.version}"
    if standing.activity_requirement_met and uow.repo.claim_evaluation(
        eligibility.new_evaluation(student_id, eligibility.REQUIREMENT_MET, standing, now)
    ):
        note(
            uow,
            student_id,
            eligibility.REQUIREMENT_MET,
            at=now,
            actor="approvals",
            item_kind="eligibility",
            detail=f"rule set {rule_set}; counted " + ", ".join(a.activity_id for a in standing.counted),
        )
        uow.publish(
            STUDENT_ACTIVITY_REQUIREMENT_MET,
            {
                "student_id": student_id,
                "programme": student.programme_code,
                "rule_set": standing.rule_set.name,
                "rule_set_version": standing.rule_set.version,
                "activity_ids": [a.activity_id for a in standing.counted],
                "met_at": now,
            },
        )
    if standing.eligible and uow.repo.claim_evaluation(
        eligibility.new_evaluation(student_id, eligibility.ELIGIBLE, standing, now)
    ):
        note(
            uow,
            student_id,
            eligibility.ELIGIBLE,
            at=now,
            actor="approvals",
            item_kind="eligibility",
            detail=f"rule set {rule_set}",
        )
        uow.publish(
            STUDENT_ELIGIBLE,
            {
                "student_id": student_id,
                "name": student.name,
                "email": student.email,
                "language": student.language,
                "programme": student.programme,
                "rule_set": standing.rule_set.name,
                "rule_set_version": standing.rule_set.version,
                "activities": [
                    {
                        "activity_id": a.activity_id,
                        "activity_type": a.activity_type,
                        "title": a.title,
                        "location": a.location,
                        "start_date": a.start_date,
                        "end_date": a.end_date,
                    }
                    for a in standing.counted
                ],
                "ceremony": {"ceremony_id": presentation.ceremony_id, "date": presentation.ceremony_date},
                "eligible_at": now,
            },
        )
