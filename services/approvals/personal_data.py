"""What approvals holds about a student: its copies, the decisions, evaluations and audit trail."""

from services.approvals import orm
from services.approvals.domain.audit import audit
from services.approvals.domain.statuses import WITHDRAWN
from services.approvals.handlers.funnel import count_again
from shared.personal_records import ERASED, ERASED_EMAIL, KEEP, Holding, by_student, published_mentioning

OUTBOX = orm.metadata.tables["outbox"]

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.students, by_student(orm.students), erase={"name": ERASED, "email": ERASED_EMAIL, "status": WITHDRAWN}),
    Holding(orm.activities, by_student(orm.activities)),
    Holding(orm.activity_withdrawals, by_student(orm.activity_withdrawals)),
    Holding(orm.decisions, by_student(orm.decisions), erase={"comment": None}),
    Holding(orm.reports, by_student(orm.reports)),
    Holding(orm.presentations, by_student(orm.presentations), erase=KEEP),
    Holding(orm.evaluations, by_student(orm.evaluations), erase=KEEP),
    Holding(orm.audit_entries, by_student(orm.audit_entries), erase={"detail": None}),
    Holding(orm.issued_certificates, by_student(orm.issued_certificates), erase=KEEP),
    # kept by the erasure itself; record_erasure then counts the (withdrawn) student out of it
    Holding(orm.funnel_journeys, by_student(orm.funnel_journeys), erase=KEEP),
]


def record_erasure(uow, data: dict):
    """The erasure itself goes into the audit trail (after the trail's details were blanked):
    who asked, when and why, and nothing of what was erased."""
    uow.repo.add(
        audit(
            data["student_id"],
            "personal_data_erased",
            at=data["requested_at"],
            actor=data["requested_by"],
            item_kind="student",
            item_id=data["student_id"],
            detail=data["reason"],
        )
    )
    count_again(uow, data["student_id"])  # erased: counted no more
