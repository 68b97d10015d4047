"""What the campus edge holds about a student: the campus events about them, and the login link.

The edge keeps events about a person by `student_ref` (their subject at the university's
identity provider), and only events applied after they registered name their student id: an
enrolment (it is how they register) and events kept while they had not registered, expired or
not, do not. So the student's rows are those naming their id or the subject the edge knows them
by at the campus issuer (the `people` row, erased last); likewise the published events that name
that subject (the enrolment the edge forwarded carries name and email, and no student id yet).
"""

import sqlalchemy as sa

from services.campus import orm
from shared.personal_records import Holding, by_student, published_mentioning

OUTBOX = orm.metadata.tables["outbox"]
LIKE_ESCAPE = "/"


def _subject(student_id: str, issuer: str):
    """The subject the edge knows the student by at the campus issuer (NULL when it knows none)."""
    people = orm.people
    return sa.select(people.c.subject).where(people.c.student_id == student_id, people.c.issuer == issuer)


def _literally(value):
    """A SQL value matched literally by LIKE (its wildcards escaped)."""
    for char in (LIKE_ESCAPE, "%", "_"):
        value = sa.func.replace(value, char, LIKE_ESCAPE + char)
    return value


def _their_inbound_events(issuer: str):
    events = orm.inbound_events
    return lambda student_id: sa.or_(
        events.c.student_id == student_id, events.c.student_ref.in_(_subject(student_id, issuer))
    )


def _their_published_events(issuer: str):
    mentioning_id = published_mentioning(OUTBOX)

    def about(student_id: str):
        # the envelope as json.dumps wrote it: "subject": "<their subject>"
        pattern = sa.literal('%"subject": "') + _literally(_subject(student_id, issuer).scalar_subquery()) + '"%'
        naming_subject = sa.and_(OUTBOX.c.published_at.is_not(None), OUTBOX.c.payload.like(pattern, escape=LIKE_ESCAPE))
        return sa.or_(mentioning_id(student_id), naming_subject)

    return about


def holdings(issuer: str) -> list[Holding]:
    """The edge's holdings for the identity provider whose subjects campus systems send."""
    return [
        Holding(OUTBOX, _their_published_events(issuer), exported=False),
        Holding(orm.inbound_events, _their_inbound_events(issuer)),
        Holding(orm.people, by_student(orm.people)),
    ]
