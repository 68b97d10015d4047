"""What activities holds about a student (every activity, version, session and decision), and
what leaving the CIM does to their activities."""

from services.activities import orm
from services.activities.domain.activities import CHANGES_REQUESTED, SUBMITTED
from shared.events import ACTIVITY_WITHDRAWN
from shared.personal_records import Holding, by_student, published_mentioning, through

OUTBOX = orm.metadata.tables["outbox"]


def _of_their_activities(table):
    return through(table, "activity_id", orm.activities, "activity_id")


HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.activity_decisions, _of_their_activities(orm.activity_decisions)),
    Holding(orm.activity_sessions, _of_their_activities(orm.activity_sessions)),
    Holding(orm.activity_versions, _of_their_activities(orm.activity_versions)),
    Holding(orm.activities, by_student(orm.activities)),
]


def withdraw_student(uow, data: dict):
    """student.withdrawn.v1: every activity still waiting for a decision is withdrawn (as if the
    student had withdrawn each); decided ones, and those with a standing approval, stay."""
    for activity in uow.repo.activities_of(data["student_id"]):
        if activity.status in (SUBMITTED, CHANGES_REQUESTED) and not activity.approval_stands:
            activity.withdraw()
            uow.publish(
                ACTIVITY_WITHDRAWN,
                {
                    "activity_id": activity.activity_id,
                    "student_id": activity.student_id,
                    "withdrawn_at": data["withdrawn_at"],
                },
            )
