"""What notifications holds about a student: the recipient copy, every message and its attempts."""
from services.notifications import orm
from shared.personal_records import ERASED, ERASED_EMAIL, Holding, by_student, published_mentioning, through

OUTBOX = orm.metadata.tables["outbox"]

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.delivery_log, through(orm.delivery_log, "message_id", orm.messages, "message_id")),
    Holding(orm.messages, by_student(orm.messages)),
    # Kept, pseudonymised: a later event about the student (a revocation) finds a recipient and
    # writes to an address that is never delivered, instead of waiting for one in vain.
    Holding(orm.recipients, by_student(orm.recipients),
            erase={"name": ERASED, "email": ERASED_EMAIL}),
]
