"""The message an event causes: its kind's template filled with the event's data, in the
recipient's language, with a link to the page where they act on it.

The words are in template files rendered by an adapter (services/notifications/templating.py);
the domain decides which template, what it may name, and where the message leads.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
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
from services.notifications.domain.links import link
from services.notifications.domain.preferences import DEFAULT_LANGUAGE, LANGUAGES
from services.notifications.domain.recipients import Recipient

# The messages about a booked (or waiting) ceremony: they name it, its time and place.
ABOUT_A_CEREMONY = (
    kinds.CEREMONY_BOOKED,
    kinds.BOOKING_WAITLISTED,
    kinds.BOOKING_PROMOTED,
    kinds.CEREMONY_CHANGED,
    kinds.BOOKING_CANCELLED,
)

# The scheduled messages to coordinators: they list waiting items (domain/schedule_messages.py).
LISTS_OF_ITEMS = (kinds.COORDINATOR_DIGEST, kinds.REVIEW_REMINDER)

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
    coordinator: str | None = None  # a coordinator's message (digest, reminder): their subject; no student_id

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


def format_day(moment: datetime, language: str) -> str:
    """The campus day of a moment: "5 March 2027", "5 mars 2027"."""
    local = moment.astimezone(CAMPUS_TIME)
    return f"{local.day} {MONTHS[language][local.month - 1]} {local.year}"


def _listed(item, language: str) -> dict:
    """A waiting item (schedule_messages.ListedItem) as a list names it; a report has no title
    (the template calls it the final report)."""
    return {
        "student": item.student,
        "programme": item.programme,
        "title": item.title if item.kind == "activity" else None,
        "since": format_day(item.waiting_since, language),
    }


def _values(kind: str, data: dict, language: str) -> dict:
    """What a template may name beyond `name` and `link`, taken from the event's data; a value
    the event does not carry is None (a template says nothing of it)."""
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
            was=data.get("was") or "booked",  # what the student held: a place, or one in line
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
    elif kind in LISTS_OF_ITEMS:
        values.update(
            items=[_listed(item, language) for item in data["items"]],
            count=data["count"],
            more=data["count"] - len(data["items"]),  # the list is cut short: how many it leaves out
            target=data.get("target_days"),
        )
    elif kind == kinds.GRADUATION_REMINDER:
        year, month = (int(part) for part in data["expected_graduation"].split("-"))
        values["graduation"] = f"{MONTHS[language][month - 1]} {year}"
    return values


def template_key(kind: str, data: dict) -> str:
    """The template for a message: its kind's, except a re-issued certificate has its own."""
    if kind == kinds.CERTIFICATE_ISSUED and data.get("supersedes"):
        return kinds.CERTIFICATE_REISSUED
    if kind == kinds.BOOKING_CANCELLED and data.get("cause") == "ceremony_cancelled":
        return kinds.CEREMONY_CANCELLED
    return kind


# render(template, language, context) -> (subject, plain-text body); NoTemplate when there is none
Render = Callable[[str, str, dict], tuple[str, str]]


@dataclass(frozen=True)
class Composer:
    """What writing a message needs from outside the domain: the templates' renderer and the
    address of the web front-end the message links to."""

    render: Render
    web_url: str

    def compose(self, kind: str, language: str, name: str | None, data: dict) -> tuple[str, str]:
        """The subject and plain-text body telling `name` about an event, in their language (a
        coordinator's message may have no name: the directory may not hold it)."""
        template = template_key(kind, data)
        address = link(template, data, self.web_url)
        if address is None:
            raise NoTemplate(f"no message is written for {kind}")
        if language not in LANGUAGES:
            language = DEFAULT_LANGUAGE
        context = {**_values(kind, data, language), "name": name, "link": address}
        return self.render(template, language, context)


def new_message(
    *,
    event_id: str,
    kind: str,
    recipient: Recipient,
    data: dict,
    now: datetime,
    composer: Composer,
    language: str | None = None,
) -> Message:
    """The message an event causes, addressed as the recipient's details stand now, in
    `language` when the student chose one in their preferences."""
    language = language or recipient.language
    subject, body = composer.compose(kind, language, recipient.name, data)
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
