"""Eligibility: the activity requirement, the accepted report and the presentation, together.

Each conclusion (the requirement met, eligible) is reached, stored and announced once per student.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.approvals.domain.activities import Activity
from services.approvals.domain.rules import RuleSet, assess_activities, rule_set_for
from services.approvals.domain.statuses import ACCEPTED
from services.approvals.domain.students import Presentation, Report, Student

# What an evaluation concluded; each is reached (and announced) at most once per student.
REQUIREMENT_MET = "activity_requirement_met"
ELIGIBLE = "eligible"


@dataclass(eq=False)
class Evaluation:
    """A conclusion reached about a student, with the rule set (and version) that reached it."""

    evaluation_id: str
    student_id: str
    outcome: str  # REQUIREMENT_MET | ELIGIBLE
    rule_set: str
    rule_set_version: int
    activity_ids: list
    evaluated_at: datetime


REPORT_MISSING = {
    "en": "a final report accepted by your coordinator",
    "sv": "en slutrapport som din koordinator har godkänt",
}
PRESENTATION_MISSING = {
    "en": "an oral presentation at a CIM ceremony",
    "sv": "en muntlig presentation vid en CIM-ceremoni",
}


@dataclass
class Standing:
    """Where a student stands: the answer to "am I eligible, and if not, what is missing?"."""

    rule_set: RuleSet
    activity_requirement_met: bool
    report_accepted: bool
    presentation_recorded: bool
    counted: list
    missing: list

    @property
    def eligible(self) -> bool:
        return self.activity_requirement_met and self.report_accepted and self.presentation_recorded


def assess(
    student: Student, activities: list[Activity], report: Report | None, presentation: Presentation | None
) -> Standing:
    """Eligible = activity requirement met + final report accepted + presentation recorded."""
    rule_set = rule_set_for(student.expected_graduation)
    activity_standing = assess_activities(rule_set, activities)
    report_accepted = report is not None and report.status == ACCEPTED
    presented = presentation is not None
    missing = list(activity_standing.missing)
    if not report_accepted:
        missing.append(dict(REPORT_MISSING))
    if not presented:
        missing.append(dict(PRESENTATION_MISSING))
    return Standing(
        rule_set=rule_set,
        activity_requirement_met=activity_standing.met,
        report_accepted=report_accepted,
        presentation_recorded=presented,
        counted=activity_standing.counted,
        missing=missing,
    )


def new_evaluation(student_id: str, outcome: str, standing: Standing, now: datetime) -> Evaluation:
    return Evaluation(
        evaluation_id=str(uuid.uuid4()),
        student_id=student_id,
        outcome=outcome,
        rule_set=standing.rule_set.name,
        rule_set_version=standing.rule_set.version,
        activity_ids=[a.activity_id for a in standing.counted],
        evaluated_at=now,
    )
