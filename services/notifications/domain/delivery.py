"""Delivery rules: a message's states, how long to wait before trying again, the delivery log.

A message is claimed (`sending`, committed) before it is handed to the mail server and its
outcome recorded after (docs/decisions/0020-email-delivery-after-a-crash.md): a process that dies
between the two leaves it `sending`; once `INTERRUPTED_AFTER` has passed it is sent again, with
the same Message-ID, and the delivery log says so. At-least-once, never silently twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.notifications.domain.messages import Message

PENDING = "pending"
SENDING = "sending"  # claimed and being handed over; left so by a process that died meanwhile
SENT = "sent"
FAILED = "failed"
UNKNOWN = "unknown"  # a log line's outcome: the hand-over was interrupted, nobody knows how it ended
INTERRUPTED = "resent after an interrupted attempt (no outcome was recorded); same Message-ID"

# A message is tried this many times in all; the waits between tries double up to a ceiling,
# so an SMTP relay may be away for about a quarter of an hour before a message is given up.
MAX_ATTEMPTS = 10
FIRST_RETRY_DELAY = timedelta(seconds=2)
LONGEST_RETRY_DELAY = timedelta(minutes=5)
# One hand-over is cut off after HAND_OVER_LIMIT (the service enforces it); a claim older than
# INTERRUPTED_AFTER therefore belongs to no living attempt, and the message may be sent again.
HAND_OVER_LIMIT = timedelta(seconds=30)
INTERRUPTED_AFTER = HAND_OVER_LIMIT + timedelta(seconds=15)


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
    outcome: str  # sent | failed | unknown (interrupted)
    error: str | None


def log_attempt(message: "Message", now: datetime, *, interrupted: bool = False) -> DeliveryAttempt:
    """The log line of the try just recorded on `message` (`interrupted`: of one that was cut
    off without an outcome, found when the message is claimed again)."""
    return DeliveryAttempt(
        attempt_id=str(uuid.uuid4()),
        message_id=message.message_id,
        attempt=message.attempts,
        attempted_at=now,
        outcome=UNKNOWN if interrupted else SENT if message.status == SENT else FAILED,
        error=INTERRUPTED if interrupted else message.last_error,
    )
