"""Operators' view of the dead-letter queue: list, show, replay and discard failed messages.

Each dead letter is named by its id (the `x-cim-dead-letter-id` header the failure router sets;
older letters get one derived from their content). Reading never loses one: messages are taken
without acknowledgement and, unless replayed or discarded, returned to the queue. A discard is
logged with its reason, who asked, and what was discarded, then dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from kombu import Connection

from shared.messaging import ATTEMPTS_HEADER, DEAD_LETTER_ID_HEADER, dead_letter_topology

log = logging.getLogger(__name__)
SCAN_LIMIT = 10_000


@dataclass(frozen=True)
class DeadLetter:
    id: str
    queue: str | None
    service: str | None
    source: str | None  # the CloudEvents source, or the producer of one of our events
    event_id: str | None
    event_type: str | None
    attempts: int | None
    failed_at: str | None
    reason: str  # the error's last line
    error: str  # the whole error as recorded
    body: str  # as it was sent (text; at most 64 KiB shown)

    def summary(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("error", "body")}


def _text(body) -> str:
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)


def describe(message) -> DeadLetter:
    headers = message.headers or {}
    body = _text(message.body)
    error = (headers.get("x-cim-error") or "").strip()
    envelope = {}
    try:
        parsed = json.loads(body)
        envelope = parsed if isinstance(parsed, dict) else {}
    except ValueError:
        pass
    letter_id = (
        headers.get(DEAD_LETTER_ID_HEADER)
        or hashlib.sha256(
            f"{headers.get('x-cim-failed-at')}|{headers.get('x-cim-original-queue')}|{body}".encode()
        ).hexdigest()[:32]
    )
    return DeadLetter(
        id=str(letter_id),
        queue=headers.get("x-cim-original-queue"),
        service=headers.get("x-cim-service"),
        source=headers.get("x-cim-source") or envelope.get("source") or envelope.get("producer"),
        event_id=headers.get("x-cim-event-id") or envelope.get("id") or envelope.get("event_id"),
        event_type=envelope.get("type") or envelope.get("event_type"),
        attempts=headers.get(ATTEMPTS_HEADER),
        failed_at=headers.get("x-cim-failed-at"),
        reason=error.splitlines()[-1] if error else "",
        error=error,
        body=body[:65536],
    )


def matches(letter: DeadLetter, source: str | None) -> bool:
    """`--source S`: the sending system's source URI, its short name (`lms`), or a producer."""
    if not source:
        return True
    queue_system = (
        (letter.queue or "").rpartition(".")[2] if (letter.queue or "").startswith("campus.intake.") else None
    )
    return source in (letter.source, letter.service, queue_system)


def _scan(amqp_uri: str, handle, limit: int = SCAN_LIMIT) -> int:
    """Take each dead letter (unacknowledged); `handle(message, letter)` returns True when it
    settled the message (replayed or discarded); the others go back to the queue."""
    settled = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        _, queue = dead_letter_topology()
        queue = queue(channel)
        queue.declare()
        kept = []
        try:
            for _ in range(limit):
                message = queue.get(no_ack=False)
                if message is None:
                    break
                if handle(conn, message, describe(message)):
                    message.ack()
                    settled += 1
                else:
                    kept.append(message)
        finally:
            for message in kept:
                message.requeue()
    return settled


def peek(amqp_uri: str, limit: int = 1000, source: str | None = None) -> list[DeadLetter]:
    """The dead letters (optionally of one source), without consuming them."""
    found = []

    def collect(conn, message, letter):
        if matches(letter, source) and len(found) < limit:
            found.append(letter)
        return False

    _scan(amqp_uri, collect)
    return found


def show(amqp_uri: str, letter_id: str) -> DeadLetter | None:
    return next((letter for letter in peek(amqp_uri, limit=SCAN_LIMIT) if letter.id == letter_id), None)


def _send_back(conn, message) -> bool:
    target = (message.headers or {}).get("x-cim-original-queue")
    if not target:
        return False
    headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-cim-")}
    conn.Producer(channel=conn.default_channel).publish(
        message.body,
        exchange="",
        routing_key=target,
        headers=headers,
        content_type=message.content_type or "application/octet-stream",
        content_encoding=message.content_encoding or "binary",
        delivery_mode=2,
    )
    return True


def replay(amqp_uri: str, ids: list[str] | None = None, source: str | None = None, limit: int = SCAN_LIMIT) -> int:
    """Send dead letters back to the queue they failed in, with a fresh attempt count:
    the ones named by `ids`, or all (of `source`) when `ids` is None."""
    wanted = set(ids) if ids is not None else None

    def back(conn, message, letter):
        if (wanted is None and matches(letter, source)) or (wanted and letter.id in wanted):
            return _send_back(conn, message)
        return False

    return _scan(amqp_uri, back, limit)


def discard(amqp_uri: str, letter_id: str, reason: str, by: str, journal: Path | None = None) -> DeadLetter | None:
    """Drop one dead letter for good, logged (and written to `journal`) with the reason."""
    if not reason or not reason.strip():
        raise ValueError("a discard needs a reason")
    dropped = []

    def drop(conn, message, letter):
        if letter.id == letter_id and not dropped:
            dropped.append(letter)
            return True
        return False

    _scan(amqp_uri, drop)
    if dropped:
        entry = {
            "discarded_at": datetime.now(timezone.utc).isoformat(),
            "by": by,
            "reason": reason,
            "letter": dropped[0].summary(),
            "body_sha256": hashlib.sha256(dropped[0].body.encode()).hexdigest(),
        }
        log.warning("discarded dead letter %s from %s: %s", letter_id, dropped[0].queue, reason)
        if journal is not None:
            journal.parent.mkdir(parents=True, exist_ok=True)
            with journal.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry) + "\n")
    return dropped[0] if dropped else None
