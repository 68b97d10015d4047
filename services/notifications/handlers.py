"""Notifications' use cases: keep recipients, write messages for events, deliver them."""
from __future__ import annotations

import logging

from services.notifications import domain
from services.notifications.orm import Repository
from shared.db import utcnow
from shared.errors import Forbidden

log = logging.getLogger(__name__)


def record_recipient(uow, data: dict) -> None:
    """student.registered.v1 / student.updated.v1: keep the newest name, address and language."""
    repo = Repository(uow.session)
    as_of = data.get("updated_at") or data["registered_at"]
    recipient = repo.recipient(data["student_id"])
    if recipient is None:
        repo.add(domain.Recipient(student_id=data["student_id"], name=data["name"],
                                  email=data["email"], language=data["language"], as_of=as_of))
    else:
        recipient.update(name=data["name"], email=data["email"], language=data["language"],
                         as_of=as_of)


def write_message(uow, data: dict, *, event_id: str, kind: str) -> str:
    """Write (not send) the message an event causes; it commits with the event's handling.

    Returns the new message's id. An unknown student raises UnknownRecipient, so the event is
    retried later: their student.registered.v1 may simply not have arrived yet.
    """
    repo = Repository(uow.session)
    recipient = repo.recipient(data["student_id"])
    if recipient is None:
        raise domain.UnknownRecipient(f"no recipient {data['student_id']} yet for {kind} {event_id}")
    message = domain.new_message(event_id=event_id, kind=kind, recipient=recipient, data=data,
                                 now=utcnow())
    repo.add(message)
    return message.message_id


def welcome(uow, data: dict, *, event_id: str, kind: str) -> str:
    """student.registered.v1: remember the student, then confirm their registration."""
    record_recipient(uow, data)
    uow.session.flush()
    return write_message(uow, data, event_id=event_id, kind=kind)


def deliver_due(uow, send, *, only: str | None = None, batch: int = 50) -> int:
    """Hand pending messages whose time has come to `send`, one transaction each.

    `send(message)` raises domain.DeliveryFailed when the server does not take it. A server
    that does not answer ends the pass: the rest would fail the same way. Returns how many
    were sent.
    """
    repo = Repository(uow.session)
    tried: set[str] = set()
    sent = 0
    while len(tried) < batch:
        message = repo.next_due(utcnow(), skip=tried, only=only)
        if message is None:
            break
        tried.add(message.message_id)
        try:
            send(message)
        except domain.DeliveryFailed as exc:
            now = utcnow()
            message.delivery_failed(str(exc)[:2000], now, permanent=exc.permanent)
            repo.add(domain.log_attempt(message, now))
            uow.commit()
            if message.status == domain.FAILED:
                log.error("gave up message %s (%s) to student %s after %d attempt(s): %s",
                          message.message_id, message.kind, message.student_id,
                          message.attempts, exc)
            else:
                log.warning("message %s not delivered (attempt %d of %d): %s",
                            message.message_id, message.attempts, domain.MAX_ATTEMPTS, exc)
            if exc.unreachable:
                break
            continue
        message.delivered(utcnow())
        repo.add(domain.log_attempt(message, message.sent_at))
        uow.commit()
        sent += 1
    return sent


def list_messages(uow, *, role: str, student_id: str) -> list[dict]:
    """For operators: what was written to a student and whether it left."""
    if role != "admin":
        raise Forbidden("only an administrator may read a student's messages")
    return [{"message_id": m.message_id, "subject": m.subject, "to": m.to_address,
             "status": m.status, "created_at": m.created_at, "sent_at": m.sent_at}
            for m in Repository(uow.session).messages_to(student_id)]
