"""What notifications holds about a student (the recipient copy, every message and its attempts),
and how long a message's body is kept."""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from services.notifications import orm
from services.notifications.domain.delivery import FAILED, SENT
from shared.personal_records import ERASED, ERASED_EMAIL, Holding, by_student, published_mentioning, through

log = logging.getLogger(__name__)
OUTBOX = orm.metadata.tables["outbox"]
# (policy) How long the body of a message that left (or was given up) is kept.
DEFAULT_BODY_DAYS = 365


def coordinator_messages_naming(student_id: str):
    """The coordinators' digests and reminders that listed one of the student's items (by name)."""
    notices, items = orm.item_notices, orm.waiting_items
    return orm.messages.c.message_id.in_(
        sa.select(notices.c.message_id).where(
            notices.c.item_id.in_(sa.select(items.c.item_id).where(items.c.student_id == student_id))
        )
    )


HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.delivery_log, through(orm.delivery_log, "message_id", orm.messages, "message_id")),
    Holding(orm.messages, by_student(orm.messages)),
    # Kept, closed and without the title: the coordinators' messages that listed the item are
    # found through it after the erasure (blank_coordinator_messages), and a late event about it
    # does not open it again.
    Holding(orm.waiting_items, by_student(orm.waiting_items), erase={"title": None, "status": "closed"}),
    # Kept, pseudonymised: a later event about the student (a revocation) finds a recipient and
    # writes to an address that is never delivered, instead of waiting for one in vain.
    Holding(orm.recipients, by_student(orm.recipients), erase={"name": ERASED, "email": ERASED_EMAIL}),
    Holding(orm.preferences, by_student(orm.preferences)),  # a student's language choice
]


def expire_bodies(uow, *, days: int, now: datetime) -> int:
    """Retention: the bodies of messages older than `days` that have left (or were given up)
    are emptied; the message stays (kind, status, dates) as the delivery log shows it."""
    messages = orm.messages
    emptied = uow.session.execute(
        messages.update()
        .where(
            messages.c.status.in_((SENT, FAILED)),
            messages.c.created_at < now - timedelta(days=days),
            messages.c.body != "",
        )
        .values(body="")
    ).rowcount
    if emptied:
        log.info("retention: emptied the bodies of %d message(s) older than %d days", emptied, days)
    return emptied


def blank_coordinator_messages(uow, data: dict) -> int:
    """After an erasure: the coordinators' messages naming the student keep their record (kind,
    status, dates) but lose their body; they are the coordinators' mail, so no export shows them."""
    return uow.session.execute(
        orm.messages.update()
        .where(coordinator_messages_naming(data["student_id"]), orm.messages.c.student_id.is_(None))
        .values(body="")
    ).rowcount
