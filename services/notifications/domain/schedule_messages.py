"""The scheduled messages composed: a coordinator's digest and reminder list items; a student's
reminder names their graduation month. Their words are template files like every message's
(templates/coordinator-digest/, review-reminder/, graduation-reminder/), written by the same
Composer (domain/messages.py); this module gives them their data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain import kinds
from services.notifications.domain.delivery import PENDING
from services.notifications.domain.messages import Composer, Message

MAX_LISTED = 25  # a digest or reminder lists this many items, oldest first; the rest are counted


@dataclass(frozen=True)
class ListedItem:
    """A waiting item as a coordinator's message lists it."""

    item_id: str
    version: int
    kind: str  # activity | report
    title: str | None
    student_id: str
    student: str  # the student's name
    programme: str  # the programme's name in the message's language (or its code)
    waiting_since: datetime


def item_list(items: list[ListedItem], target_days: int | None = None) -> dict:
    """What a digest's or reminder's template is given: the oldest MAX_LISTED items, how many
    there are in all, the review target (a reminder's), and the student when every item is one
    student's (a reminder then links to the inbox filtered to them)."""
    ordered = sorted(items, key=lambda i: (i.waiting_since, i.item_id))
    students = {item.student_id for item in ordered}
    return {
        "items": ordered[:MAX_LISTED],
        "count": len(ordered),
        "target_days": target_days,
        "student_id": next(iter(students)) if len(students) == 1 else None,
    }


def compose_item_list(
    composer: Composer,
    kind: str,
    language: str,
    name: str | None,
    items: list[ListedItem],
    target_days: int | None = None,
) -> tuple[str, str]:
    """A digest's or a reminder's subject and body; a coordinator without a name is greeted without one."""
    return composer.compose(kind, language, name, item_list(items, target_days))


def compose_graduation_reminder(
    composer: Composer, language: str, name: str, expected_graduation: str
) -> tuple[str, str]:
    """A student's reminder that graduation (`YYYY-MM`) is near and the requirement not met."""
    return composer.compose(kinds.GRADUATION_REMINDER, language, name, {"expected_graduation": expected_graduation})


def scheduled_message(
    *,
    key: str,
    kind: str,
    to_address: str,
    subject: str,
    body: str,
    language: str,
    now: datetime,
    student_id: str | None = None,
    coordinator: str | None = None,
) -> Message:
    """A message the timer writes. Its `event_id` is derived from `key` (what it is about: a
    coordinator's day, a student's graduation), so the same scheduled message cannot be written
    twice: one message per event id and kind is a unique key of the table."""
    return Message(
        message_id=str(uuid.uuid4()),
        event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"cim-schedule:{kind}:{key}")),
        kind=kind,
        student_id=student_id,
        to_address=to_address,
        subject=subject,
        body=body,
        language=language,
        status=PENDING,
        attempts=0,
        last_error=None,
        created_at=now,
        sent_at=None,
        next_attempt_at=now,
        coordinator=coordinator,
    )
