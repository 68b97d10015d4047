"""What notifications holds about a student (the recipient copy, every message and its attempts),
and how long a message's body is kept."""

import logging
from datetime import datetime, timedelta

from services.notifications import orm
from services.notifications.domain.delivery import FAILED, SENT
from shared.personal_records import ERASED, ERASED_EMAIL, Holding, by_student, published_mentioning, through

log = logging.getLogger(__name__)
OUTBOX = orm.metadata.tables["outbox"]
# (policy) How long the body of a message that left (or was given up) is kept.
DEFAULT_BODY_DAYS = 365

HOLDINGS = [
    Holding(OUTBOX, published_mentioning(OUTBOX), exported=False),
    Holding(orm.delivery_log, through(orm.delivery_log, "message_id", orm.messages, "message_id")),
    Holding(orm.messages, by_student(orm.messages)),
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
