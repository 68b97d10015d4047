"""The exact accounting of a batch after a fault, from the databases and the broker: events
sent (outbox rows the batch's journeys caused), handlings (processed_events claims of them),
effects (certificates, supplement lines, decisions, emails written and emails received, these
by distinct Message-ID with resends counted apart), and dead letters (cim.dead-letters, via shared.deadletters.peek)."""

from __future__ import annotations

import json
import mailbox
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from shared import deadletters

# Which consumer handles which event, and how many of them one journey causes (as the e2e test).
HANDLINGS_PER_JOURNEY = {
    ("approvals", "student.registered.v1"): 1,
    ("notifications", "student.registered.v1"): 1,
    ("approvals", "activity.submitted.v1"): 3,
    ("notifications", "activity.submitted.v1"): 3,
    ("activities", "activity.approved.v1"): 3,
    ("notifications", "activity.approved.v1"): 3,
    ("ceremony", "student.activity_requirement_met.v1"): 1,
    ("notifications", "student.activity_requirement_met.v1"): 1,
    ("approvals", "report.submitted.v1"): 1,
    ("notifications", "report.submitted.v1"): 1,
    ("ceremony", "report.accepted.v1"): 1,
    ("notifications", "report.accepted.v1"): 1,
    ("notifications", "ceremony.booked.v1"): 1,
    ("approvals", "presentation.recorded.v1"): 1,
    ("certificates", "student.eligible.v1"): 1,
    ("notifications", "certificate.issued.v1"): 1,
}
# effect -> (service, SQL counting one student's rows, how many one journey makes)
EFFECTS_PER_JOURNEY = {
    "certificates": ("certificates", "SELECT count(*) FROM certificates WHERE student_id = :s", 1),
    "supplement lines": ("certificates", "SELECT count(*) FROM diploma_supplement_entries WHERE student_id = :s", 1),
    "decisions": ("approvals", "SELECT count(*) FROM decisions WHERE student_id = :s", 4),
    "emails written": ("notifications", "SELECT count(*) FROM messages WHERE student_id = :s", 8),
}
EMAILS_PER_JOURNEY = 8
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Accounting:
    scenario: str
    journeys: int = 0  # journeys the batch started
    completed: int = 0  # journeys that reached their certificate
    sent: int = 0  # events the batch caused (outbox rows)
    unpublished: int = 0  # of them still in an outbox
    processed: int = 0  # handlings of them (one per consumer and event)
    lost: int = 0  # handlings or effects missing
    duplicated: int = 0  # handlings or effects beyond one each (an email: a Message-ID beyond one)
    resent: int = 0  # emails received again with a Message-ID already received (decision 0020)
    dead_lettered: int = 0  # of the batch's messages (poison included)
    poison: int = 0  # of the dead letters, the poison sent on purpose
    seconds: float = 0.0
    in_flight: int = 0  # the batch's emails claimed for a hand-over (`sending`) not yet recorded
    detail: dict = field(default_factory=dict)

    def holds(self) -> bool:
        """Nothing lost, nothing twice, every journey through, only the poison parked."""
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.unpublished == 0
            and self.completed == self.journeys
            and self.dead_lettered == self.poison
        )

    def row(self) -> dict:
        shown = {k: v for k, v in asdict(self).items() if k not in ("detail", "in_flight")}
        return {**shown, "holds": "yes" if self.holds() else "NO"}

    def summary(self) -> str:
        shown = {k: v for k, v in self.detail.items() if k != "letters"}
        return f"{self.row()} {shown}"


def _events_of(platform_, student_ids: set[str]) -> dict[str, tuple[str, str, bool]]:
    """event id -> (producer, type, published) for every outbox row naming one of the students."""
    found = {}
    for service in platform_.database_urls:
        for event_type, payload, published in platform_.query(
            service, "SELECT event_type, payload, published_at IS NOT NULL FROM outbox"
        ):
            if student_ids & set(UUID.findall(payload)):
                found[json.loads(payload)["event_id"]] = (service, event_type, published)
    return found


def _handlings(platform_, event_ids: list[str]) -> Counter:
    counts = Counter()
    if not event_ids:
        return counts
    for service in platform_.database_urls:
        for (event_type,) in platform_.query(
            service, "SELECT event_type FROM processed_events WHERE event_id = ANY(:ids)", ids=event_ids
        ):
            counts[(service, event_type)] += 1
    return counts


def emails_received(platform_, addresses: set[str]) -> dict[str, Counter]:
    """address -> how many copies of each Message-ID the mail server filed for it."""
    copies = {address: Counter() for address in addresses}
    for message in mailbox.Maildir(str(platform_.layout.mail), create=True):
        to = message["To"] or ""
        for address in addresses:
            if address in to:
                copies[address][message["Message-ID"] or f"(none) {id(message)}"] += 1
    return copies


def _interrupted(platform_, student_ids: list[str]) -> tuple[int, int]:
    """(hand-overs logged as interrupted, messages still `sending`) of the students' emails."""
    return tuple(
        platform_.query(
            "notifications",
            "SELECT (SELECT count(*) FROM delivery_log l JOIN messages m USING (message_id) "
            "        WHERE l.outcome = 'unknown' AND m.student_id = ANY(:s)), "
            "       (SELECT count(*) FROM messages WHERE status = 'sending' AND student_id = ANY(:s))",
            s=student_ids,
        )[0]
    )


def account(
    platform_,
    scenario: str,
    batch,
    started: float,
    letters_before: set[str],
    poison_marker: str | None = None,
    settle_s: float = 180,
) -> Accounting:
    """Wait until the batch's work has settled (every count at its expected figure, or no
    change for a while), then count. Every dead letter since the start counts (the platform's
    vhost is the suite's own); those whose body carries `poison_marker` are the poison."""
    deadline = time.monotonic() + settle_s
    previous, steady_since = None, time.monotonic()
    while True:
        result = _count(platform_, scenario, batch, letters_before, poison_marker)
        figures = (
            result.sent,
            result.processed,
            result.unpublished,
            result.dead_lettered,
            result.in_flight,
            tuple(sorted((k, str(v)) for k, v in result.detail.items())),
        )
        if result.holds() or time.monotonic() > deadline:
            break
        if figures != previous:
            previous, steady_since = figures, time.monotonic()
        elif time.monotonic() - steady_since > 30 and result.unpublished == 0 and result.in_flight == 0:
            break  # nothing moves any more: what is missing stays missing
        time.sleep(1)
    result.seconds = round(time.monotonic() - started, 1)
    return result


def _count(platform_, scenario, batch, letters_before, poison_marker) -> Accounting:
    students = {s["student_id"]: s for s in batch.students}
    result = Accounting(scenario, journeys=batch.size, completed=len(batch.students))
    events = _events_of(platform_, set(students))
    result.sent = len(events)
    result.unpublished = sum(1 for _, _, published in events.values() if not published)
    handled = _handlings(platform_, list(events))
    result.processed = sum(handled.values())
    detail = {}
    for key, per_journey in HANDLINGS_PER_JOURNEY.items():
        expected, got = per_journey * len(students), handled.get(key, 0)
        result.lost += max(0, expected - got)
        result.duplicated += max(0, got - expected)
        if got != expected:
            detail[f"{key[0]} handled {key[1]}"] = f"{got} of {expected}"
    for name, (service, sql, per_journey) in EFFECTS_PER_JOURNEY.items():
        got = sum(platform_.query(service, sql, s=student_id)[0][0] for student_id in students)
        expected = per_journey * len(students)
        result.lost += max(0, expected - got)
        result.duplicated += max(0, got - expected)
        if got != expected:
            detail[name] = f"{got} of {expected}"
    # Emails count by distinct Message-ID: a copy of one already received is a resend (after an
    # interrupted hand-over, decision 0020), shown in its own column; a resend the delivery log
    # does not explain by an interrupted attempt counts as a duplicate.
    received = emails_received(platform_, {s["email"] for s in students.values()})
    for student in students.values():
        copies = received[student["email"]]
        got = len(copies)
        result.lost += max(0, EMAILS_PER_JOURNEY - got)
        result.duplicated += max(0, got - EMAILS_PER_JOURNEY)
        result.resent += sum(copies.values()) - got
        if got != EMAILS_PER_JOURNEY:
            detail[f"emails to {student['email']}"] = f"{got} of {EMAILS_PER_JOURNEY}"
    distinct = sum(len(copies) for copies in received.values())
    if distinct != EMAILS_PER_JOURNEY * len(students):
        detail["emails received"] = f"{distinct} of {EMAILS_PER_JOURNEY * len(students)}"
    interrupted, result.in_flight = _interrupted(platform_, list(students)) if students else (0, 0)
    if result.resent or interrupted:
        detail["hand-overs interrupted"] = interrupted
        result.duplicated += max(0, result.resent - interrupted)
    letters = [
        letter for letter in deadletters.peek(platform_.amqp_uri, limit=100_000) if letter.id not in letters_before
    ]
    result.dead_lettered = len(letters)
    result.poison = sum(1 for letter in letters if poison_marker and poison_marker in letter.body)
    if letters:
        detail["dead letters"] = sorted({letter.reason for letter in letters})[:5]
        detail["letters"] = letters
    if batch.failures:
        detail["journeys failed"] = batch.failures[:3]
    result.detail = detail
    return result


def letter_ids(platform_) -> set[str]:
    return {letter.id for letter in deadletters.peek(platform_.amqp_uri, limit=100_000)}
