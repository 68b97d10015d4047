"""What registration holds about a student: the profile, and the published events naming them."""
from services.registration import orm
from shared.personal_records import Holding, by_student, published_mentioning

OUTBOX = orm.metadata.tables["outbox"]

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.students, by_student(orm.students)),
]
