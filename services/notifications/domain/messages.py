"""The message an event causes: composed from its kind's template, in the recipient's language."""

from __future__ import annotations

import re
import string
import uuid
from html import escape
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from services.notifications.domain import kinds
from services.notifications.domain.delivery import (
    FAILED,
    INTERRUPTED,
    INTERRUPTED_AFTER,
    MAX_ATTEMPTS,
    PENDING,
    SENDING,
    SENT,
    retry_delay,
)
from services.notifications.domain.recipients import Recipient
from services.notifications.domain.booking_templates import BOOKING_TEMPLATES, HELD
from services.notifications.domain.templates import GREETING, SIGNATURE, TEMPLATES

ALL_TEMPLATES = {**TEMPLATES, **BOOKING_TEMPLATES}
# The messages about a booked (or waiting) ceremony: they name it, its time and place.
ABOUT_A_CEREMONY = (
    kinds.CEREMONY_BOOKED,
    kinds.BOOKING_WAITLISTED,
    kinds.BOOKING_PROMOTED,
    kinds.CEREMONY_CHANGED,
    kinds.BOOKING_CANCELLED,
)

DEFAULT_LANGUAGE = "en"
CAMPUS_TIME = ZoneInfo("Europe/Stockholm")  # ceremonies happen on campus: say their local time

MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "sv": (
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ),
}


class NoTemplate(LookupError):
    """There is no message of this kind: a programming error, not a retryable one."""


@dataclass(eq=False)
class Message:
    """One outgoing email, written when its event is handled and sent afterwards."""

    message_id: str
    event_id: str  # the event that caused it: one message per event and kind
    kind: str
    student_id: str
    to_address: str
    subject: str
    body: str
    language: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None

    def claim(self, now: datetime) -> bool:
        """Mark the message `sending` (committed before the hand-over), its claim expiring at
        `next_attempt_at`. True if an earlier claim had expired: that try was interrupted, it
        counts as an attempt, and this one sends the message again (it may have arrived); after
        the last attempt the message is given up (`failed`) instead."""
        interrupted = self.status == SENDING
        if interrupted:
            self.attempts += 1
            self.last_error = INTERRUPTED
            if self.attempts >= MAX_ATTEMPTS:  # a message that dies with its sender every time
                self.status, self.next_attempt_at = FAILED, None
                return interrupted
        self.status, self.next_attempt_at = SENDING, now + INTERRUPTED_AFTER
        return interrupted

    def delivered(self, now: datetime):
        self.status, self.sent_at, self.next_attempt_at = SENT, now, None
        self.attempts += 1
        self.last_error = None

    def delivery_failed(self, error: str, now: datetime, *, permanent: bool = False):
        """Count the try; wait longer before the next one, or give up after the last."""
        self.attempts += 1
        self.last_error = error
        if permanent or self.attempts >= MAX_ATTEMPTS:
            self.status, self.next_attempt_at = FAILED, None
        else:
            self.status, self.next_attempt_at = PENDING, now + retry_delay(self.attempts)


def format_when(moment: datetime, language: str) -> str:
    local = moment.astimezone(CAMPUS_TIME)
    month = MONTHS[language][local.month - 1]
    if language == "sv":
        return f"{local.day} {month} {local.year} kl. {local:%H:%M}"
    return f"{local.day} {month} {local.year} at {local:%H:%M} (Stockholm time)"


def _values(kind: str, data: dict, language: str) -> dict:
    """What a template may name, taken from the event's data."""
    values = {"reason": data.get("comment")}
    if kind == kinds.WELCOME:
        values["programme"] = data["programme"][f"name_{language}"]
    elif kind in ABOUT_A_CEREMONY:
        ceremony = data["ceremony"]
        values.update(
            ceremony=ceremony["title"],
            when=format_when(ceremony["starts_at"], language),
            place=ceremony["location"],
            position=data.get("position"),
            held=HELD[language].get(data.get("was"), HELD[language]["booked"]),
            reason=data.get("reason"),
        )
    elif kind == kinds.PRESENTATION_MISSED:
        moment = data["ceremony_date"]
        values["date"] = f"{moment.day} {MONTHS[language][moment.month - 1]} {moment.year}"
    elif kind == kinds.CERTIFICATE_ISSUED:
        values.update(
            code=data["code"],
            verify_url=data["verify_url"],
            supersedes=data.get("supersedes"),
            reason=data.get("reissue_reason"),
        )
    elif kind == kinds.APPROVAL_WITHDRAWN:
        values["reason"] = data["reason"]
    elif kind == kinds.CERTIFICATE_REVOKED:
        values.update(code=data["code"], reason=data["reason"])
    return values


def _names(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def template_key(kind: str, data: dict) -> str:
    """The template for a message: its kind's, except a re-issued certificate has its own."""
    if kind == kinds.CERTIFICATE_ISSUED and data.get("supersedes"):
        return kinds.CERTIFICATE_REISSUED
    if kind == kinds.BOOKING_CANCELLED and data.get("cause") == "ceremony_cancelled":
        return kinds.CEREMONY_CANCELLED
    return kind


def compose(kind: str, language: str, name: str, data: dict) -> tuple[str, str]:
    """The subject and plain-text body telling `name` about an event, in their language."""
    by_language = ALL_TEMPLATES.get(template_key(kind, data))
    if by_language is None:
        raise NoTemplate(f"no message is written for {kind}")
    if language not in by_language:
        language = DEFAULT_LANGUAGE
    template = by_language[language]
    values = _values(kind, data, language)
    paragraphs = [GREETING[language].format(name=name)]
    for paragraph in template.paragraphs:
        if "reason" in _names(paragraph) and not values["reason"]:
            continue
        paragraphs.append(paragraph.format(**values))
    paragraphs.append(SIGNATURE[language])
    return template.subject.format(**values), "\n\n".join(paragraphs) + "\n"


_URL = re.compile(r"https?://[^\s<>\"]+")


def html_body(text: str, language: str) -> str:
    """The HTML part of a message: its plain text, escaped, paragraph by paragraph, with each
    address a link (the student's own words stay text: escaping comes first)."""

    def paragraph(block: str) -> str:
        lines = [
            _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escape(line)) for line in block.split("\n")
        ]
        return "<p>" + "<br>\n".join(lines) + "</p>"

    blocks = [b for b in text.strip().split("\n\n") if b.strip()]
    return (
        f'<!doctype html>\n<html lang="{escape(language)}"><head><meta charset="utf-8">'
        f"</head><body>\n" + "\n".join(paragraph(b) for b in blocks) + "\n</body></html>\n"
    )


def new_message(
    *, event_id: str, kind: str, recipient: Recipient, data: dict, now: datetime, language: str | None = None
) -> Message:
    """The message an event causes, addressed as the recipient's details stand now, in
    `language` when the student chose one in their preferences."""
    language = language or recipient.language
    subject, body = compose(kind, language, recipient.name, data)
    return Message(
        message_id=str(uuid.uuid4()),
        event_id=event_id,
        kind=kind,
        student_id=recipient.student_id,
        to_address=recipient.email,
        subject=subject,
        body=body,
        language=language,
        status=PENDING,
        attempts=0,
        last_error=None,
        created_at=now,
        sent_at=None,
        next_attempt_at=now,
    )
