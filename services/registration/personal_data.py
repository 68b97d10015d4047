"""What registration holds about a student (the profile, the published events naming them), and
the erasure an admin asks for."""

import json

import sqlalchemy as sa

from services.registration import orm
from shared.db import utcnow
from shared.errors import NotFound
from shared.events import STUDENT_ERASURE_REQUESTED
from shared.permissions import ADMIN, Actor, ensure_may_have_role
from shared.personal_records import ERASED, ERASED_EMAIL, Holding, by_student, published_mentioning

OUTBOX = orm.metadata.tables["outbox"]

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    # The row stays (the id other services and a certificate name); nothing in it leads to the
    # person: the login is replaced too, so their token no longer finds it.
    Holding(
        orm.students,
        by_student(orm.students),
        erase={
            "name": ERASED,
            "email": ERASED_EMAIL,
            "issuer": ERASED,
            "subject": sa.literal("erased:") + orm.students.c.student_id,
            "status": "erased",
        },
    ),
]


def request_erasure(uow, *, actor: Actor, student_id: str, reason: str) -> dict:
    """An admin erases a student's personal data: every service hears student.erasure_requested.v1
    (registration too: its own copy is erased by the same consumer as everyone's)."""
    ensure_may_have_role(actor, ADMIN, doing="erase a student's personal data")
    if uow.repo.student(student_id) is None:
        raise NotFound("no such student")
    requested_at = utcnow()
    event = uow.publish(
        STUDENT_ERASURE_REQUESTED,
        {"student_id": student_id, "requested_at": requested_at, "requested_by": actor.subject, "reason": reason},
    )
    return {"erasure_id": event["event_id"], "student_id": student_id, "requested_at": requested_at.isoformat()}


def latest_erasure(uow, *, actor: Actor, student_id: str) -> dict:
    """The latest erasure asked for the student, as its event stands in registration's outbox
    (the one row about them that erasure keeps)."""
    ensure_may_have_role(actor, ADMIN, doing="read an erasure report")
    envelope = uow.session.scalar(
        sa.select(OUTBOX.c.payload)
        .where(OUTBOX.c.event_type == STUDENT_ERASURE_REQUESTED, OUTBOX.c.payload.contains(student_id))
        .order_by(OUTBOX.c.id.desc())
        .limit(1)
    )
    if envelope is None:
        raise NotFound("no erasure was asked for this student")
    envelope = json.loads(envelope)
    return {"erasure_id": envelope["event_id"], **envelope["data"]}
