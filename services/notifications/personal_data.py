"""What notifications holds about a student: the recipient copy, every message and its attempts."""
from services.notifications import orm
from shared.personal_records import Holding, by_student, published_mentioning, through

OUTBOX = orm.metadata.tables["outbox"]

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.delivery_log, through(orm.delivery_log, "message_id", orm.messages, "message_id")),
    Holding(orm.messages, by_student(orm.messages)),
    Holding(orm.recipients, by_student(orm.recipients)),
]
