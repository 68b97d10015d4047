"""Notifications' use cases: keep recipients, write messages for events, deliver them.

A use case never commits: its unit of work commits when the caller's `with` block ends.
Delivery opens units of work of its own per message (from the factory it is given): the claim
and the outcome commit on their own, and no transaction is open while the mail server has it.
"""

from __future__ import annotations

import logging

from services.notifications.domain import kinds, preferences
from services.notifications.domain.preferences import Preference
from services.notifications.domain.delivery import FAILED, MAX_ATTEMPTS, DeliveryFailed, log_attempt
from services.notifications.domain.messages import Composer, Message, new_message
from services.notifications.domain.recipients import Recipient, UnknownRecipient
from shared.db import utcnow
from shared.events import (
    ACTIVITY_APPROVAL_WITHDRAWN,
    ACTIVITY_APPROVED,
    ACTIVITY_CHANGES_REQUESTED,
    ACTIVITY_REJECTED,
    BOOKING_CANCELLED,
    BOOKING_CHANGED,
    BOOKING_PROMOTED,
    BOOKING_WAITLISTED,
    CEREMONY_BOOKED,
    PRESENTATION_MISSED,
    CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
    REPORT_ACCEPTED,
    REPORT_RETURNED,
    STUDENT_ACTIVITY_REQUIREMENT_MET,
    STUDENT_REGISTERED,
    STUDENT_WITHDRAWN,
)
from shared import keyset
from shared.permissions import ADMIN, Actor, ensure_may_have_role
from shared.rpc.paging import FIRST_PAGE, Page

log = logging.getLogger(__name__)

# Which event tells the student what: the one place event types meet message kinds.
MESSAGE_KINDS = {
    STUDENT_REGISTERED: kinds.WELCOME,
    ACTIVITY_APPROVED: kinds.ACTIVITY_APPROVED,
    ACTIVITY_REJECTED: kinds.ACTIVITY_REJECTED,
    ACTIVITY_CHANGES_REQUESTED: kinds.ACTIVITY_CHANGES_REQUESTED,
    ACTIVITY_APPROVAL_WITHDRAWN: kinds.APPROVAL_WITHDRAWN,
    STUDENT_ACTIVITY_REQUIREMENT_MET: kinds.ACTIVITY_REQUIREMENT_MET,
    REPORT_ACCEPTED: kinds.REPORT_ACCEPTED,
    REPORT_RETURNED: kinds.REPORT_RETURNED,
    CEREMONY_BOOKED: kinds.CEREMONY_BOOKED,
    BOOKING_WAITLISTED: kinds.BOOKING_WAITLISTED,
    BOOKING_PROMOTED: kinds.BOOKING_PROMOTED,
    BOOKING_CHANGED: kinds.CEREMONY_CHANGED,
    BOOKING_CANCELLED: kinds.BOOKING_CANCELLED,
    PRESENTATION_MISSED: kinds.PRESENTATION_MISSED,
    CERTIFICATE_ISSUED: kinds.CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED: kinds.CERTIFICATE_REVOKED,
    STUDENT_WITHDRAWN: kinds.LEFT_THE_CIM,
}


def record_recipient(uow, data: dict) -> None:
    """student.registered.v1 / student.updated.v1: keep the newest name, address, language, programme
    and graduation month."""
    as_of = data.get("updated_at") or data["registered_at"]
    programme = data["programme"]
    uow.repo.record_programme(programme["code"], programme["name_en"], programme["name_sv"])
    recipient = uow.repo.recipient(data["student_id"])
    if recipient is None:
        recipient = Recipient(
            student_id=data["student_id"],
            name=data["name"],
            email=data["email"],
            language=data["language"],
            as_of=as_of,
            programme_code=programme["code"],
            expected_graduation=data["expected_graduation"],
        )
        uow.repo.add(recipient)
    else:
        recipient.update(
            name=data["name"],
            email=data["email"],
            language=data["language"],
            as_of=as_of,
            programme_code=programme["code"],
            expected_graduation=data["expected_graduation"],
        )
    if data.get("registered_at"):
        recipient.registered(data["registered_at"])


def write_message(uow, data: dict, *, event_id: str, kind: str, composer: Composer) -> str:
    """Write (not send) the message an event causes, in words from `composer`'s templates; it
    commits with the event's handling.

    Returns the new message's id. An unknown student raises UnknownRecipient, so the event is
    retried later: their student.registered.v1 may simply not have arrived yet.
    """
    recipient = uow.repo.recipient(data["student_id"])
    if recipient is None:
        raise UnknownRecipient(f"no recipient {data['student_id']} yet for {kind} {event_id}")
    message = new_message(
        event_id=event_id,
        kind=kind,
        recipient=recipient,
        data=data,
        now=utcnow(),
        composer=composer,
        language=uow.repo.student_language(recipient.student_id),
    )
    uow.repo.add(message)
    return message.message_id


def welcome(uow, data: dict, *, event_id: str, kind: str, composer: Composer) -> str:
    """student.registered.v1: remember the student, then confirm their registration."""
    record_recipient(uow, data)
    uow.flush()
    return write_message(uow, data, event_id=event_id, kind=kind, composer=composer)


def deliver_due(unit_of_work, send, *, only: str | None = None, batch: int = 50) -> int:
    """Hand pending messages whose time has come to `send`; returns how many were sent.

    Each message is claimed in a unit of work of its own (`sending`, committed: no other pass
    or replica takes it), handed to `send(message)` outside any transaction, and its outcome
    recorded in another. A pass that dies between the hand-over and the record leaves the
    message `sending`; once its claim has expired, a later pass sends it again with the same
    Message-ID and logs the interrupted attempt (docs/decisions/0013-...). `send` raises
    DeliveryFailed when the server does not take it; a server that does not answer ends the
    pass: the rest would fail the same way.
    """
    tried: set[str] = set()
    sent = 0
    while len(tried) < batch:
        with unit_of_work() as uow:
            message = uow.repo.next_due(utcnow(), skip=tried, only=only)
            if message is None:
                break
            tried.add(message.message_id)
            if not _claim(uow, message):
                continue
        failure = _hand_over(message, send)
        with unit_of_work() as uow:
            message = _record(uow, message.message_id, failure)
        if failure is None:
            sent += 1
            continue
        _log_failure(message, failure)
        if failure.unreachable:
            break
    return sent


def _claim(uow, message: Message) -> bool:
    """Claim `message` for one hand-over; False if it is given up instead (interrupted too often)."""
    now = utcnow()
    if message.claim(now):
        uow.repo.add(log_attempt(message, now, interrupted=True))
        log.warning(
            "message %s (%s) to student %s: an earlier hand-over was interrupted; %s",
            message.message_id,
            message.kind,
            message.student_id,
            "given up" if message.status == FAILED else "sending it again with the same Message-ID",
        )
    return message.status != FAILED


def _hand_over(message: Message, send) -> DeliveryFailed | None:
    """One try to send `message`; the failure, if it failed."""
    try:
        send(message)
    except DeliveryFailed as exc:
        return exc
    return None


def _record(uow, message_id: str, failure: DeliveryFailed | None) -> Message:
    """The try's outcome, on the message and in the log."""
    message = uow.repo.message(message_id, lock=True)
    now = utcnow()
    if failure is None:
        message.delivered(now)
    else:
        message.delivery_failed(str(failure)[:2000], now, permanent=failure.permanent)
    uow.repo.add(log_attempt(message, now))
    return message


def _log_failure(message: Message, exc: DeliveryFailed):
    if message.status == FAILED:
        log.error(
            "gave up message %s (%s) to student %s after %d attempt(s): %s",
            message.message_id,
            message.kind,
            message.student_id,
            message.attempts,
            exc,
        )
    else:
        log.warning(
            "message %s not delivered (attempt %d of %d): %s", message.message_id, message.attempts, MAX_ATTEMPTS, exc
        )


def get_preferences(uow, *, actor: Actor) -> Preference:
    """The caller's choices, or the defaults (a student's language: the one they registered)."""
    found = uow.repo.preference(actor.issuer, actor.subject)
    if found is not None:
        return found
    recipient = uow.repo.recipient(actor.student_id) if actor.student_id else None
    return preferences.defaults(
        issuer=actor.issuer,
        subject=actor.subject,
        role=actor.role,
        student_id=actor.student_id,
        now=utcnow(),
        language=recipient.language if recipient else None,
    )


def set_preferences(uow, *, actor: Actor, language: str | None, digest_time: str | None) -> Preference:
    found = uow.repo.preference(actor.issuer, actor.subject, lock=True)
    if found is None:
        found = get_preferences(uow, actor=actor)
        uow.repo.add(found)
    preferences.change(found, language=language, digest_time=digest_time, now=utcnow())
    return found


MESSAGES, MESSAGES_CURSOR = "messages", (keyset.aware_datetime, str)


def list_messages(uow, *, actor: Actor, student_id: str, page: Page = FIRST_PAGE) -> dict:
    """For operators: one page of what was written to a student and whether it left, oldest
    first: {items, next_cursor}."""
    ensure_may_have_role(actor, ADMIN, doing="read a student's messages")
    position = keyset.decode_cursor(page.cursor, MESSAGES, MESSAGES_CURSOR) if page.cursor else None
    rows = uow.repo.messages_page(student_id, position, page.limit)
    return keyset.page_of(rows, page.limit, MESSAGES, lambda m: (m.created_at, m.message_id))
