"""What the campus edge holds about a student: the campus events about them, and the login link."""

from services.campus import orm
from shared.personal_records import Holding, by_student, published_mentioning

OUTBOX = orm.metadata.tables["outbox"]

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.inbound_events, by_student(orm.inbound_events)),
    Holding(orm.people, by_student(orm.people)),
]
