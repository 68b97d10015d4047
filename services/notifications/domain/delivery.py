"""Delivery rules: a message's states, how long to wait before trying again, the delivery log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.notifications.domain.messages import Message

PENDING = "pending"
SENT = "sent"
FAILED = "failed"

# A message is tried this many times in all; the waits between tries double up to a ceiling,
# so an SMTP relay may be away for about a quarter of an hour before a message is given up.
MAX_ATTEMPTS = 10
FIRST_RETRY_DELAY = timedelta(seconds=2)
LONGEST_RETRY_DELAY = timedelta(minutes=5)


class DeliveryFailed(Exception):
    """The mail server did not take a message.

    `permanent`: the server refused it for good (5xx); trying again cannot help.
    `unreachable`: no server answered; the other messages waiting would fail the same way.
    """

    def __init__(self, reason: str, *, permanent: bool = False, unreachable: bool = False):
        super().__init__(reason)
        self.permanent = permanent
        self.unreachable = unreachable


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY_DELAY * 2 ** (attempts - 1), LONGEST_RETRY_DELAY)


@dataclass(eq=False)
class DeliveryAttempt:
    """One line of the delivery log: a try to hand a message to the mail server, and its outcome."""

    attempt_id: str
    message_id: str
    attempt: int
    attempted_at: datetime
    outcome: str  # sent | failed
    error: str | None


def log_attempt(message: "Message", now: datetime) -> DeliveryAttempt:
    """The log line of the try just recorded on `message`."""
    return DeliveryAttempt(
        attempt_id=str(uuid.uuid4()),
        message_id=message.message_id,
        attempt=message.attempts,
        attempted_at=now,
        outcome=SENT if message.status == SENT else FAILED,
        error=message.last_error,
    )
