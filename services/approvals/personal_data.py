"""What approvals holds about a student: its copies, the decisions, evaluations and audit trail."""
from services.approvals import orm
from shared.personal_records import KEEP, Holding, by_student, published_mentioning

OUTBOX = orm.metadata.tables["outbox"]

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.students, by_student(orm.students)),
    Holding(orm.activities, by_student(orm.activities)),
    Holding(orm.activity_withdrawals, by_student(orm.activity_withdrawals)),
    Holding(orm.decisions, by_student(orm.decisions)),
    Holding(orm.reports, by_student(orm.reports)),
    Holding(orm.presentations, by_student(orm.presentations), erase=KEEP),
    Holding(orm.evaluations, by_student(orm.evaluations), erase=KEEP),
    Holding(orm.audit_entries, by_student(orm.audit_entries)),
    Holding(orm.issued_certificates, by_student(orm.issued_certificates), erase=KEEP),
]
