"""What certificates holds about a student: every version of the certificate, its Diploma
Supplement line, degrees and reviews. What an issued certificate states is kept (RULES.md)."""

from services.certificates import orm
from shared.personal_records import ERASED, KEEP, Holding, by_student, published_mentioning, through

OUTBOX = orm.metadata.tables["outbox"]

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(
        orm.certificate_reviews,
        by_student(orm.certificate_reviews),
        erase={"withdrawal_reason": ERASED, "decision_reason": None},
    ),
    # The PDF has its own download (GET /v1/me/certificate.pdf).
    Holding(
        orm.certificate_documents,
        through(orm.certificate_documents, "certificate_id", orm.certificates, "certificate_id"),
        erase=KEEP,
        omit=("content",),
    ),
    Holding(orm.diploma_supplement_entries, by_student(orm.diploma_supplement_entries), erase=KEEP),
    Holding(orm.certificates, by_student(orm.certificates), erase=KEEP),
    Holding(orm.degrees, by_student(orm.degrees), erase=KEEP),
]
