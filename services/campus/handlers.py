"""The campus edge's use cases: receive an inbound event once, keep or forward it, release it.

Each takes a unit of work (with the edge's repository) and commits when the caller's block ends:
the inbound log entry, its translation in the outbox and the dedupe key in one transaction.
"""

from __future__ import annotations

import json
import logging

from services.campus.domain import translations
from services.campus.domain.inbound import ACCEPTED, DUPLICATE, WAITING, Arrival, InboundEvent, waiting_deadline
from services.campus.domain.people import REGISTERED, WITHDRAWN, Person
from shared.campus.contract import INBOUND_SPECS
from shared.campus.envelope import CampusEvent, Unusable, from_structured
from shared.db import utcnow
from shared.events.envelope import schema_of
from shared.errors import Forbidden, Invalid
from shared.events import (
    ATTENDANCE_REPORTED,
    DEGREE_REPORTED,
    ENROLMENT_REPORTED,
    EXCHANGE_REPORTED,
    LEGAL_NAME_REPORTED,
    UNENROLMENT_REPORTED,
)

from shared.permissions import ADMIN, CAMPUS_SYSTEM, Actor, ensure_may_have_role

log = logging.getLogger(__name__)

# The event that carries each command to its owner.
COMMAND_EVENTS = {
    translations.ENROLMENT: ENROLMENT_REPORTED,
    translations.UNENROLMENT: UNENROLMENT_REPORTED,
    translations.EXCHANGE: EXCHANGE_REPORTED,
    translations.ATTENDANCE: ATTENDANCE_REPORTED,
    translations.DEGREE: DEGREE_REPORTED,
    translations.LEGAL_NAME: LEGAL_NAME_REPORTED,
}


def receive(uow, *, event: CampusEvent, channel: str, issuer: str) -> str:
    """Record the event once by (source, id); forward it now, or keep it for its person.

    Returns ACCEPTED or DUPLICATE. A concurrent duplicate waits on the unique key until the
    first commits, then is a duplicate: the effect happens once.
    """
    return receive_many(uow, events=[event], channel=channel, issuer=issuer, own_correlation=False)[0]


def receive_many(
    uow, *, events: list[CampusEvent], channel: str, issuer: str, own_correlation: bool = True
) -> list[str]:
    """`receive` for a batch, in one transaction and a fixed number of statements: the people
    named are read at once, the log entries inserted at once under the (source, id) key (those
    already there, or earlier in the batch, are duplicates), the translations written to the
    outbox at once. Returns ACCEPTED or DUPLICATE per event, in order.

    Each translation carries its own event's correlation id (`campus:<source>:<id>`), or with
    `own_correlation=False` the unit of work's (the request's, for the gateway's intake)."""
    entries = [_entry(event, channel) for event in events]
    persons = uow.repo.people_by_subject(issuer, {e.student_ref for e in entries})
    outgoing = {}
    for entry, event in zip(entries, events):
        person = persons.get(entry.student_ref)
        if translations.needs_registration(event.type) and person is None:
            entry.wait()
        else:
            outgoing[id(entry)] = _forwarded(entry, event.values, person, issuer)
    added = uow.repo.add_new(entries)  # the entries that are new, by (source, id), first of each
    new = {id(entry) for entry in added}
    statuses, publications = [], []
    for entry in entries:
        if id(entry) not in new:
            log.info("campus event %s from %s already received", entry.event_id, entry.source)
            statuses.append(DUPLICATE)
            continue
        statuses.append(ACCEPTED)
        if id(entry) in outgoing:
            correlation = f"campus:{entry.source}:{entry.event_id}"[:200] if own_correlation else None
            publications.append((*outgoing[id(entry)], correlation))
        else:
            log.info("campus event %s (%s) kept until its person registers", entry.event_id, entry.event_type)
    uow.publish_all(publications)
    return statuses


def _entry(event: CampusEvent, channel: str) -> Arrival:
    return Arrival(
        source=event.source,
        event_id=event.id,
        event_type=event.type,
        system=event.system,
        student_ref=event.values["student_ref"],
        received_at=event.read_at or utcnow(),
        payload=json.dumps(event.to_structured()),
        channel=channel,
    )


def posted_events(actor: Actor, events) -> list[CampusEvent]:
    """Events a campus system posted (structured JSON each), every one checked before any is
    stored: a breach is Invalid with the reason per index; another system's type is Forbidden."""
    ensure_may_have_role(actor, CAMPUS_SYSTEM, ADMIN, doing="send campus events")
    if not isinstance(events, list) or not events:
        raise Invalid({"events": ["send at least one event"]})
    checked, problems = [], {}
    for index, raw in enumerate(events):
        try:
            event = from_structured(raw)
        except Unusable as exc:
            problems[str(index)] = [exc.reason]
            continue
        if actor.role == CAMPUS_SYSTEM and event.system != actor.subject:
            raise Forbidden(f"{actor.subject} may not send {event.type} (a campus.{event.system} type)")
        checked.append(event)
    if problems:
        raise Invalid({"events": problems})
    return checked


def _forwarded(entry: Arrival, values: dict, person: Person | None, issuer: str) -> tuple[str, dict]:
    """Mark the entry forwarded; returns the event that carries its command (type, data)."""
    command = translations.translate(
        entry.event_type,
        values,
        student_id=person.student_id if person else None,
        issuer=issuer,
        reported_by=entry.source,
    )
    entry.forward(person.student_id if person else None, utcnow())
    return COMMAND_EVENTS[command.kind], command.data


def _forward(uow, entry: InboundEvent, values: dict, person: Person | None, issuer: str):
    uow.publish(*_forwarded(entry, values, person, issuer))


def _values(entry: InboundEvent) -> dict:
    """The event's data as its schema loads it (the log keeps it as it was sent)."""
    data = json.loads(entry.payload)["data"]
    return schema_of(INBOUND_SPECS[entry.event_type].schema).load(data)


def record_person(uow, data: dict, *, issuer: str) -> int:
    """student.registered.v1 / student.updated.v1: the person is known; release what waited.

    Returns how many kept events were forwarded, in the order they were received.
    """
    if not data.get("subject") or not data.get("issuer"):
        return 0
    person = uow.repo.person(data["student_id"])
    if person is None:
        person = Person(student_id=data["student_id"], issuer=data["issuer"], subject=data["subject"])
        uow.repo.add(person)
    person.status = REGISTERED
    if data["issuer"] != issuer:
        return 0
    released = 0
    for entry in uow.repo.waiting_for(person.subject):
        _forward(uow, entry, _values(entry), person, issuer)
        released += 1
    if released:
        log.info("released %d kept campus event(s) for student %s", released, person.student_id)
    return released


def record_withdrawal(uow, data: dict):
    person = uow.repo.person(data["student_id"])
    if person is not None:
        person.status = WITHDRAWN


def expire_waiting(uow, *, days: int, limit: int = 500) -> int:
    """Kept events older than the policy are discarded (their state says why) and logged."""
    now = utcnow()
    expired = uow.repo.waiting_before(waiting_deadline(now, days), limit=limit)
    for entry in expired:
        entry.expire(now, days)
        log.warning(
            "campus event %s from %s (%s) expired: its person never registered",
            entry.event_id,
            entry.source,
            entry.event_type,
        )
    return len(expired)


def inbound_log(uow, *, system=None, status=None, student_ref=None, after=None, limit: int = 100) -> list[dict]:
    return [
        {
            "id": e.id,
            "source": e.source,
            "event_id": e.event_id,
            "type": e.event_type,
            "system": e.system,
            "student_ref": e.student_ref,
            "student_id": e.student_id,
            "status": e.status,
            "reason": e.reason,
            "channel": e.channel,
            "received_at": e.received_at,
            "applied_at": e.applied_at,
        }
        for e in uow.repo.log(system=system, status=status, student_ref=student_ref, after=after, limit=limit)
    ]


def reported(uow, *, system: str) -> list[dict]:
    """What a system reported that the platform holds (data as sent), for reconciliation."""
    return [
        {"type": e.event_type, "status": e.status, "data": json.loads(e.payload)["data"]}
        for e in uow.repo.forwarded(system)
    ]


def people(uow, *, issuer: str) -> list[dict]:
    return [{"student_id": p.student_id, "subject": p.subject, "status": p.status} for p in uow.repo.people(issuer)]


__all__ = [
    "receive",
    "receive_many",
    "record_person",
    "record_withdrawal",
    "expire_waiting",
    "inbound_log",
    "reported",
    "people",
    "WAITING",
]
