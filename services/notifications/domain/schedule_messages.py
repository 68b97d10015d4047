"""The scheduled messages composed: a coordinator's digest and reminder list items; a student's
reminder names their graduation month. Texts are in schedule_templates.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain import kinds
from services.notifications.domain.delivery import PENDING
from services.notifications.domain.messages import MONTHS, Message
from services.notifications.domain.schedule import CAMPUS_TIME
from services.notifications.domain.schedule_templates import (
    COORDINATOR_GREETING,
    DAYS,
    FINAL_REPORT,
    GREETING,
    ITEM_LINE,
    MORE,
    SCHEDULE_TEMPLATES,
    SIGNATURE,
)

MAX_LISTED = 25  # a digest or reminder lists this many items, oldest first; the rest are counted
LANGUAGES = ("en", "sv")


@dataclass(frozen=True)
class ListedItem:
    """A waiting item as a coordinator's message lists it."""

    item_id: str
    version: int
    kind: str  # activity | report
    title: str | None
    student: str  # the student's name
    programme: str  # the programme's name in the message's language (or its code)
    waiting_since: datetime


def _date(moment: datetime, language: str) -> str:
    local = moment.astimezone(CAMPUS_TIME)
    return f"{local.day} {MONTHS[language][local.month - 1]} {local.year}"


def _line(item: ListedItem, language: str) -> str:
    title = item.title if item.kind == "activity" and item.title else FINAL_REPORT[language]
    return ITEM_LINE[language].format(
        student=item.student, programme=item.programme, title=title, since=_date(item.waiting_since, language)
    )


def _compose(kind: str, language: str, greeting: str, values: dict) -> tuple[str, str]:
    template = SCHEDULE_TEMPLATES[kind][language]
    paragraphs = [greeting]
    for paragraph in template.paragraphs:
        if paragraph == "{more}" and not values.get("more"):
            continue
        if paragraph == "{more}":
            paragraph = MORE[language]
        paragraphs.append(paragraph.format(**values))
    paragraphs.append(SIGNATURE[language])
    return template.subject.format(**values), "\n\n".join(paragraphs) + "\n"


def compose_item_list(
    kind: str, language: str, name: str | None, items: list[ListedItem], target_days: int | None = None
) -> tuple[str, str]:
    """A digest's or a reminder's subject and body: the oldest MAX_LISTED items, then a count."""
    language = language if language in LANGUAGES else "en"
    ordered = sorted(items, key=lambda i: (i.waiting_since, i.item_id))
    listed = ordered[:MAX_LISTED]
    values = {
        "count": len(ordered),
        "items": "\n".join(_line(item, language) for item in listed),
        "more": len(ordered) - len(listed),
    }
    if target_days is not None:
        values["target"] = DAYS[language][target_days != 1].format(days=target_days)
    greeting = GREETING[language].format(name=name) if name else COORDINATOR_GREETING[language]
    return _compose(kind, language, greeting, values)


def compose_graduation_reminder(language: str, name: str, expected_graduation: str) -> tuple[str, str]:
    language = language if language in LANGUAGES else "en"
    year, month = (int(part) for part in expected_graduation.split("-"))
    values = {"graduation": f"{MONTHS[language][month - 1]} {year}"}
    return _compose(kinds.GRADUATION_REMINDER, language, GREETING[language].format(name=name), values)


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
